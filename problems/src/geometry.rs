//! Spatial regions beyond boxes: balls (disks), polygons and their CSG combinations.
//!
//! Every region is a signed distance function (negative inside); union, intersection and
//! difference are min, max and max(a, −b). Interior points come by rejection from the
//! bounding box. Boundary points are drawn on each primitive's surface (in proportion to
//! its measure) and kept where the composite distance vanishes, so the boundary of a CSG
//! shape is sampled uniformly; the outward normal is the gradient of the composite distance,
//! and a point's boundary name is its primitive's name.

use operators::Rng;

/// A region of space in 1 to 3 dimensions.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// An axis-aligned box; its faces are named left/right (x), bottom/top (y), back/front (z).
    Box {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
    },
    /// A disk (2D) or ball (3D).
    Ball {
        /// The centre.
        center: Vec<f64>,
        /// The radius.
        radius: f64,
        /// The name of its boundary (for conditions' `on`).
        name: String,
    },
    /// A simple polygon (2D), vertices in order.
    Polygon {
        /// The vertices, in order around the polygon.
        vertices: Vec<[f64; 2]>,
        /// The name of its boundary (for conditions' `on`).
        name: String,
    },
    /// Points in either region.
    Union(Box<Region>, Box<Region>),
    /// Points in both regions.
    Intersection(Box<Region>, Box<Region>),
    /// Points in the first region and not in the second.
    Difference(Box<Region>, Box<Region>),
}

/// A point on the boundary with its outward unit normal and boundary name.
#[derive(Clone, Debug, PartialEq)]
pub struct BoundaryPoint {
    /// The point.
    pub point: Vec<f64>,
    /// The outward unit normal there.
    pub normal: Vec<f64>,
    /// The name of the boundary piece it lies on.
    pub name: String,
}

const FACES: [(&str, &str); 3] = [("left", "right"), ("bottom", "top"), ("back", "front")];

impl Region {
    /// Number of spatial dimensions.
    pub fn dims(&self) -> usize {
        match self {
            Region::Box { lo, .. } => lo.len(),
            Region::Ball { center, .. } => center.len(),
            Region::Polygon { .. } => 2,
            Region::Union(a, _) | Region::Intersection(a, _) | Region::Difference(a, _) => a.dims(),
        }
    }

    /// Signed distance: negative inside, zero on the boundary (exact for primitives, a
    /// bound for CSG combinations, which is all sampling needs).
    pub fn distance(&self, p: &[f64]) -> f64 {
        match self {
            Region::Box { lo, hi } => {
                let (mut outside, mut inside) = (0.0f64, f64::NEG_INFINITY);
                for a in 0..lo.len() {
                    let d = (lo[a] - p[a]).max(p[a] - hi[a]);
                    outside += d.max(0.0).powi(2);
                    inside = inside.max(d.min(0.0));
                }
                outside.sqrt() + inside
            }
            Region::Ball { center, radius, .. } => {
                center
                    .iter()
                    .zip(p)
                    .map(|(c, x)| (x - c).powi(2))
                    .sum::<f64>()
                    .sqrt()
                    - radius
            }
            Region::Polygon { vertices, .. } => polygon_distance(vertices, [p[0], p[1]]),
            Region::Union(a, b) => a.distance(p).min(b.distance(p)),
            Region::Intersection(a, b) => a.distance(p).max(b.distance(p)),
            Region::Difference(a, b) => a.distance(p).max(-b.distance(p)),
        }
    }

