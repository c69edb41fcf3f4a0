//! Sobol low-discrepancy points (Joe–Kuo direction numbers, up to 6 dimensions) with a
//! random digital shift, generated in Gray-code order.

use operators::Rng;

const BITS: usize = 32;

/// (degree s, coefficient a, initial m_1..m_s) of the primitive polynomials, Joe & Kuo (2008).
const JOE_KUO: [(usize, u32, &[u32]); 5] = [
    (1, 0, &[1]),
    (2, 1, &[1, 3]),
    (3, 1, &[1, 3, 1]),
    (3, 2, &[1, 1, 1]),
    (4, 1, &[1, 1, 3, 3]),
];

/// A seeded Sobol sequence.
#[derive(Clone, Debug)]
pub struct Sobol {
    directions: Vec<[u32; BITS]>,
    shift: Vec<u32>,
    state: Vec<u32>,
    index: u32,
}

impl Sobol {
    /// Most dimensions the direction numbers cover.
    pub const MAX_DIMS: usize = 1 + JOE_KUO.len();

    /// A scrambled sequence of `dims` dimensions (the random shift drawn from `rng`).
    pub fn new(dims: usize, rng: &mut Rng) -> Self {
        assert!(
            (1..=Self::MAX_DIMS).contains(&dims),
            "Sobol points in 1 to {} dimensions",
            Self::MAX_DIMS
        );
        let mut directions = vec![[0u32; BITS]; dims];
        for (j, v) in directions[0].iter_mut().enumerate() {
            *v = 1 << (BITS - 1 - j);
        }
        for (d, dir) in directions.iter_mut().enumerate().skip(1) {
            let (s, a, m0) = JOE_KUO[d - 1];
            let mut m = [0u32; BITS];
            m[..s].copy_from_slice(m0);
            for j in s..BITS {
                let mut v = m[j - s] ^ (m[j - s] << s);
                for k in 1..s {
                    if (a >> (s - 1 - k)) & 1 == 1 {
                        v ^= m[j - k] << k;
                    }
                }
                m[j] = v;
            }
            for j in 0..BITS {
                dir[j] = m[j] << (BITS - 1 - j);
            }
        }
        let shift = (0..dims).map(|_| rng.next_u64() as u32).collect();
        Sobol {
            directions,
            shift,
            state: vec![0; dims],
            index: 0,
        }
    }

    /// Writes the next point into `out` (length dims), in [0, 1).
    pub fn next_into(&mut self, out: &mut [f64]) {
        for (a, o) in out.iter_mut().enumerate() {
            *o = (self.state[a] ^ self.shift[a]) as f64 / (1u64 << BITS) as f64;
        }
        let c = self.index.trailing_ones() as usize;
        for (s, dir) in self.state.iter_mut().zip(&self.directions) {
            *s ^= dir[c.min(BITS - 1)];
        }
        self.index = self.index.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2^k Sobol points put exactly one point in each of the 2^k slabs of every axis,
    /// and in each cell of a 2^(k/2) × 2^(k/2) grid of the first two axes.
    #[test]
    fn sobol_points_are_stratified() {
        let n = 256;
        let mut s = Sobol::new(Sobol::MAX_DIMS, &mut Rng::new(9));
        let mut pts = vec![vec![0.0; Sobol::MAX_DIMS]; n];
        pts.iter_mut().for_each(|p| s.next_into(p));
        for a in 0..Sobol::MAX_DIMS {
            let mut hit = vec![0; n];
            pts.iter()
                .for_each(|p| hit[(p[a] * n as f64) as usize] += 1);
            assert!(hit.iter().all(|&h| h == 1), "axis {a}");
        }
        let mut cells = vec![0; n];
        pts.iter()
            .for_each(|p| cells[(p[0] * 16.0) as usize * 16 + (p[1] * 16.0) as usize] += 1);
        assert!(cells.iter().all(|&h| h == 1));
    }
}
