//! Time marching (Wang, Sankaran, Perdikaris): [t0, t1] is split into windows, each a PINN
//! of its own trained one after another; a window's initial condition is the previous
//! window's prediction at its start time.

use crate::predict;
use operators::model::Field;
use operators::{Points, Real};

/// The windows of a time-marching run.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeMarching {
    /// Start of the time interval.
    pub t0: f64,
    /// End of the time interval.
    pub t1: f64,
    /// Number of equal windows.
    pub windows: usize,
    /// Fraction of a window by which its collocation interval extends past its end, so the
    /// end time is covered (1% in the reference code).
    pub stretch: f64,
}

impl TimeMarching {
    /// `windows` equal windows of [t0, t1], stretched by 1%.
    pub fn new(t0: f64, t1: f64, windows: usize) -> Self {
        assert!(t1 > t0 && windows > 0);
        TimeMarching {
            t0,
            t1,
            windows,
            stretch: 0.01,
        }
    }

    fn width(&self) -> f64 {
        (self.t1 - self.t0) / self.windows as f64
    }

    /// Window `k` as [start, end].
    pub fn window(&self, k: usize) -> (f64, f64) {
        (
            self.t0 + k as f64 * self.width(),
            self.t0 + (k + 1) as f64 * self.width(),
        )
    }

    /// The interval window `k` trains on: [start, end + stretch·width].
    pub fn collocation_interval(&self, k: usize) -> (f64, f64) {
        let (a, b) = self.window(k);
        (a, b + self.stretch * self.width())
    }

    /// The window that owns time `t` (the last one owns t1).
    pub fn window_of(&self, t: f64) -> usize {
        (((t - self.t0) / self.width()).floor().max(0.0) as usize).min(self.windows - 1)
    }
}

/// The trained windows: one field and parameter vector per window.
pub struct MarchedField<T, F> {
    /// The windows' times.
    pub marching: TimeMarching,
    /// Which input is time.
    pub time_axis: usize,
    /// Each window's field and its trained parameters.
    pub windows: Vec<(F, Vec<T>)>,
}

impl<T: Real, F: Field<T>> MarchedField<T, F> {
    /// Predicts every output at `points`, each point by the window that owns its time.
    pub fn predict(&self, points: &Points<T>) -> Vec<Vec<f64>> {
        let n = points.len();
        let outputs = self.windows.first().map_or(0, |(f, _)| f.outputs());
        let mut out = vec![vec![f64::NAN; n]; outputs];
        let owner: Vec<usize> = points
            .axis(self.time_axis)
            .iter()
            .map(|t| self.marching.window_of(t.to_f64()))
            .collect();
        for (k, (field, params)) in self.windows.iter().enumerate() {
            let mine: Vec<usize> = (0..n).filter(|&p| owner[p] == k).collect();
            if mine.is_empty() {
                continue;
            }
            let values = predict(field, params, &points.select(&mine));
            for (o, v) in values.iter().enumerate() {
                for (i, &p) in mine.iter().enumerate() {
                    out[o][p] = v[i];
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_tile_the_interval_and_stretch_past_their_end() {
        let m = TimeMarching::new(0.0, 1.0, 4);
        assert_eq!(m.window(2), (0.5, 0.75));
        let (a, b) = m.collocation_interval(3);
        assert_eq!(a, 0.75);
        assert!((b - 1.0025).abs() < 1e-15);
        assert_eq!(
            (
                m.window_of(0.0),
                m.window_of(0.49),
                m.window_of(0.5),
                m.window_of(1.0)
            ),
            (0, 1, 2, 3)
        );
    }
}
