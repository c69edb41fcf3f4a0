//! Optimizers over a flat parameter vector.

mod adam;
#[cfg(test)]
mod check;
mod lbfgs;
mod schedule;

pub use adam::{Adam, AdamConfig};
#[cfg(test)]
pub(crate) use check::gradient_error;
pub use lbfgs::{Lbfgs, LbfgsConfig, LbfgsReport, StopReason};
pub use schedule::Schedule;

use operators::Real;

/// A differentiable scalar function of the parameters.
pub trait Objective<T: Real> {
    /// Returns f(x) and overwrites `grad` with ∇f(x).
    fn value_and_grad(&mut self, x: &[T], grad: &mut [T]) -> f64;
}

pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x.to_f64() * y.to_f64()).sum()
}
