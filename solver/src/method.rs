//! The loss of each method behind one type, for the run, the trainer and the outputs.

use crate::moe::HardConstraintLoss;
use crate::network::Network;
use crate::optim::Objective;
use crate::pinn::PinnLoss;
use crate::train::Loss;
use crate::Grid;
use crate::{lagrangian, predict};
use operators::model::Field;
use operators::{Real, Rng};
use problems::Problem;

/// The loss of the problem's method, behind one type.
pub enum Method<T: Real> {
    /// PINNs and Lagrangian PINNs: the PDE as a soft penalty.
    Pinn(PinnLoss<T, Network<T>>),
    /// Mixture-of-experts hard constraints.
    HardConstraint(Box<HardConstraintLoss<T>>),
}

impl<T: Real> Method<T> {
    fn loss(&self) -> &dyn Loss<T> {
        match self {
            Method::Pinn(l) => l,
            Method::HardConstraint(l) => l.as_ref(),
        }
    }

    fn loss_mut(&mut self) -> &mut dyn Loss<T> {
        match self {
            Method::Pinn(l) => l,
            Method::HardConstraint(l) => l.as_mut(),
        }
    }

    /// Parameters of the network(s), before any trainable PDE parameters.
    pub fn network_params(&self) -> usize {
        match self {
            Method::Pinn(l) => l.field.n_params(),
            Method::HardConstraint(l) => l.n_params(),
        }
    }

    /// The solution's fields on `grid`: the network's outputs; for a Lagrangian PINN the
    /// Eulerian field read off along the characteristics; for hard constraints Φ·w_e.
    pub fn solution(&self, p: &Problem, params: &[T], grid: &Grid) -> Vec<Vec<f64>> {
        match (self, p.method.lagrangian()) {
            (Method::Pinn(l), None) => predict(&l.field, params, &grid.points::<T>()),
            (Method::Pinn(l), Some(lag)) => lagrangian::eulerian(&l.field, params, p, lag, grid),
            (Method::HardConstraint(l), _) => vec![l.solution(params, &grid.points::<T>())],
        }
    }
}

impl<T: Real> Objective<T> for Method<T> {
    fn value_and_grad(&mut self, x: &[T], grad: &mut [T]) -> f64 {
        self.loss_mut().value_and_grad(x, grad)
    }
}

impl<T: Real> Loss<T> for Method<T> {
    fn resample(&mut self, rng: &mut Rng) {
        self.loss_mut().resample(rng)
    }
    fn refine(&mut self, params: &[T], rng: &mut Rng, candidates: usize, add: usize) {
        self.loss_mut().refine(params, rng, candidates, add)
    }
    fn term_values(&self) -> Vec<f64> {
        self.loss().term_values()
    }
    fn term_names(&self) -> Vec<&str> {
        self.loss().term_names()
    }
    fn set_causal_eps(&mut self, eps: f64) {
        self.loss_mut().set_causal_eps(eps)
    }
    fn min_causal_weight(&self) -> f64 {
        self.loss().min_causal_weight()
    }
    fn hold_causal_weights(&mut self, hold: bool) {
        self.loss_mut().hold_causal_weights(hold)
    }
    fn state(&self) -> Vec<f64> {
        self.loss().state()
    }
    fn set_state(&mut self, state: &[f64]) {
        self.loss_mut().set_state(state)
    }
}
