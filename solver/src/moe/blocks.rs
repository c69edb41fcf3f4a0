//! The experts' router: a fixed uniform partition of the box into blocks (no learned gate,
//! as in the paper's `SpatialTemporalMoE`).

use problems::BoxDomain;

/// Two blocks that share a face across `axis`: the face is `lower`'s upper one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The block below the face.
    pub lower: usize,
    /// The block above it.
    pub upper: usize,
    /// The axis the face is across.
    pub axis: usize,
}

/// `splits[a]` blocks along axis a; blocks are numbered with the first axis fastest.
#[derive(Clone, Debug, PartialEq)]
pub struct Blocks {
    /// The box that is split.
    pub domain: BoxDomain,
    /// Blocks along each axis.
    pub splits: Vec<usize>,
}

impl Blocks {
    /// `domain` split into `splits[a]` equal blocks along each axis a.
    pub fn new(domain: BoxDomain, splits: Vec<usize>) -> Self {
        assert_eq!(domain.dims(), splits.len(), "one split count per axis");
        assert!(!splits.contains(&0), "at least one block per axis");
        Blocks { domain, splits }
    }

    /// Number of blocks (experts).
    pub fn len(&self) -> usize {
        self.splits.iter().product()
    }

    /// Always false: there is at least one block.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The block holding a point (points on an interface go to the upper block, points
    /// outside to the nearest).
    pub fn of(&self, point: impl Fn(usize) -> f64) -> usize {
        let (lo, hi) = (&self.domain.lo, &self.domain.hi);
        let mut index = 0;
        for a in (0..self.splits.len()).rev() {
            let s = self.splits[a];
            let f = (point(a) - lo[a]) / (hi[a] - lo[a]) * s as f64;
            index = index * s + (f.floor().max(0.0) as usize).min(s - 1);
        }
        index
    }

    /// Every pair of neighbouring blocks, by axis and then by block.
    pub fn interfaces(&self) -> Vec<Interface> {
        let mut out = Vec::new();
        let mut stride = 1;
        for (axis, &s) in self.splits.iter().enumerate() {
            for lower in (0..self.len()).filter(|e| (e / stride) % s + 1 < s) {
                out.push(Interface {
                    lower,
                    upper: lower + stride,
                    axis,
                });
            }
            stride *= s;
        }
        out
    }

    /// Block `e` as a box.
    pub fn bounds(&self, e: usize) -> BoxDomain {
        let (mut lo, mut hi) = (Vec::new(), Vec::new());
        let mut rest = e;
        for (a, &s) in self.splits.iter().enumerate() {
            let i = rest % s;
            rest /= s;
            let width = (self.domain.hi[a] - self.domain.lo[a]) / s as f64;
            lo.push(self.domain.lo[a] + i as f64 * width);
            hi.push(if i + 1 == s {
                self.domain.hi[a]
            } else {
                self.domain.lo[a] + (i + 1) as f64 * width
            });
        }
        BoxDomain::new(lo, hi)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_holds_its_own_centre() {
        let blocks = Blocks::new(BoxDomain::new(vec![0.0, -1.0], vec![1.0, 3.0]), vec![4, 3]);
        assert_eq!(blocks.len(), 12);
        for e in 0..blocks.len() {
            let b = blocks.bounds(e);
            let centre: Vec<f64> = (0..2).map(|a| 0.5 * (b.lo[a] + b.hi[a])).collect();
            assert_eq!(blocks.of(|a| centre[a]), e, "{b:?}");
        }
        // The upper corner belongs to the last block, points outside to the nearest.
        assert_eq!(blocks.of(|a| [1.0, 3.0][a]), 11);
        assert_eq!(blocks.of(|a| [-5.0, 10.0][a]), 8);
    }

    #[test]
    fn interfaces_join_blocks_that_share_a_face() {
        let blocks = Blocks::new(BoxDomain::new(vec![0.0, 0.0], vec![1.0, 1.0]), vec![3, 2]);
        let interfaces = blocks.interfaces();
        // 2 per row along x in 2 rows, 1 per column along the second axis in 3 columns.
        assert_eq!(interfaces.len(), 7);
        for i in interfaces {
            let (lo, hi) = (blocks.bounds(i.lower), blocks.bounds(i.upper));
            assert_eq!(lo.hi[i.axis], hi.lo[i.axis], "{i:?}");
            let other = 1 - i.axis;
            assert_eq!(
                (lo.lo[other], lo.hi[other]),
                (hi.lo[other], hi.hi[other]),
                "{i:?}"
            );
        }
    }
}
