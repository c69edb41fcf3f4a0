//! The points of a batch binned in a uniform grid, so that a Gaussian finds its candidate
//! points among the cells its support box overlaps instead of among all points.

use crate::jet::MAX_AXES;
use crate::Real;

/// Cells per axis of the point grid, at most.
const MAX_CELLS: usize = 64;

/// Points binned in a uniform grid: `order[start[c]..start[c + 1]]` are the points of cell c,
/// and `xs` their coordinates in that order.
#[derive(Clone, Debug)]
pub(super) struct Grid<T> {
    pub xs: Vec<T>,
    lo: [T; MAX_AXES],
    inv_width: [T; MAX_AXES],
    cells: [usize; MAX_AXES],
    pub start: Vec<usize>,
    pub order: Vec<usize>,
    cell_of: Vec<usize>,
    /// Where the next point of each cell goes while binning.
    next: Vec<usize>,
}

impl<T: Real> Grid<T> {
    /// An empty grid for `n` points over `dims` axes.
    pub fn new(dims: usize, n: usize) -> Self {
        Grid {
            xs: vec![T::zero(); dims * n],
            lo: [T::zero(); MAX_AXES],
            inv_width: [T::zero(); MAX_AXES],
            cells: [1; MAX_AXES],
            start: Vec::new(),
            order: Vec::new(),
            cell_of: vec![0; n],
            next: Vec::new(),
        }
    }

    /// Bins the points in cells a quarter of R mean scales wide over the points' box (a support
    /// box spans about nine cells per axis, so few candidates fall outside the cutoff), with at
    /// most about as many cells as points (shrinking scales must not make binning the cost).
    pub fn rebuild(&mut self, x: &[T], n: usize, dims: usize, scale: &[T], cutoff: f64) {
        let count = scale.len() / dims;
        let most = ((n.max(1) as f64).powf(1.0 / dims as f64).ceil() as usize).min(MAX_CELLS);
        let mut total = 1;
        for d in 0..dims {
            let col = &x[d * n..(d + 1) * n];
            let lo = col
                .iter()
                .fold(T::from_f64(f64::INFINITY), |a, &v| a.min(v));
            let hi = col
                .iter()
                .fold(T::from_f64(f64::NEG_INFINITY), |a, &v| a.max(v));
            let mean_scale = (0..count).map(|i| scale[i * dims + d].abs()).sum::<T>()
                / T::from_f64(count.max(1) as f64);
            let width = T::from_f64(0.25 * cutoff) * mean_scale;
            let extent = (hi - lo).to_f64();
            let cells = if n == 0 || width.to_f64().is_nan() || width.to_f64() <= 0.0 {
                1
            } else {
                ((extent / width.to_f64()).ceil() as usize).clamp(1, most)
            };
            self.lo[d] = if n == 0 { T::zero() } else { lo };
            self.inv_width[d] = T::from_f64(cells as f64 / extent.max(f64::MIN_POSITIVE));
            self.cells[d] = cells;
            total *= cells;
        }
        for d in dims..MAX_AXES {
            self.cells[d] = 1;
        }
        self.start.clear();
        self.start.resize(total + 1, 0);
        for p in 0..n {
            let c = self.cell_index(|d| x[d * n + p], dims);
            self.cell_of[p] = c;
            self.start[c + 1] += 1;
        }
        for c in 0..total {
            self.start[c + 1] += self.start[c];
        }
        self.order.clear();
        self.order.resize(n, 0);
        self.next.clear();
        self.next.extend_from_slice(&self.start[..total]);
        for p in 0..n {
            let c = self.cell_of[p];
            self.order[self.next[c]] = p;
            self.next[c] += 1;
        }
        for d in 0..dims {
            let (xs, x) = (&mut self.xs[d * n..(d + 1) * n], &x[d * n..(d + 1) * n]);
            for (v, &p) in xs.iter_mut().zip(&self.order) {
                *v = x[p];
            }
        }
    }

    /// The cell of coordinate `x(d)`, clamped to the grid.
    fn cell_index(&self, x: impl Fn(usize) -> T, dims: usize) -> usize {
        let mut c = 0;
        for d in (0..dims).rev() {
            c = c * self.cells[d] + self.axis_cell(d, x(d));
        }
        c
    }

    fn axis_cell(&self, d: usize, v: T) -> usize {
        let k = ((v - self.lo[d]) * self.inv_width[d]).to_f64().floor();
        (k.max(0.0) as usize).min(self.cells[d] - 1)
    }

    /// The rows of cells overlapping the box μ ± R|σ|, or None if it misses the points' box.
    pub fn rows_of_box(&self, mu: &[T], sigma: &[T], cutoff: T, dims: usize) -> Option<BoxRows> {
        let mut lo = [0; MAX_AXES];
        let mut hi = [0; MAX_AXES];
        for d in 0..dims {
            let r = cutoff * sigma[d].abs();
            let a = ((mu[d] - r - self.lo[d]) * self.inv_width[d])
                .to_f64()
                .floor();
            let b = ((mu[d] + r - self.lo[d]) * self.inv_width[d])
                .to_f64()
                .floor();
            if b < 0.0 || a > (self.cells[d] - 1) as f64 {
                return None;
            }
            lo[d] = a.max(0.0) as usize;
            hi[d] = (b as usize).min(self.cells[d] - 1);
        }
        Some(BoxRows {
            lo,
            hi,
            cells: self.cells,
            dims,
            at: lo,
            done: false,
        })
    }
}

/// The rows of an axis-aligned block of cells: the cells of a row are consecutive along axis
/// 0, so their points are one run in grid order. Yields each row's first and last cell.
pub(super) struct BoxRows {
    lo: [usize; MAX_AXES],
    hi: [usize; MAX_AXES],
    cells: [usize; MAX_AXES],
    dims: usize,
    at: [usize; MAX_AXES],
    done: bool,
}

impl Iterator for BoxRows {
    type Item = (usize, usize);
    fn next(&mut self) -> Option<(usize, usize)> {
        if self.done {
            return None;
        }
        let mut c = 0;
        for d in (0..self.dims).rev() {
            c = c * self.cells[d] + self.at[d];
        }
        // An odometer over the axes after the first.
        self.done = true;
        for d in 1..self.dims {
            if self.at[d] < self.hi[d] {
                self.at[d] += 1;
                self.done = false;
                break;
            }
            self.at[d] = self.lo[d];
        }
        Some((c, c + self.hi[0] - self.lo[0]))
    }
}
