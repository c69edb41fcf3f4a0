//! Where a term's points come from, so they can be drawn again.

use operators::{Points, Real, Rng};
use problems::{BoxDomain, Face, Sampling};

/// Points inside a box, or on some of its faces (split evenly), or given once.
#[derive(Clone, Debug, PartialEq)]
pub enum PointSource {
    Interior {
        domain: BoxDomain,
        n: usize,
        sampling: Sampling,
    },
    Faces {
        domain: BoxDomain,
        faces: Vec<Face>,
        n: usize,
        sampling: Sampling,
    },
    Fixed(Vec<Vec<f64>>),
    /// `n` points on the lower face of `axis` followed by the same points on its upper face
    /// (periodic conditions compare the two halves).
    Pairs {
        domain: BoxDomain,
        axis: usize,
        n: usize,
        sampling: Sampling,
    },
}

impl PointSource {
    /// Whether the points come in (lower, upper) pairs.
    pub fn is_pairs(&self) -> bool {
        matches!(self, PointSource::Pairs { .. })
    }

    pub fn draw<T: Real>(&self, rng: &mut Rng) -> Points<T> {
        match self {
            PointSource::Interior {
                domain,
                n,
                sampling,
            } => domain.sample(*n, *sampling, rng),
            PointSource::Faces {
                domain,
                faces,
                n,
                sampling,
            } => {
                let dims = domain.dims();
                let parts: Vec<Points<T>> = faces
                    .iter()
                    .enumerate()
                    .map(|(i, &f)| {
                        domain.sample_face(
                            f,
                            n / faces.len() + usize::from(i < n % faces.len()),
                            *sampling,
                            rng,
                        )
                    })
                    .collect();
                let mut coords = Vec::with_capacity(n * dims);
                for a in 0..dims {
                    for p in &parts {
                        coords.extend_from_slice(p.axis(a));
                    }
                }
                Points::new(dims, coords)
            }
            PointSource::Fixed(rows) => Points::from_rows(rows),
            PointSource::Pairs {
                domain,
                axis,
                n,
                sampling,
            } => {
                let lo: Points<T> = domain.sample_face(
                    Face {
                        axis: *axis,
                        upper: false,
                    },
                    *n,
                    *sampling,
                    rng,
                );
                let hi = T::from_f64(domain.hi[*axis]);
                let mut coords = Vec::with_capacity(2 * n * domain.dims());
                for a in 0..domain.dims() {
                    coords.extend_from_slice(lo.axis(a));
                    if a == *axis {
                        coords.extend(std::iter::repeat_n(hi, *n));
                    } else {
                        coords.extend_from_slice(lo.axis(a));
                    }
                }
                Points::new(domain.dims(), coords)
            }
        }
    }
}
