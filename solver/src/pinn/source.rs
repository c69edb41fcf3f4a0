//! Where a term's points come from, so they can be drawn again.

use operators::expr::Program;
use operators::{Points, Real, Rng};
use problems::{BoxDomain, Face, Region, Sampling};

/// Points inside a box, or on some of its faces (split evenly), or given once.
#[derive(Clone, Debug, PartialEq)]
pub enum PointSource {
    /// `n` points inside the box.
    Interior {
        /// The box.
        domain: BoxDomain,
        /// Number of points.
        n: usize,
        /// How they are drawn.
        sampling: Sampling,
    },
    /// `n` points on some faces of the box, split evenly.
    Faces {
        /// The box.
        domain: BoxDomain,
        /// The faces.
        faces: Vec<Face>,
        /// Number of points, over all faces.
        n: usize,
        /// How they are drawn.
        sampling: Sampling,
    },
    /// The same points every time (data), one row per point.
    Fixed(Vec<Vec<f64>>),
    /// `n` points on the lower face of `axis` followed by the same points on its upper face
    /// (periodic conditions compare the two halves).
    Pairs {
        /// The box.
        domain: BoxDomain,
        /// The axis whose faces are paired.
        axis: usize,
        /// Number of pairs.
        n: usize,
        /// How they are drawn.
        sampling: Sampling,
    },
    /// Points inside a region (`boundary` empty) or on its named boundary pieces, with time
    /// (the last coordinate) uniform in `time` when there is one (fixed if lo = hi).
    /// `keep` (an expression of the coordinates) selects boundary points where it vanishes.
    Region {
        /// The region.
        region: Region,
        /// Named boundary pieces (empty: the interior).
        boundary: Vec<String>,
        /// The time interval, if the problem has time.
        time: Option<(f64, f64)>,
        /// Number of points.
        n: usize,
        /// Keeps boundary points where this vanishes.
        keep: Option<Program>,
    },
}

impl PointSource {
    /// The points, and the outward unit normals (one row per point) where they lie on a boundary.
    pub fn draw_with_normals<T: Real>(&self, rng: &mut Rng) -> (Points<T>, Option<Vec<Vec<f64>>>) {
        let PointSource::Region {
            region,
            boundary,
            time,
            n,
            keep,
        } = self
        else {
            return (self.draw(rng), None);
        };
        let (mut rows, normals) = if boundary.is_empty() {
            (region.sample_interior(*n, rng), None)
        } else {
            let mut kept = Vec::with_capacity(*n);
            let (lo, hi) = region.bounds();
            let tol = 1e-9 * lo.iter().zip(&hi).map(|(a, b)| b - a).fold(0.0, f64::max);
            while kept.len() < *n {
                let batch = region.sample_boundary(*n, boundary, rng);
                let values = keep.as_ref().map(|k| {
                    k.eval_at_points(&Points::<f64>::from_rows(
                        &batch.iter().map(|b| b.point.clone()).collect::<Vec<_>>(),
                    ))
                });
                kept.extend(
                    batch
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| values.as_ref().is_none_or(|v| v[*i].abs() <= tol))
                        .map(|(_, b)| b),
                );
            }
            kept.truncate(*n);
            (
                kept.iter().map(|p| p.point.clone()).collect(),
                Some(kept.into_iter().map(|p| p.normal).collect()),
            )
        };
        if let Some((lo, hi)) = time {
            rows.iter_mut().for_each(|r| {
                r.push(if lo == hi {
                    *lo
                } else {
                    rng.uniform_in(*lo, *hi)
                })
            });
        }
        (Points::from_rows(&rows), normals)
    }

    /// Whether the points fill the interior (of a box or a region).
    pub fn is_interior(&self) -> bool {
        matches!(self, PointSource::Interior { .. })
            || matches!(self, PointSource::Region { boundary, .. } if boundary.is_empty())
    }

    /// The same source drawing `n` points.
    pub fn with_n(&self, n: usize) -> PointSource {
        let mut s = self.clone();
        match &mut s {
            PointSource::Interior { n: m, .. }
            | PointSource::Faces { n: m, .. }
            | PointSource::Pairs { n: m, .. }
            | PointSource::Region { n: m, .. } => *m = n,
            PointSource::Fixed(_) => {}
        }
        s
    }

    /// Whether the points come in (lower, upper) pairs.
    pub fn is_pairs(&self) -> bool {
        matches!(self, PointSource::Pairs { .. })
    }

    /// Draws the points (fresh ones for every random source).
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
            PointSource::Region { .. } => self.draw_with_normals(rng).0,
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
