//! L-BFGS with a strong-Wolfe line search (Nocedal & Wright, Algorithms 7.4, 3.5, 3.6).
//!
//! It runs the iterations asked for unless it truly converges (gradient below tolerance)
//! or cannot make progress (line search fails twice in a row, once from a fresh
//! steepest-descent direction), and always says why it stopped.

use super::{dot, Objective};
use operators::Real;
use std::collections::VecDeque;
use std::fmt;

/// L-BFGS settings (with a strong-Wolfe line search).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LbfgsConfig {
    /// Number of (s, y) pairs kept.
    pub history: usize,
    /// Stop when max |∇f| falls below this.
    pub grad_tol: f64,
    /// Stop when the relative decrease of f in one iteration falls below this (0: never).
    pub f_tol: f64,
    /// Sufficient decrease and curvature constants of the strong Wolfe conditions.
    pub c1: f64,
    /// See `c1`.
    pub c2: f64,
    /// Function evaluations allowed per line search.
    pub max_evals: usize,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        LbfgsConfig {
            history: 50,
            grad_tol: 1e-12,
            f_tol: 0.0,
            c1: 1e-4,
            c2: 0.9,
            max_evals: 25,
        }
    }
}

/// Why L-BFGS stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The requested iterations were taken.
    MaxIterations,
    /// max |∇f| fell below `grad_tol`.
    GradientTolerance,
    /// The relative decrease fell below `f_tol`.
    FunctionTolerance,
    /// No step satisfying the Wolfe conditions was found, even along −∇f.
    LineSearchFailed,
    /// The loss or its gradient became NaN or infinite.
    NonFinite,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StopReason::MaxIterations => "reached the requested number of iterations",
            StopReason::GradientTolerance => "converged: gradient below tolerance",
            StopReason::FunctionTolerance => "converged: relative decrease below tolerance",
            StopReason::LineSearchFailed => "line search found no acceptable step, even along the steepest descent (the loss is at its floating-point resolution, or its gradient does not match its values)",
            StopReason::NonFinite => "the loss or gradient became non-finite",
        })
    }
}

/// How a minimization went.
#[derive(Clone, Debug, PartialEq)]
pub struct LbfgsReport {
    /// Iterations taken.
    pub iterations: usize,
    /// Function evaluations, line searches included.
    pub evaluations: usize,
    /// Why it stopped.
    pub reason: StopReason,
    /// The loss at the end.
    pub loss: f64,
}

/// L-BFGS state and scratch, allocated once.
pub struct Lbfgs<T> {
    /// The settings.
    pub config: LbfgsConfig,
    pairs: VecDeque<(Vec<T>, Vec<T>, f64)>,
    g: Vec<T>,
    d: Vec<T>,
    x_trial: Vec<T>,
    g_trial: Vec<T>,
    alpha: Vec<f64>,
}

struct Trial {
    a: f64,
    f: f64,
    dphi: f64,
}

impl<T: Real> Lbfgs<T> {
    /// L-BFGS for `n` parameters, with its history empty.
    pub fn new(config: LbfgsConfig, n: usize) -> Self {
        Lbfgs {
            config,
            pairs: VecDeque::with_capacity(config.history),
            g: vec![T::zero(); n],
            d: vec![T::zero(); n],
            x_trial: vec![T::zero(); n],
            g_trial: vec![T::zero(); n],
            alpha: vec![0.0; config.history],
        }
    }

