//! The methods trained over the whole domain at once, behind one interface, one module each:
//! a PINN (with any model: an MLP, PIG's Gaussians), a Lagrangian PINN, and hard constraints
//! solved by experts. INSR, which steps in time instead, is [`crate::insr`].
//!
//! A new method is a variant of `problems::Method`, a module here whose type implements
//! [`Method`], and that variant's arm in [`build`].

pub mod lpinn;
mod method;
pub mod moe_hc;
pub mod pinn;

pub use method::{ExpertSolve, Experts, Method};

use operators::{Real, Rng};
use problems::Problem;

/// A method ready to train: its loss, starting parameters and the random stream after
/// drawing them.
pub struct Built<T: Real> {
    /// The method.
    pub method: Box<dyn Method<T>>,
    /// Starting parameters: the network's, then the trainable scalars.
    pub params: Vec<T>,
    /// The random stream where building left it.
    pub rng: Rng,
}

/// The problem's method, seeded: the same seed always gives the same points and weights.
/// `None` for INSR, which is not trained over the whole domain (see [`crate::insr::stepper`]).
pub fn build<T: Real>(p: &Problem, seed: u64) -> Option<Built<T>> {
    let (method, params, rng): (Box<dyn Method<T>>, _, _) = match &p.method {
        problems::Method::Pinn { .. } => {
            let (loss, params, rng) = pinn::build(p, seed);
            (Box::new(loss), params, rng)
        }
        problems::Method::Lpinn(l) => {
            let (method, params, rng) = lpinn::build(p, l, seed);
            (Box::new(method), params, rng)
        }
        problems::Method::MoeHc(h) => {
            let (loss, params, rng) = moe_hc::build(p, h, seed);
            (Box::new(loss), params, rng)
        }
        problems::Method::Insr(_) => return None,
    };
    Some(Built {
        method,
        params,
        rng,
    })
}
