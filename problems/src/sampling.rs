//! How points are drawn in the unit cube.

use crate::Sobol;
use operators::Rng;

/// A point-sampling scheme; all are seeded through the caller's RNG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// Independent uniform points.
    #[default]
    Uniform,
    /// A Sobol sequence with a random digital shift (low discrepancy, still seeded).
    Sobol,
    /// Latin hypercube: each axis split into n strata, one point per stratum, strata paired at random.
    LatinHypercube,
    /// A regular grid with cell-centred nodes, n rounded down to a power of the dimension.
    Grid,
}

impl Sampling {
    /// `n` points in [0, 1)^dims, `n × dims` column-major.
    pub fn unit_points(self, n: usize, dims: usize, rng: &mut Rng) -> Vec<f64> {
        let mut out = vec![0.0; n * dims];
        match self {
            Sampling::Uniform => out.iter_mut().for_each(|v| *v = rng.uniform()),
            Sampling::Sobol => {
                let mut s = Sobol::new(dims, rng);
                let mut pt = vec![0.0; dims];
                for p in 0..n {
                    s.next_into(&mut pt);
                    for a in 0..dims {
                        out[a * n + p] = pt[a];
                    }
                }
            }
            Sampling::LatinHypercube => {
                for a in 0..dims {
                    let mut strata: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        strata.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
                    }
                    for (p, s) in strata.into_iter().enumerate() {
                        out[a * n + p] = (s as f64 + rng.uniform()) / n as f64;
                    }
                }
            }
            Sampling::Grid => {
                let per_axis =
                    ((n as f64).powf(1.0 / dims as f64) + 1e-9).floor().max(1.0) as usize;
                for p in 0..n {
                    let mut rest = p % per_axis.pow(dims as u32);
                    for a in 0..dims {
                        out[a * n + p] = ((rest % per_axis) as f64 + 0.5) / per_axis as f64;
                        rest /= per_axis;
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_hypercube_puts_one_point_in_every_stratum_of_every_axis() {
        let n = 97;
        let pts = Sampling::LatinHypercube.unit_points(n, 3, &mut Rng::new(4));
        for a in 0..3 {
            let mut hit = vec![0; n];
            pts[a * n..(a + 1) * n]
                .iter()
                .for_each(|&v| hit[(v * n as f64) as usize] += 1);
            assert!(hit.iter().all(|&h| h == 1), "axis {a}");
        }
    }

    #[test]
    fn same_seed_same_points() {
        for s in [
            Sampling::Uniform,
            Sampling::Sobol,
            Sampling::LatinHypercube,
            Sampling::Grid,
        ] {
            assert_eq!(
                s.unit_points(50, 2, &mut Rng::new(1)),
                s.unit_points(50, 2, &mut Rng::new(1))
            );
        }
    }
}
