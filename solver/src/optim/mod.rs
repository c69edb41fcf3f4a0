//! Optimizers over a flat parameter vector.

mod adam;
#[cfg(test)]
mod check;
mod dense_inverse;
mod limited_memory;
mod line_search;
mod quasi_newton;
mod schedule;

pub use adam::{Adam, AdamConfig};
#[cfg(test)]
pub(crate) use check::gradient_error;
pub use dense_inverse::Update;
pub use line_search::StrongWolfe;
pub use quasi_newton::{
    Memory, QuasiNewton, QuasiNewtonConfig, QuasiNewtonReport, Step, StopReason,
};
pub use schedule::Schedule;

use operators::Real;

/// A differentiable scalar function of the parameters.
pub trait Objective<T: Real> {
    /// Returns f(x) and overwrites `grad` with ∇f(x).
    fn value_and_grad(&mut self, x: &[T], grad: &mut [T]) -> f64;
}

/// sᵀy if the pair has clearly positive curvature (the quasi-Newton updates keep H positive
/// definite only then), else `None`.
fn curvature<T: Real>(s: &[T], y: &[T]) -> Option<f64> {
    let sy = dot(s, y);
    (sy > 1e-10 * dot(y, y).sqrt() * dot(s, s).sqrt()).then_some(sy)
}

pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x.to_f64() * y.to_f64()).sum()
}
