//! The L-BFGS inverse Hessian: the last m (s, y) pairs, applied by the two-loop recursion
//! (Nocedal & Wright, Algorithm 7.4). O(m·P) memory, for any number of parameters.

use super::{curvature, dot};
use operators::Real;
use std::collections::VecDeque;

/// The last `history` curvature pairs (s, y, 1/sᵀy).
pub(super) struct LimitedMemory<T> {
    history: usize,
    pairs: VecDeque<(Vec<T>, Vec<T>, f64)>,
    alpha: Vec<f64>,
}

impl<T: Real> LimitedMemory<T> {
    pub fn new(history: usize) -> Self {
        LimitedMemory {
            history,
            pairs: VecDeque::with_capacity(history),
            alpha: vec![0.0; history],
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    pub fn clear(&mut self) {
        self.pairs.clear();
    }

    /// Keeps the pair (s, y) if its curvature sᵀy is positive. When full, the oldest pair
    /// makes room first (and is gone even if the new one is not kept).
    pub fn update(&mut self, s: &[T], y: &[T]) {
        let recycled = match self.pairs.len() == self.history {
            true => self.pairs.pop_front().map(|(s, y, _)| (s, y)),
            false => None,
        };
        let Some(sy) = curvature(s, y) else {
            return;
        };
        let (mut s_kept, mut y_kept) =
            recycled.unwrap_or_else(|| (vec![T::zero(); s.len()], vec![T::zero(); s.len()]));
        s_kept.copy_from_slice(s);
        y_kept.copy_from_slice(y);
        self.pairs.push_back((s_kept, y_kept, 1.0 / sy));
    }

    /// d = −H·g by the two-loop recursion, H₀ scaled by sᵀy/yᵀy of the newest pair.
    pub fn direction(&mut self, g: &[T], d: &mut [T]) {
        for (d, &g) in d.iter_mut().zip(g) {
            *d = -g;
        }
        for (k, (s, y, rho)) in self.pairs.iter().enumerate().rev() {
            let a = rho * dot(s, d);
            self.alpha[k] = a;
            axpy(d, -a, y);
        }
        if let Some((s, y, _)) = self.pairs.back() {
            let gamma = T::from_f64(dot(s, y) / dot(y, y));
            d.iter_mut().for_each(|d| *d *= gamma);
        }
        for (k, (s, y, rho)) in self.pairs.iter().enumerate() {
            let b = rho * dot(y, d);
            axpy(d, self.alpha[k] - b, s);
        }
    }
}

fn axpy<T: Real>(y: &mut [T], a: f64, x: &[T]) {
    let a = T::from_f64(a);
    y.iter_mut().zip(x).for_each(|(y, &x)| *y += a * x);
}
