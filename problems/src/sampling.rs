//! How points are drawn in the unit cube.

use crate::Sobol;
use operators::Rng;

/// A point-sampling scheme; all are seeded through the caller's RNG.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sampling {
    /// Independent uniform points.
    #[default]
    Uniform,
    /// A Sobol sequence with a random digital shift (low discrepancy, still seeded).
    Sobol,
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
