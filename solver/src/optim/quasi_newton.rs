//! Quasi-Newton minimization with a strong-Wolfe line search: L-BFGS (limited memory) or a
//! dense inverse Hessian with a self-scaled Broyden-family update.
//!
//! It takes one iteration per [`QuasiNewton::step`], so a caller can change the objective
//! between iterations (fresh points) and keep the curvature learned so far. It runs the
//! iterations asked for unless it truly converges (gradient below tolerance) or cannot make
//! progress (the line search fails twice in a row, once from a fresh steepest-descent
//! direction), and always says why it stopped.

use super::dense_inverse::DenseInverse;
use super::limited_memory::LimitedMemory;
use super::line_search::{Line, LineSearch, StrongWolfe};
use super::{dot, Objective, Update};
use operators::Real;
use std::fmt;

/// How the inverse Hessian is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// L-BFGS: the last `history` (s, y) pairs; O(history·P) memory.
    Limited {
        /// Pairs kept.
        history: usize,
    },
    /// A dense P×P matrix (8·P² bytes) with the given update.
    Dense(Update),
}

impl Memory {
    /// The method's name, as a person reads it.
    pub fn name(&self) -> &'static str {
        match self {
            Memory::Limited { .. } => "L-BFGS",
            Memory::Dense(Update::Bfgs) => "BFGS",
            Memory::Dense(Update::SsBfgs) => "SSBFGS",
            Memory::Dense(Update::SsBroyden) => "SSBroyden",
        }
    }
}

/// Quasi-Newton settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuasiNewtonConfig {
    /// L-BFGS or a dense update.
    pub memory: Memory,
    /// Stop when max |∇f| falls below this.
    pub grad_tol: f64,
    /// Stop when the relative decrease of f in one iteration falls below this (0: never).
    pub f_tol: f64,
    /// The line search.
    pub line_search: StrongWolfe,
}

impl Default for QuasiNewtonConfig {
    /// L-BFGS with 50 pairs, stopping only at a gradient of 1e-12.
    fn default() -> Self {
        QuasiNewtonConfig {
            memory: Memory::Limited { history: 50 },
            grad_tol: 1e-12,
            f_tol: 0.0,
            line_search: StrongWolfe::default(),
        }
    }
}

impl QuasiNewtonConfig {
    /// The default settings with a dense inverse Hessian updated by `update`.
    pub fn dense(update: Update) -> Self {
        QuasiNewtonConfig {
            memory: Memory::Dense(update),
            ..Default::default()
        }
    }

    /// Bytes the inverse Hessian of `n` parameters takes.
    pub fn memory_bytes(&self, n: usize) -> usize {
        match self.memory {
            Memory::Limited { history } => 2 * history * n * 8,
            Memory::Dense(_) => n * n * 8,
        }
    }
}

/// Why a quasi-Newton run stopped.
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
pub struct QuasiNewtonReport {
    /// Iterations taken.
    pub iterations: usize,
    /// Function evaluations, line searches included.
    pub evaluations: usize,
    /// Why it stopped.
    pub reason: StopReason,
    /// The loss at the end.
    pub loss: f64,
}

/// What one iteration did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step {
    /// The parameters moved; the loss there.
    Moved(f64),
    /// The line search failed with curvature in memory: it is forgotten and the next
    /// iteration starts from steepest descent.
    Restarted,
}

enum Curvature<T> {
    Limited(LimitedMemory<T>),
    Dense(DenseInverse),
}

/// Quasi-Newton state (iterate's loss and gradient, curvature) and scratch, allocated once.
pub struct QuasiNewton<T> {
    /// The settings.
    pub config: QuasiNewtonConfig,
    curvature: Curvature<T>,
    line: LineSearch<T>,
    f: f64,
    g: Vec<T>,
    d: Vec<T>,
    s: Vec<T>,
    y: Vec<T>,
    /// No step accepted since the last restart (a failure now is final).
    fresh: bool,
    /// Why the next step will not be taken, once known.
    stopped: Option<StopReason>,
    /// Iterations taken so far (restarts included).
    pub iterations: usize,
    /// Function evaluations so far.
    pub evaluations: usize,
}

impl<T: Real> QuasiNewton<T> {
    /// The method for `n` parameters, with no curvature yet.
    pub fn new(config: QuasiNewtonConfig, n: usize) -> Self {
        let curvature = match config.memory {
            Memory::Limited { history } => Curvature::Limited(LimitedMemory::new(history)),
            Memory::Dense(update) => Curvature::Dense(DenseInverse::new(update, n)),
        };
        QuasiNewton {
            config,
            curvature,
            line: LineSearch::new(config.line_search, n),
            f: f64::NAN,
            g: vec![T::zero(); n],
            d: vec![T::zero(); n],
            s: vec![T::zero(); n],
            y: vec![T::zero(); n],
            fresh: true,
            stopped: None,
            iterations: 0,
            evaluations: 0,
        }
    }

