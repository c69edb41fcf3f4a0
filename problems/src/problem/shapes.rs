//! The `[geometry]` section: shapes from the file to [`Region`]s.

use super::Resolver;
use crate::error::ProblemError;
use crate::spec::ShapeSpec;
use crate::Region;

impl Resolver<'_> {
    pub(super) fn region(&self, g: &ShapeSpec, key: &str) -> Result<Region, ProblemError> {
        let positive = |r: f64, k: &str| {
            if r > 0.0 && r.is_finite() {
                Ok(r)
            } else {
                Err(self.key(format!("{key}.{k}"), "expected a positive radius"))
            }
        };
        // Union, intersection or difference of two sub-shapes of the same dimension.
        let combine = |op: fn(Box<Region>, Box<Region>) -> Region,
                       a: &ShapeSpec,
                       b: &ShapeSpec|
         -> Result<Region, ProblemError> {
            let (ra, rb) = (
                self.region(a, &format!("{key}.a"))?,
                self.region(b, &format!("{key}.b"))?,
            );
            if ra.dims() != rb.dims() {
                return Err(self.key(
                    key,
                    format!("`a` is {}D and `b` is {}D", ra.dims(), rb.dims()),
                ));
            }
            Ok(op(Box::new(ra), Box::new(rb)))
        };
        Ok(match g {
            ShapeSpec::Box { lo, hi } => {
                if lo.len() != hi.len()
                    || lo.is_empty()
                    || lo.len() > 3
                    || lo
                        .iter()
                        .zip(hi)
                        .any(|(l, h)| l.partial_cmp(h) != Some(std::cmp::Ordering::Less))
                {
                    return Err(self.key(
                        key,
                        "a box needs lo and hi of equal length (1 to 3) with lo < hi",
                    ));
                }
                Region::Box {
                    lo: lo.clone(),
                    hi: hi.clone(),
                }
            }
            ShapeSpec::Disk {
                center,
                radius,
                name,
            } => Region::Ball {
                center: center.to_vec(),
                radius: positive(*radius, "radius")?,
                name: name.clone(),
            },
            ShapeSpec::Ball {
                center,
                radius,
                name,
            } => Region::Ball {
                center: center.to_vec(),
                radius: positive(*radius, "radius")?,
                name: name.clone(),
            },
            ShapeSpec::Polygon { vertices, name } => {
                if vertices.len() < 3 {
                    return Err(self.key(
                        format!("{key}.vertices"),
                        "a polygon needs at least 3 vertices",
                    ));
                }
                Region::Polygon {
                    vertices: vertices.clone(),
                    name: name.clone(),
                }
            }
            ShapeSpec::Union { a, b } => combine(Region::Union, a, b)?,
            ShapeSpec::Intersection { a, b } => combine(Region::Intersection, a, b)?,
            ShapeSpec::Difference { a, b } => combine(Region::Difference, a, b)?,
        })
    }
}
