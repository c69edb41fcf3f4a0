//! The physics-informed loss: a weighted sum of mean-square terms, each a set of
//! expressions on a set of points (PDE residuals, initial, boundary and data conditions).

mod causal;
mod source;
mod term;

pub use causal::Causal;
pub use source::PointSource;
pub use term::{layout_read_by, Reduction, Target, Term, TermSpec};

use crate::optim::Objective;
use crate::train::{Loss, Redistribution};
use operators::model::Field;
use operators::{Real, Rng};

/// Σ_k weight_k · term_k over a network and optional trainable PDE parameters, which
/// follow the network's parameters in the flat vector.
pub struct PinnLoss<T: Real, F: Field<T>> {
    /// The network.
    pub field: F,
    /// The loss terms, the PDE residual first.
    pub terms: Vec<Term<T, F>>,
    n_extra: usize,
}

impl<T: Real, F: Field<T>> PinnLoss<T, F> {
    /// The loss of `specs` over `field`, with `n_extra` trainable PDE parameters after the
    /// network's; batches of `chunk` points; points drawn from `rng`.
    pub fn new(
        field: F,
        specs: Vec<TermSpec>,
        n_extra: usize,
        chunk: usize,
        rng: &mut Rng,
    ) -> Self {
        let terms = specs
            .into_iter()
            .map(|s| Term::new(&field, s, n_extra, chunk, rng))
            .collect();
        PinnLoss {
            field,
            terms,
            n_extra,
        }
    }

    /// Network parameters plus trainable PDE parameters.
    pub fn n_params(&self) -> usize {
        self.field.n_params() + self.n_extra
    }
}

impl<T: Real, F: Field<T>> Objective<T> for PinnLoss<T, F> {
    fn value_and_grad(&mut self, x: &[T], grad: &mut [T]) -> f64 {
        grad.fill(T::zero());
        let mut total = 0.0;
        for t in &mut self.terms {
            total += t.value_and_grad(&self.field, x, grad);
        }
        total
    }
}

impl<T: Real, F: Field<T>> Loss<T> for PinnLoss<T, F> {
    /// Draws fresh points for every term marked for resampling.
    fn resample(&mut self, rng: &mut Rng) {
        for t in &mut self.terms {
            t.resample(&self.field, rng);
        }
    }

    /// Residual-based adaptive refinement of every plain residual term (see [`Term::refine`]).
    fn refine(&mut self, params: &[T], rng: &mut Rng, candidates: usize, add: usize) {
        for t in &mut self.terms {
            t.refine(&self.field, params, rng, candidates, add);
        }
    }

    /// Residual-based redistribution of every plain residual term (see
    /// [`Term::redistribute`]).
    fn redistribute(&mut self, params: &[T], rng: &mut Rng, rad: &Redistribution) {
        for t in &mut self.terms {
            t.redistribute(&self.field, params, rng, rad);
        }
    }

    /// The weighted value of each term at the last evaluation.
    fn term_values(&self) -> Vec<f64> {
        self.terms.iter().map(Term::value).collect()
    }

    fn term_names(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.spec().name.as_str()).collect()
    }

    /// Sets ε of every causal term (the annealing schedule's current value).
    fn set_causal_eps(&mut self, eps: f64) {
        for t in &mut self.terms {
            t.set_causal_eps(eps);
        }
    }

    /// The smallest causal weight of the last evaluation (1 if no term is causal).
    fn min_causal_weight(&self) -> f64 {
        self.terms
            .iter()
            .map(Term::min_causal_weight)
            .fold(1.0, f64::min)
    }

    fn hold_causal_weights(&mut self, hold: bool) {
        for t in &mut self.terms {
            t.hold_causal_weights(hold);
        }
    }
}
