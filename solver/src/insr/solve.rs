//! One INSR solve: Adam on fresh points with the paper's stopping rule, then optionally
//! L-BFGS on the last draw.

use crate::optim::{Adam, AdamConfig, Objective, QuasiNewton, QuasiNewtonConfig, Schedule};
use operators::{Real, Rng};
use problems::spec::InsrSpec;

/// How a solve went.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveReport {
    /// Iterations taken.
    pub iterations: usize,
    /// The loss at the end.
    pub loss: f64,
    /// The learning rate at the end.
    pub lr: f64,
    /// Why it ended.
    pub stop: Stop,
}

/// Why a solve ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The loss went below `tolerance`.
    Tolerance,
    /// The learning rate fell below 1e-8 after plateaus.
    Plateau,
    /// The iteration limit was reached.
    MaxIterations,
}

impl Stop {
    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Tolerance => "tolerance",
            Stop::Plateau => "plateau",
            Stop::MaxIterations => "iterations",
        }
    }
}

/// The smallest learning rate; below it a step is over (the paper's min_lr 1e-8).
const MIN_LR: f64 = 1.1e-8;
/// A loss counts as better when below the best by this fraction (PyTorch's threshold).
const IMPROVEMENT: f64 = 1e-4;

/// An objective over points drawn afresh at every iteration.
pub trait Fresh<T: Real>: Objective<T> {
    /// Draws the next iteration's points.
    fn resample(&mut self, rng: &mut Rng);
}

/// Minimizes `obj` from `params` (updated in place) with a fresh Adam; `iterations` bounds
/// Adam. Returns an error message when the loss is not finite.
pub fn solve<T: Real>(
    obj: &mut impl Fresh<T>,
    params: &mut [T],
    s: &InsrSpec,
    iterations: usize,
    rng: &mut Rng,
) -> Result<SolveReport, String> {
    let mut adam = Adam::new(
        AdamConfig {
            lr: s.learning_rate,
            schedule: Schedule::Constant,
            ..Default::default()
        },
        params.len(),
    );
    let mut grad = vec![T::zero(); params.len()];
    let (mut best, mut since_best) = (f64::INFINITY, 0);
    let mut report = SolveReport {
        iterations: 0,
        loss: f64::NAN,
        lr: s.learning_rate,
        stop: Stop::MaxIterations,
    };
    for it in 0..iterations {
        obj.resample(rng);
        let loss = obj.value_and_grad(params, &mut grad);
        if !loss.is_finite() {
            return Err(format!("the loss became {loss} at iteration {it}"));
        }
        report.iterations = it + 1;
        report.loss = loss;
        if s.tolerance > 0.0 && loss <= s.tolerance {
            report.stop = Stop::Tolerance;
            break;
        }
        if loss < best * (1.0 - IMPROVEMENT) {
            (best, since_best) = (loss, 0);
        } else {
            since_best += 1;
            if since_best > s.patience {
                adam.config.lr *= 0.1;
                since_best = 0;
                if adam.config.lr < MIN_LR {
                    report.stop = Stop::Plateau;
                    break;
                }
            }
        }
        adam.step(params, &grad);
    }
    report.lr = adam.config.lr;
    if s.lbfgs_iterations > 0 {
        let mut lbfgs = QuasiNewton::new(QuasiNewtonConfig::default(), params.len());
        let r = lbfgs.minimize(obj, params, s.lbfgs_iterations, |_, _, _| {});
        if !r.loss.is_finite() {
            return Err(format!("L-BFGS: {}", r.reason));
        }
        report.iterations += r.iterations;
        report.loss = r.loss;
    }
    Ok(report)
}