    /// The bounding box (lo, hi).
    pub fn bounds(&self) -> (Vec<f64>, Vec<f64>) {
        match self {
            Region::Box { lo, hi } => (lo.clone(), hi.clone()),
            Region::Ball { center, radius, .. } => (
                center.iter().map(|c| c - radius).collect(),
                center.iter().map(|c| c + radius).collect(),
            ),
            Region::Polygon { vertices, .. } => {
                let f = |i: usize, pick: fn(f64, f64) -> f64, init: f64| {
                    vertices.iter().map(|v| v[i]).fold(init, pick)
                };
                (
                    vec![f(0, f64::min, f64::INFINITY), f(1, f64::min, f64::INFINITY)],
                    vec![
                        f(0, f64::max, f64::NEG_INFINITY),
                        f(1, f64::max, f64::NEG_INFINITY),
                    ],
                )
            }
            Region::Union(a, b) => {
                let ((la, ha), (lb, hb)) = (a.bounds(), b.bounds());
                (
                    la.iter().zip(&lb).map(|(x, y)| x.min(*y)).collect(),
                    ha.iter().zip(&hb).map(|(x, y)| x.max(*y)).collect(),
                )
            }
            Region::Intersection(a, b) => {
                let ((la, ha), (lb, hb)) = (a.bounds(), b.bounds());
                (
                    la.iter().zip(&lb).map(|(x, y)| x.max(*y)).collect(),
                    ha.iter().zip(&hb).map(|(x, y)| x.min(*y)).collect(),
                )
            }
            Region::Difference(a, _) => a.bounds(),
        }
    }

    /// A length scale for tolerances.
    fn size(&self) -> f64 {
        let (lo, hi) = self.bounds();
        lo.iter().zip(&hi).map(|(a, b)| b - a).fold(0.0, f64::max)
    }

    /// The names of the boundary pieces.
    pub fn boundary_names(&self) -> Vec<String> {
        match self {
            Region::Box { lo, .. } => FACES[..lo.len()]
                .iter()
                .flat_map(|(l, u)| [l.to_string(), u.to_string()])
                .collect(),
            Region::Ball { name, .. } | Region::Polygon { name, .. } => vec![name.clone()],
            Region::Union(a, b) | Region::Intersection(a, b) | Region::Difference(a, b) => {
                let mut names = a.boundary_names();
                names.extend(
                    b.boundary_names()
                        .into_iter()
                        .filter(|n| !names.contains(n))
                        .collect::<Vec<_>>(),
                );
                names
            }
        }
    }

    /// `n` points inside the region, uniform (rejection from the bounding box).
    pub fn sample_interior(&self, n: usize, rng: &mut Rng) -> Vec<Vec<f64>> {
        let (lo, hi) = self.bounds();
        let mut out = Vec::with_capacity(n);
        for _ in 0..1000 * n.max(1) {
            if out.len() == n {
                break;
            }
            let p: Vec<f64> = lo
                .iter()
                .zip(&hi)
                .map(|(l, h)| rng.uniform_in(*l, *h))
                .collect();
            if self.distance(&p) < 0.0 {
                out.push(p);
            }
        }
        assert_eq!(
            out.len(),
            n,
            "the region is empty or much smaller than its bounding box"
        );
        out
    }

    /// `n` boundary points, uniform over the boundary pieces whose names are in `names`.
    pub fn sample_boundary(&self, n: usize, names: &[String], rng: &mut Rng) -> Vec<BoundaryPoint> {
        let pieces = self.primitive_pieces();
        let total: f64 = pieces.iter().map(|(_, m)| m).sum();
        let tol = 1e-9 * self.size();
        let mut out = Vec::with_capacity(n);
        for _ in 0..1000 * n.max(1) {
            if out.len() == n {
                break;
            }
            let mut r = rng.uniform() * total;
            let piece = pieces.iter().find(|(_, m)| {
                r -= m;
                r <= 0.0
            });
            let (prim, _) = piece.unwrap_or(pieces.last().expect("a region has a boundary"));
            let (point, name) = prim.sample_surface(rng);
            if self.distance(&point).abs() <= tol && names.contains(&name) {
                let normal = self.normal(&point);
                out.push(BoundaryPoint {
                    point,
                    normal,
                    name,
                });
            }
        }
        assert_eq!(out.len(), n, "no boundary named {names:?} on this region");
        out
    }