    /// Evaluates the objective at `x`: before the first step, and whenever the objective
    /// changed (the curvature learned so far is kept). Returns the loss.
    pub fn start(&mut self, obj: &mut (impl Objective<T> + ?Sized), x: &[T]) -> f64 {
        self.f = obj.value_and_grad(x, &mut self.g);
        self.evaluations += 1;
        self.stopped = (!self.f.is_finite()).then_some(StopReason::NonFinite);
        self.f
    }

    /// The loss at the current iterate.
    pub fn loss(&self) -> f64 {
        self.f
    }

    /// One iteration from `x` (the point last given to [`start`](Self::start) or moved to by
    /// a step), or why none is taken.
    pub fn step(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        x: &mut [T],
    ) -> Result<Step, StopReason> {
        if let Some(reason) = self.stopped {
            return Err(reason);
        }
        if self
            .g
            .iter()
            .all(|g| g.to_f64().abs() <= self.config.grad_tol)
        {
            return Err(StopReason::GradientTolerance);
        }
        self.direction();
        let mut dphi0 = dot(&self.g, &self.d);
        if dphi0 >= 0.0 {
            self.steepest();
            dphi0 = dot(&self.g, &self.d);
        }
        let a0 = match self.is_empty() {
            true => (1.0 / dphi0.abs().sqrt()).min(1.0),
            false => 1.0,
        };
        let line = Line {
            x,
            d: &self.d,
            f0: self.f,
            dphi0,
        };
        let (found, evals) = self.line.search(obj, &line, a0);
        self.evaluations += evals;
        let Some(t) = found else {
            if self.fresh {
                return Err(StopReason::LineSearchFailed);
            }
            self.clear();
            self.fresh = true;
            self.iterations += 1;
            return Ok(Step::Restarted);
        };
        self.fresh = false;
        if !t.f.is_finite() {
            return Err(StopReason::NonFinite);
        }
        self.iterations += 1;
        // s = a·d, y = g_new − g.
        let a = T::from_f64(t.a);
        self.s
            .iter_mut()
            .zip(&self.d)
            .for_each(|(s, &d)| *s = a * d);
        self.y
            .iter_mut()
            .zip(self.line.g.iter().zip(&self.g))
            .for_each(|(y, (&gt, &g))| *y = gt - g);
        match &mut self.curvature {
            Curvature::Limited(m) => m.update(&self.s, &self.y),
            Curvature::Dense(h) => h.update(&self.s, &self.y, t.a, &self.g, &self.line.g),
        }
        x.copy_from_slice(&self.line.x);
        self.g.copy_from_slice(&self.line.g);
        let f_prev = self.f;
        self.f = t.f;
        let tol = self.config.f_tol;
        if tol > 0.0 && (f_prev - t.f) <= tol * f_prev.abs().max(t.f.abs()).max(1.0) {
            self.stopped = Some(StopReason::FunctionTolerance);
        }
        Ok(Step::Moved(t.f))
    }

    /// Minimizes from `x` (updated in place) for at most `iterations` iterations;
    /// `on_iteration(iteration, loss, x)` is called after each that moved.
    pub fn minimize(
        &mut self,
        obj: &mut (impl Objective<T> + ?Sized),
        x: &mut [T],
        iterations: usize,
        mut on_iteration: impl FnMut(usize, f64, &[T]),
    ) -> QuasiNewtonReport {
        self.start(obj, x);
        let mut reason = StopReason::MaxIterations;
        let mut it = 0;
        while it < iterations {
            match self.step(obj, x) {
                Ok(Step::Moved(f)) => {
                    it += 1;
                    on_iteration(it, f, x);
                }
                Ok(Step::Restarted) => it += 1,
                Err(r) => {
                    reason = r;
                    break;
                }
            }
        }
        if reason == StopReason::MaxIterations {
            // A tolerance met at the last iteration is the reason it stopped.
            reason = self.stopped.unwrap_or(reason);
        }
        QuasiNewtonReport {
            iterations: it,
            evaluations: self.evaluations,
            reason,
            loss: self.f,
        }
    }

    fn is_empty(&self) -> bool {
        match &self.curvature {
            Curvature::Limited(m) => m.is_empty(),
            Curvature::Dense(h) => h.is_identity(),
        }
    }

    fn clear(&mut self) {
        match &mut self.curvature {
            Curvature::Limited(m) => m.clear(),
            Curvature::Dense(h) => h.clear(),
        }
    }

    fn direction(&mut self) {
        match &mut self.curvature {
            Curvature::Limited(m) => m.direction(&self.g, &mut self.d),
            Curvature::Dense(h) => h.direction(&self.g, &mut self.d),
        }
    }

