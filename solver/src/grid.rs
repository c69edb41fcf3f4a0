//! The regular grid fields are written on: one coordinate vector per axis, points ordered
//! with the first axis (x) fastest, i.e. arrays are `[t, …, y, x]` in C order.

use operators::{Points, Real};

/// A regular grid: coordinate vectors per axis (space, then time if any).
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The axis names, in domain order.
    pub axes: Vec<String>,
    /// The coordinates along each axis, increasing.
    pub coords: Vec<Vec<f64>>,
    /// Which axis is time, if any.
    pub time_axis: Option<usize>,
}

impl Grid {
    /// `n[a]` evenly spaced points on [lo[a], hi[a]] along every axis.
    pub fn uniform(
        axes: &[String],
        lo: &[f64],
        hi: &[f64],
        n: &[usize],
        time_axis: Option<usize>,
    ) -> Grid {
        let coords = (0..axes.len())
            .map(|a| {
                (0..n[a])
                    .map(|i| lo[a] + (hi[a] - lo[a]) * i as f64 / (n[a] - 1) as f64)
                    .collect()
            })
            .collect();
        Grid {
            axes: axes.to_vec(),
            coords,
            time_axis,
        }
    }

    /// Number of grid points (the product of the axes' lengths).
    pub fn len(&self) -> usize {
        self.coords.iter().map(Vec::len).product()
    }

    /// Whether the grid has no point.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The array shape in C order: `[n_last_axis, …, n_x]`.
    pub fn shape(&self) -> Vec<usize> {
        self.coords.iter().rev().map(Vec::len).collect()
    }

    /// Every grid point, x fastest.
    pub fn points<T: Real>(&self) -> Points<T> {
        let n = self.len();
        let dims = self.axes.len();
        let mut coords = vec![T::zero(); n * dims];
        let mut stride = 1;
        for (a, c) in self.coords.iter().enumerate() {
            for p in 0..n {
                coords[a * n + p] = T::from_f64(c[(p / stride) % c.len()]);
            }
            stride *= c.len();
        }
        Points::new(dims, coords)
    }

    /// Points per time slice (the product of the spatial axes' lengths).
    pub fn slice_len(&self) -> usize {
        self.coords
            .iter()
            .enumerate()
            .filter(|(a, _)| Some(*a) != self.time_axis)
            .map(|(_, c)| c.len())
            .product()
    }

    /// The time values (a single 0 for steady problems). Time is the last axis, so the values
    /// at time index k are the contiguous block `k·slice_len ..`.
    pub fn times(&self) -> Vec<f64> {
        self.time_axis.map_or(vec![0.0], |t| self.coords[t].clone())
    }

    /// The spatial axes' indices.
    pub fn spatial_axes(&self) -> Vec<usize> {
        (0..self.axes.len())
            .filter(|&a| Some(a) != self.time_axis)
            .collect()
    }

    /// The spatial grid: this one without its time axis (the last).
    pub fn space(&self) -> Grid {
        let dims = self.spatial_axes().len();
        Grid {
            axes: self.axes[..dims].to_vec(),
            coords: self.coords[..dims].to_vec(),
            time_axis: None,
        }
    }

    /// The same space at `times` instead of this grid's own (which it must have).
    pub fn at_times(&self, times: Vec<f64>) -> Grid {
        let t = self.time_axis.expect("a grid with a time axis");
        let mut g = self.space();
        g.axes.push(self.axes[t].clone());
        g.coords.push(times);
        g.time_axis = Some(g.axes.len() - 1);
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_runs_fastest_and_time_slices_are_contiguous() {
        let g = Grid::uniform(
            &["x".into(), "t".into()],
            &[0.0, 0.0],
            &[1.0, 2.0],
            &[3, 2],
            Some(1),
        );
        let p: Points<f64> = g.points();
        assert_eq!(p.axis(0), &[0.0, 0.5, 1.0, 0.0, 0.5, 1.0]);
        assert_eq!(p.axis(1), &[0.0, 0.0, 0.0, 2.0, 2.0, 2.0]);
        assert_eq!(
            (g.shape(), g.slice_len(), g.times()),
            (vec![2, 3], 3, vec![0.0, 2.0])
        );
    }
}