    /// Minimizes from `x` (updated in place) for at most `iterations` iterations;
    /// `on_iteration(iteration, loss, x)` is called after each.
    pub fn minimize(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        x: &mut [T],
        iterations: usize,
        mut on_iteration: impl FnMut(usize, f64, &[T]),
    ) -> LbfgsReport {
        let mut evals = 1;
        let mut f = obj.value_and_grad(x, &mut self.g);
        let mut fresh = true;
        let report = |iterations, evaluations, reason, loss| LbfgsReport {
            iterations,
            evaluations,
            reason,
            loss,
        };
        if !f.is_finite() {
            return report(0, evals, StopReason::NonFinite, f);
        }
        for it in 0..iterations {
            if self
                .g
                .iter()
                .all(|g| g.to_f64().abs() <= self.config.grad_tol)
            {
                return report(it, evals, StopReason::GradientTolerance, f);
            }
            self.direction();
            let mut dphi0 = dot(&self.g, &self.d);
            if dphi0 >= 0.0 {
                self.steepest();
                dphi0 = dot(&self.g, &self.d);
            }
            let a0 = if self.pairs.is_empty() {
                (1.0 / dphi0.abs().sqrt()).min(1.0)
            } else {
                1.0
            };
            let (found, n_evals) = self.line_search(obj, x, f, dphi0, a0);
            evals += n_evals;
            let Some(t) = found else {
                if fresh {
                    return report(it, evals, StopReason::LineSearchFailed, f);
                }
                // Retry once from steepest descent with no memory.
                self.pairs.clear();
                fresh = true;
                continue;
            };
            fresh = false;
            if !t.f.is_finite() {
                return report(it, evals, StopReason::NonFinite, t.f);
            }
            // s = a·d, y = g_new − g; keep the pair if the curvature is positive.
            let (mut s, mut y) = match self.pairs.len() == self.config.history {
                true => {
                    let (s, y, _) = self.pairs.pop_front().unwrap();
                    (s, y)
                }
                false => (vec![T::zero(); x.len()], vec![T::zero(); x.len()]),
            };
            let a = T::from_f64(t.a);
            s.iter_mut().zip(&self.d).for_each(|(s, &d)| *s = a * d);
            y.iter_mut()
                .zip(self.g_trial.iter().zip(&self.g))
                .for_each(|(y, (&gt, &g))| *y = gt - g);
            let sy = dot(&s, &y);
            if sy > 1e-10 * dot(&y, &y).sqrt() * dot(&s, &s).sqrt() {
                self.pairs.push_back((s, y, 1.0 / sy));
            }
            x.copy_from_slice(&self.x_trial);
            self.g.copy_from_slice(&self.g_trial);
            let f_prev = f;
            f = t.f;
            on_iteration(it + 1, f, x);
            if self.config.f_tol > 0.0
                && (f_prev - f) <= self.config.f_tol * f_prev.abs().max(f.abs()).max(1.0)
            {
                return report(it + 1, evals, StopReason::FunctionTolerance, f);
            }
        }
        report(iterations, evals, StopReason::MaxIterations, f)
    }

    /// d = −H·g by the two-loop recursion.
    fn direction(&mut self) {
        for (d, &g) in self.d.iter_mut().zip(&self.g) {
            *d = -g;
        }
        for (k, (s, y, rho)) in self.pairs.iter().enumerate().rev() {
            let a = rho * dot(s, &self.d);
            self.alpha[k] = a;
            axpy(&mut self.d, -a, y);
        }
        if let Some((s, y, _)) = self.pairs.back() {
            let gamma = T::from_f64(dot(s, y) / dot(y, y));
            self.d.iter_mut().for_each(|d| *d *= gamma);
        }
        for (k, (s, y, rho)) in self.pairs.iter().enumerate() {
            let b = rho * dot(y, &self.d);
            axpy(&mut self.d, self.alpha[k] - b, s);
        }
    }

    fn steepest(&mut self) {
        self.pairs.clear();
        for (d, &g) in self.d.iter_mut().zip(&self.g) {
            *d = -g;
        }
    }

    /// Evaluates φ(a) = f(x + a·d) into the trial buffers.
    fn eval(&mut self, obj: &mut (impl Objective<T> + ?Sized), x: &[T], a: f64) -> Trial {
        let at = T::from_f64(a);
        self.x_trial
            .iter_mut()
            .zip(x.iter().zip(&self.d))
            .for_each(|(xt, (&x, &d))| *xt = x + at * d);
        let f = obj.value_and_grad(&self.x_trial, &mut self.g_trial);
        Trial {
            a,
            f,
            dphi: dot(&self.g_trial, &self.d),
        }
    }

    /// Strong-Wolfe line search; on success the trial buffers hold the accepted point.
    fn line_search(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        x: &[T],
        f0: f64,
        dphi0: f64,
        a0: f64,
    ) -> (Option<Trial>, usize) {
        let (c1, c2) = (self.config.c1, self.config.c2);
        let mut evals = 0;
        let mut prev = Trial {
            a: 0.0,
            f: f0,
            dphi: dphi0,
        };
        let mut a = a0;
        while evals < self.config.max_evals {
            let t = self.eval(obj, x, a);
            evals += 1;
            if !t.f.is_finite() {
                // Step too long: shrink towards the last good point.
                a = 0.5 * (prev.a + a);
                continue;
            }
            if t.f > f0 + c1 * t.a * dphi0 || (evals > 1 && t.f >= prev.f) {
                return self.zoom(obj, x, f0, dphi0, prev, t, evals);
            }
            if t.dphi.abs() <= -c2 * dphi0 {
                return (Some(t), evals);
            }
            if t.dphi >= 0.0 {
                return self.zoom(obj, x, f0, dphi0, t, prev, evals);
            }
            a = 2.0 * t.a;
            prev = t;
        }
        (None, evals)
    }