    fn steepest(&mut self) {
        self.clear();
        for (d, &g) in self.d.iter_mut().zip(&self.g) {
            *d = -g;
        }
    }
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

    /// f(x) = ½ Σ λᵢ (xᵢ − 1)² with λ from 1 to 100.
    struct Quadratic;
    impl Objective<f64> for Quadratic {
        fn value_and_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            let n = x.len() as f64;
            let mut f = 0.0;
            for (i, (x, g)) in x.iter().zip(g.iter_mut()).enumerate() {
                let lambda = 1.0 + 99.0 * i as f64 / (n - 1.0);
                *g = lambda * (x - 1.0);
                f += 0.5 * lambda * (x - 1.0) * (x - 1.0);
            }
            f
        }
    }

    const DENSE: [Update; 3] = [Update::Bfgs, Update::SsBfgs, Update::SsBroyden];

    fn start() -> Vec<f64> {
        vec![-1.2, 1.0, -1.2, 1.0, 0.5, -0.3]
    }

    #[test]
    fn every_method_solves_rosenbrock_and_says_why_it_stopped() {
        let limited = Memory::Limited { history: 10 };
        for memory in [limited].into_iter().chain(DENSE.map(Memory::Dense)) {
            let mut x = start();
            let config = QuasiNewtonConfig {
                memory,
                grad_tol: 1e-10,
                ..Default::default()
            };
            let r = QuasiNewton::new(config, x.len()).minimize(
                &mut Rosenbrock,
                &mut x,
                500,
                |_, _, _| {},
            );
            assert_eq!(r.reason, StopReason::GradientTolerance, "{memory:?}: {r:?}");
            assert!(
                x.iter().all(|v| (v - 1.0).abs() < 1e-8),
                "{memory:?}: {x:?}"
            );
            assert!(r.iterations < 200, "{memory:?}: {r:?}");
        }
    }

    /// With a (nearly) exact line search, every member of the Broyden family minimizes a
    /// quadratic with n distinct curvatures in exactly n iterations (quadratic termination),
    /// and so does L-BFGS with n pairs: the gradient then vanishes to rounding.
    #[test]
    fn every_method_minimizes_a_quadratic_in_n_iterations() {
        let n = 8;
        let limited = Memory::Limited { history: n };
        for memory in [limited].into_iter().chain(DENSE.map(Memory::Dense)) {
            let mut x = vec![0.0; n];
            let config = QuasiNewtonConfig {
                memory,
                grad_tol: 1e-8,
                line_search: StrongWolfe {
                    c2: 1e-6,
                    max_evals: 60,
                    ..Default::default()
                },
                ..Default::default()
            };
            let r = QuasiNewton::new(config, n).minimize(&mut Quadratic, &mut x, 100, |_, _, _| {});
            assert_eq!(r.reason, StopReason::GradientTolerance, "{memory:?}: {r:?}");
            assert_eq!(r.iterations, n, "{memory:?}");
            assert!(
                x.iter().all(|v| (v - 1.0).abs() < 1e-9),
                "{memory:?}: {x:?}"
            );
        }
    }

    /// Regression for the DeepXDE/PhysicsNeMo complaint "L-BFGS stops after a few
    /// iterations": with a loose tolerance unset, every requested iteration runs.
    #[test]
    fn runs_every_requested_iteration_until_converged() {
        let mut x = start();
        let mut opt = QuasiNewton::new(QuasiNewtonConfig::default(), x.len());
        let mut seen = 0;
        let r = opt.minimize(&mut Rosenbrock, &mut x, 15, |_, _, _| seen += 1);
        assert_eq!(
            (r.iterations, seen, r.reason),
            (15, 15, StopReason::MaxIterations)
        );
    }

    /// A step-by-step run that re-evaluates the objective between steps (as the trainer does
    /// after fresh points) keeps its curvature: on an unchanged objective it takes the very
    /// same iterates as an uninterrupted one.
    #[test]
    fn restarting_on_the_same_objective_keeps_the_iterates() {
        for memory in DENSE.map(Memory::Dense) {
            let config = QuasiNewtonConfig::dense(Update::SsBroyden);
            let config = QuasiNewtonConfig { memory, ..config };
            let (mut a, mut b) = (start(), start());
            let (mut qa, mut qb) = (QuasiNewton::new(config, 6), QuasiNewton::new(config, 6));
            qa.start(&mut Rosenbrock, &a);
            qb.start(&mut Rosenbrock, &b);
            for i in 0..30 {
                qa.step(&mut Rosenbrock, &mut a).unwrap();
                if i % 5 == 4 {
                    qb.start(&mut Rosenbrock, &b);
                }
                qb.step(&mut Rosenbrock, &mut b).unwrap();
            }
            assert_eq!(a, b, "{memory:?}");
        }
    }
}
