//! The five methods behind one interface, one module each: a PINN (with any model: an MLP,
//! PIG's Gaussians), a Lagrangian PINN and hard constraints solved by experts, all trained
//! over the whole domain at once ([`Trained`]), and INSR, which solves once per time step.
//!
//! A new method is a variant of `problems::Method`, a module here whose type implements
//! [`Method`] (or [`Trainable`], for a loss the trainer minimizes), and that variant's arm in
//! [`build`].

mod checkpoint;
pub mod insr;
pub mod lpinn;
mod method;
pub mod moe_hc;
pub mod pinn;
mod trained;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use method::{Curves, Event, ExpertSolve, Experts, Extra, Frame, Method, Report, Trainable};
pub use trained::Trained;

use crate::setup::train_config;
use operators::Real;
use problems::Problem;

/// The problem's method, seeded and before its first step: the same seed always gives the
/// same points and weights.
pub fn build<T: Real>(p: &Problem, seed: u64) -> Box<dyn Method<T>> {
    let trained = |method: Box<dyn Trainable<T>>, params, rng| -> Box<dyn Method<T>> {
        Box::new(Trained::new(method, params, train_config(p), rng))
    };
    match &p.method {
        problems::Method::Pinn { .. } => {
            let (loss, params, rng) = pinn::build(p, seed);
            trained(Box::new(loss), params, rng)
        }
        problems::Method::Lpinn(l) => {
            let (method, params, rng) = lpinn::build(p, l, seed);
            trained(Box::new(method), params, rng)
        }
        problems::Method::MoeHc(h) => {
            let (loss, params, rng) = moe_hc::build(p, h, seed);
            trained(Box::new(loss), params, rng)
        }
        problems::Method::Insr(insr) => Box::new(insr::build::<T>(p, insr, seed)),
    }
}