    /// Outward unit normal: the normalized gradient of the distance (central differences).
    pub fn normal(&self, p: &[f64]) -> Vec<f64> {
        let h = 1e-7 * self.size().max(1e-300);
        let mut g: Vec<f64> = (0..p.len())
            .map(|a| {
                let (mut pp, mut pm) = (p.to_vec(), p.to_vec());
                pp[a] += h;
                pm[a] -= h;
                (self.distance(&pp) - self.distance(&pm)) / (2.0 * h)
            })
            .collect();
        let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        g.iter_mut().for_each(|v| *v /= norm.max(1e-300));
        g
    }

    /// The primitives of the tree with the measure of their surfaces.
    fn primitive_pieces(&self) -> Vec<(&Region, f64)> {
        match self {
            Region::Union(a, b) | Region::Intersection(a, b) | Region::Difference(a, b) => {
                let mut v = a.primitive_pieces();
                v.extend(b.primitive_pieces());
                v
            }
            prim => vec![(prim, prim.surface_measure())],
        }
    }

    fn surface_measure(&self) -> f64 {
        match self {
            Region::Box { lo, hi } => {
                let d = lo.len();
                let len: Vec<f64> = lo.iter().zip(hi).map(|(l, h)| h - l).collect();
                (0..d)
                    .map(|a| 2.0 * (0..d).filter(|&b| b != a).map(|b| len[b]).product::<f64>())
                    .sum()
            }
            Region::Ball { center, radius, .. } => match center.len() {
                1 => 2.0,
                2 => 2.0 * std::f64::consts::PI * radius,
                _ => 4.0 * std::f64::consts::PI * radius * radius,
            },
            Region::Polygon { vertices, .. } => edges(vertices)
                .map(|(a, b)| ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt())
                .sum(),
            _ => unreachable!("primitives only"),
        }
    }

    /// A uniform point on a primitive's surface, with its boundary name.
    fn sample_surface(&self, rng: &mut Rng) -> (Vec<f64>, String) {
        match self {
            Region::Box { lo, hi } => {
                let d = lo.len();
                let len: Vec<f64> = lo.iter().zip(hi).map(|(l, h)| h - l).collect();
                let area = |a: usize| (0..d).filter(|&b| b != a).map(|b| len[b]).product::<f64>();
                let mut r = rng.uniform() * (0..d).map(|a| 2.0 * area(a)).sum::<f64>();
                let mut face = (0, false);
                'pick: for a in 0..d {
                    for upper in [false, true] {
                        r -= area(a);
                        face = (a, upper);
                        if r <= 0.0 {
                            break 'pick;
                        }
                    }
                }
                let p = (0..d)
                    .map(|b| {
                        if b == face.0 {
                            if face.1 {
                                hi[b]
                            } else {
                                lo[b]
                            }
                        } else {
                            rng.uniform_in(lo[b], hi[b])
                        }
                    })
                    .collect();
                (
                    p,
                    if face.1 {
                        FACES[face.0].1
                    } else {
                        FACES[face.0].0
                    }
                    .to_string(),
                )
            }
            Region::Ball {
                center,
                radius,
                name,
            } => {
                // A uniform direction: normalized Gaussian vector.
                let g: Vec<f64> = center.iter().map(|_| rng.normal()).collect();
                let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
                (
                    center
                        .iter()
                        .zip(&g)
                        .map(|(c, v)| c + radius * v / norm)
                        .collect(),
                    name.clone(),
                )
            }
            Region::Polygon { vertices, name } => {
                let lens: Vec<f64> = edges(vertices)
                    .map(|(a, b)| ((b[0] - a[0]).powi(2) + (b[1] - a[1]).powi(2)).sqrt())
                    .collect();
                let mut r = rng.uniform() * lens.iter().sum::<f64>();
                let (mut k, s) = (0, rng.uniform());
                for (i, l) in lens.iter().enumerate() {
                    r -= l;
                    k = i;
                    if r <= 0.0 {
                        break;
                    }
                }
                let (a, b) = (vertices[k], vertices[(k + 1) % vertices.len()]);
                (
                    vec![a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])],
                    name.clone(),
                )
            }
            _ => unreachable!("primitives only"),
        }
    }
}

