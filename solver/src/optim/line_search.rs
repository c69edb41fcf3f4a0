//! A strong-Wolfe line search (Nocedal & Wright, Algorithms 3.5 and 3.6), shared by the
//! quasi-Newton methods.

use super::{dot, Objective};
use operators::Real;

/// The strong Wolfe conditions' constants and the search's budget.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StrongWolfe {
    /// Sufficient decrease: f(x + a·d) ≤ f(x) + c1·a·∇f·d.
    pub c1: f64,
    /// Curvature: |∇f(x + a·d)·d| ≤ c2·|∇f·d|.
    pub c2: f64,
    /// Function evaluations allowed per search.
    pub max_evals: usize,
}

impl Default for StrongWolfe {
    fn default() -> Self {
        StrongWolfe {
            c1: 1e-4,
            c2: 0.9,
            max_evals: 25,
        }
    }
}

/// One evaluated step length: a, φ(a) = f(x + a·d) and φ'(a).
pub(super) struct Trial {
    pub a: f64,
    pub f: f64,
    pub dphi: f64,
}

/// The line searched: x + a·d, with f(x) and the slope ∇f(x)·d < 0.
pub(super) struct Line<'a, T> {
    pub x: &'a [T],
    pub d: &'a [T],
    pub f0: f64,
    pub dphi0: f64,
}

/// The search's trial point and gradient, allocated once.
pub(super) struct LineSearch<T> {
    pub config: StrongWolfe,
    /// The last evaluated point; the accepted one after a successful search.
    pub x: Vec<T>,
    /// The gradient at `x`.
    pub g: Vec<T>,
}

impl<T: Real> LineSearch<T> {
    pub fn new(config: StrongWolfe, n: usize) -> Self {
        LineSearch {
            config,
            x: vec![T::zero(); n],
            g: vec![T::zero(); n],
        }
    }

    /// Searches `line` starting at step `a0`; on success `self.x` and `self.g` hold the
    /// accepted point. Returns the accepted trial, if any, and the evaluations made.
    pub fn search(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        line: &Line<'_, T>,
        a0: f64,
    ) -> (Option<Trial>, usize) {
        let (c1, c2) = (self.config.c1, self.config.c2);
        let (f0, dphi0) = (line.f0, line.dphi0);
        let mut evals = 0;
        let mut prev = Trial {
            a: 0.0,
            f: f0,
            dphi: dphi0,
        };
        let mut a = a0;
        while evals < self.config.max_evals {
            let t = self.eval(obj, line, a);
            evals += 1;
            if !t.f.is_finite() {
                // Step too long: shrink towards the last good point.
                a = 0.5 * (prev.a + a);
                continue;
            }
            if t.f > f0 + c1 * t.a * dphi0 || (evals > 1 && t.f >= prev.f) {
                return self.zoom(obj, line, prev, t, evals);
            }
            if t.dphi.abs() <= -c2 * dphi0 {
                return (Some(t), evals);
            }
            if t.dphi >= 0.0 {
                return self.zoom(obj, line, t, prev, evals);
            }
            a = 2.0 * t.a;
            prev = t;
        }
        (None, evals)
    }

    /// Evaluates φ(a) = f(x + a·d) into the trial buffers.
    fn eval(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        line: &Line<'_, T>,
        a: f64,
    ) -> Trial {
        let at = T::from_f64(a);
        self.x
            .iter_mut()
            .zip(line.x.iter().zip(line.d))
            .for_each(|(xt, (&x, &d))| *xt = x + at * d);
        let f = obj.value_and_grad(&self.x, &mut self.g);
        Trial {
            a,
            f,
            dphi: dot(&self.g, line.d),
        }
    }

    /// Narrows the bracket [lo, hi] to a point satisfying the strong Wolfe conditions.
    fn zoom(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        line: &Line<'_, T>,
        mut lo: Trial,
        mut hi: Trial,
        mut evals: usize,
    ) -> (Option<Trial>, usize) {
        let (c1, c2) = (self.config.c1, self.config.c2);
        let (f0, dphi0) = (line.f0, line.dphi0);
        while evals < self.config.max_evals {
            let a = cubic_min(&lo, &hi);
            let t = self.eval(obj, line, a);
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
            let t = self.eval(obj, line, lo.a);
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