    #[allow(clippy::too_many_arguments)]
    fn zoom(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        x: &[T],
        f0: f64,
        dphi0: f64,
        mut lo: Trial,
        mut hi: Trial,
        mut evals: usize,
    ) -> (Option<Trial>, usize) {
        let (c1, c2) = (self.config.c1, self.config.c2);
        while evals < self.config.max_evals {
            let a = cubic_min(&lo, &hi);
            let t = self.eval(obj, x, a);
            evals += 1;
            if t.f > f0 + c1 * t.a * dphi0 || t.f >= lo.f {
                hi = t;
            } else {
                if t.dphi.abs() <= -c2 * dphi0 {
                    return (Some(t), evals);
                }
                if t.dphi * (hi.a - lo.a) >= 0.0 {
                    hi = lo;
                }
                lo = t;
            }
            if (hi.a - lo.a).abs() < 1e-14 * lo.a.abs().max(1e-300) {
                break;
            }
        }
        // Out of evaluations: accept the best point seen if it decreased f at all.
        if lo.a > 0.0 && lo.f < f0 {
            let t = self.eval(obj, x, lo.a);
            return (Some(t), evals + 1);
        }
        (None, evals)
    }
}

/// The minimizer of the cubic through two trials, safeguarded to the middle 80% of the bracket.
fn cubic_min(lo: &Trial, hi: &Trial) -> f64 {
    let (a, b) = (lo.a, hi.a);
    let d1 = lo.dphi + hi.dphi - 3.0 * (lo.f - hi.f) / (a - b);
    let disc = d1 * d1 - lo.dphi * hi.dphi;
    let (left, right) = (a.min(b), a.max(b));
    let margin = 0.1 * (right - left);
    if disc >= 0.0 {
        let d2 = (b - a).signum() * disc.sqrt();
        let m = b - (b - a) * (hi.dphi + d2 - d1) / (hi.dphi - lo.dphi + 2.0 * d2);
        if m.is_finite() {
            return m.clamp(left + margin, right - margin);
        }
    }
    0.5 * (a + b)
}

fn axpy<T: Real>(y: &mut [T], a: f64, x: &[T]) {
    let a = T::from_f64(a);
    y.iter_mut().zip(x).for_each(|(y, &x)| *y += a * x);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rosenbrock;
    impl Objective<f64> for Rosenbrock {
        fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            let mut f = 0.0;
            g.fill(0.0);
            for i in 0..x.len() - 1 {
                let (a, b) = (1.0 - x[i], x[i + 1] - x[i] * x[i]);
                f += a * a + 100.0 * b * b;
                g[i] += -2.0 * a - 400.0 * x[i] * b;
                g[i + 1] += 200.0 * b;
            }
            f
        }
    }

    #[test]
    fn solves_rosenbrock_and_says_why_it_stopped() {
        let mut x = vec![-1.2, 1.0, -1.2, 1.0, 0.5, -0.3];
        let mut opt = Lbfgs::new(
            LbfgsConfig {
                history: 10,
                grad_tol: 1e-10,
                ..Default::default()
            },
            x.len(),
        );
        let r = opt.minimize(&mut Rosenbrock, &mut x, 500, |_, _, _| {});
        assert_eq!(r.reason, StopReason::GradientTolerance, "{r:?}");
        assert!(x.iter().all(|v| (v - 1.0).abs() < 1e-8), "{x:?}");
        assert!(r.iterations < 200);
    }

    /// Regression for the DeepXDE/PhysicsNeMo complaint "L-BFGS stops after a few
    /// iterations": with a loose tolerance unset, every requested iteration runs.
    #[test]
    fn runs_every_requested_iteration_until_converged() {
        let mut x = vec![-1.2, 1.0, -1.2, 1.0, 0.5, -0.3];
        let mut opt = Lbfgs::new(LbfgsConfig::default(), x.len());
        let mut seen = 0;
        let r = opt.minimize(&mut Rosenbrock, &mut x, 15, |_, _, _| seen += 1);
        assert_eq!(
            (r.iterations, seen, r.reason),
            (15, 15, StopReason::MaxIterations)
        );
    }
}
