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
}

impl PointSource {
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
        }
    }
}