fn edges(v: &[[f64; 2]]) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
    (0..v.len()).map(move |i| (v[i], v[(i + 1) % v.len()]))
}

/// Signed distance to a simple polygon (even–odd rule for the sign).
fn polygon_distance(v: &[[f64; 2]], p: [f64; 2]) -> f64 {
    let mut d = f64::INFINITY;
    let mut inside = false;
    for (a, b) in edges(v) {
        let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
        let (wx, wy) = (p[0] - a[0], p[1] - a[1]);
        let t = ((wx * ex + wy * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0);
        d = d.min(((wx - t * ex).powi(2) + (wy - t * ey).powi(2)).sqrt());
        if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0] + (p[1] - a[1]) * ex / ey {
            inside = !inside;
        }
    }
    if inside {
        -d
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(r: f64, name: &str) -> Region {
        Region::Ball {
            center: vec![0.0, 0.0],
            radius: r,
            name: name.into(),
        }
    }

    /// An annulus: boundary points lie on one of the two circles, with outward normals
    /// pointing away from the centre on the outer circle and towards it on the hole.
    #[test]
    fn annulus_boundary_points_and_normals() {
        let annulus = Region::Difference(Box::new(disk(1.0, "outer")), Box::new(disk(0.5, "hole")));
        let mut rng = Rng::new(1);
        let names = annulus.boundary_names();
        assert_eq!(names, vec!["outer".to_string(), "hole".into()]);
        let pts = annulus.sample_boundary(600, &names, &mut rng);
        let on_hole = pts.iter().filter(|b| b.name == "hole").count();
        // Uniform over the boundary: the hole has a third of the total length.
        assert!(
            (on_hole as f64 / 600.0 - 1.0 / 3.0).abs() < 0.06,
            "{on_hole}"
        );
        for b in &pts {
            let r = (b.point[0].powi(2) + b.point[1].powi(2)).sqrt();
            let radial: f64 = (b.point[0] * b.normal[0] + b.point[1] * b.normal[1]) / r;
            match b.name.as_str() {
                "outer" => assert!((r - 1.0).abs() < 1e-12 && (radial - 1.0).abs() < 1e-6),
                _ => assert!((r - 0.5).abs() < 1e-12 && (radial + 1.0).abs() < 1e-6),
            }
        }
        for p in annulus.sample_interior(500, &mut rng) {
            let r = (p[0].powi(2) + p[1].powi(2)).sqrt();
            assert!((0.5..=1.0).contains(&r));
        }
    }

    /// The L-shape [-1,1]² minus [0,1]²: a polygon and a box difference agree.
    #[test]
    fn l_shape_as_polygon_and_as_difference() {
        let poly = Region::Polygon {
            vertices: vec![
                [-1.0, -1.0],
                [1.0, -1.0],
                [1.0, 0.0],
                [0.0, 0.0],
                [0.0, 1.0],
                [-1.0, 1.0],
            ],
            name: "wall".into(),
        };
        let diff = Region::Difference(
            Box::new(Region::Box {
                lo: vec![-1.0, -1.0],
                hi: vec![1.0, 1.0],
            }),
            Box::new(Region::Box {
                lo: vec![0.0, 0.0],
                hi: vec![2.0, 2.0],
            }),
        );
        let mut rng = Rng::new(2);
        for _ in 0..2000 {
            let p = [rng.uniform_in(-1.2, 1.2), rng.uniform_in(-1.2, 1.2)];
            assert_eq!(poly.distance(&p) < 0.0, diff.distance(&p) < 0.0, "{p:?}");
        }
        for b in poly.sample_boundary(200, &["wall".into()], &mut rng) {
            assert!(poly.distance(&b.point).abs() < 1e-12);
            // Normals point out: a small step along them leaves the region.
            let q: Vec<f64> = b
                .point
                .iter()
                .zip(&b.normal)
                .map(|(x, n)| x + 1e-3 * n)
                .collect();
            assert!(poly.distance(&q) > 0.0, "{b:?}");
        }
    }
}
