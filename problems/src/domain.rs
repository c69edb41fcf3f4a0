//! Axis-aligned boxes: intervals, rectangles, space-time slabs.

use operators::{Points, Real, Rng};

use crate::Sampling;

/// A face of a box: the points where coordinate `axis` equals its lower or upper bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Face {
    /// The coordinate that is constant on the face.
    pub axis: usize,
    /// Whether the face is at the upper bound (else the lower).
    pub upper: bool,
}

impl Face {
    /// Both faces across `axis`, lower first (e.g. the two ends of an interval).
    pub fn both(axis: usize) -> Vec<Face> {
        vec![Face { axis, upper: false }, Face { axis, upper: true }]
    }
}

/// The box [lo_0, hi_0] × … × [lo_{d-1}, hi_{d-1}].
#[derive(Clone, Debug, PartialEq)]
pub struct BoxDomain {
    /// Lower bounds, one per axis.
    pub lo: Vec<f64>,
    /// Upper bounds, one per axis.
    pub hi: Vec<f64>,
}

impl BoxDomain {
    /// The box between `lo` and `hi`; panics unless every `lo < hi`.
    pub fn new(lo: Vec<f64>, hi: Vec<f64>) -> Self {
        assert_eq!(lo.len(), hi.len());
        assert!(
            lo.iter().zip(&hi).all(|(a, b)| a < b),
            "empty or degenerate box"
        );
        BoxDomain { lo, hi }
    }

    /// Number of axes.
    pub fn dims(&self) -> usize {
        self.lo.len()
    }

    /// `n` points inside the box.
    pub fn sample<T: Real>(&self, n: usize, how: Sampling, rng: &mut Rng) -> Points<T> {
        let unit = how.unit_points(n, self.dims(), rng);
        self.scale(&unit, &(0..self.dims()).collect::<Vec<_>>(), n)
    }

    /// `n` points on one face (the face's own axis is fixed at its bound).
    pub fn sample_face<T: Real>(
        &self,
        face: Face,
        n: usize,
        how: Sampling,
        rng: &mut Rng,
    ) -> Points<T> {
        let free: Vec<usize> = (0..self.dims()).filter(|&a| a != face.axis).collect();
        let unit = how.unit_points(n, free.len(), rng);
        let mut pts = self.scale(&unit, &free, n);
        let v = if face.upper {
            self.hi[face.axis]
        } else {
            self.lo[face.axis]
        };
        pts.axis_mut(face.axis).fill(T::from_f64(v));
        pts
    }

    /// Maps unit-cube coordinates (`n × axes.len()`) onto the given axes; others stay 0.
    fn scale<T: Real>(&self, unit: &[f64], axes: &[usize], n: usize) -> Points<T> {
        let mut coords = vec![T::zero(); n * self.dims()];
        for (k, &a) in axes.iter().enumerate() {
            for p in 0..n {
                coords[a * n + p] =
                    T::from_f64(self.lo[a] + (self.hi[a] - self.lo[a]) * unit[k * n + p]);
            }
        }
        Points::new(self.dims(), coords)
    }
}
