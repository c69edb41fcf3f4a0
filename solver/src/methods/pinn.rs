//! The PINN (Raissi et al.; causal training of Wang, Sankaran, Perdikaris): one network of
//! all fields, the PDE and the conditions as soft penalties. The network is whatever
//! `[model]` says, so physics-informed Gaussians (Kang et al.) are a PINN with the PIG model.

use super::method::Trainable;
use crate::network::{model, Network};
use crate::pinn::{PinnLoss, TermSpec};
use crate::setup::term_specs;
use crate::train::Loss;
use crate::{predict, Grid};
use operators::model::{Branches, Field};
use operators::{Batched, Real, Rng};
use problems::Problem;

/// The PINN loss of the problem and its starting parameters.
pub fn build<T: Real>(p: &Problem, seed: u64) -> (PinnLoss<T, Network<T>>, Vec<T>, Rng) {
    let mut rng = Rng::new(seed);
    let name = p.symbols.fields.join(",");
    let outputs = p.symbols.fields.len();
    let net = Branches::new(vec![(name, model(p, outputs, &mut rng))]);
    let specs = term_specs(p);
    let (loss, params) = with_network(p, net, specs, p.symbols.trainable.len(), &mut rng);
    (loss, params, rng)
}

/// The loss of `specs` over `net`, with `extra` trainable scalars after the network's (the
/// problem's unknowns first, at their initial values, then zeros), and its parameters.
pub(super) fn with_network<T: Real>(
    p: &Problem,
    net: Network<T>,
    specs: Vec<TermSpec>,
    extra: usize,
    rng: &mut Rng,
) -> (PinnLoss<T, Network<T>>, Vec<T>) {
    let chunk = Batched::<T, Network<T>>::DEFAULT_CHUNK;
    let loss = PinnLoss::new(net, specs, extra, chunk, rng);
    let mut params = Field::init_params(&loss.field, rng);
    params.extend(p.unknown_initial.iter().map(|&v| T::from_f64(v)));
    params.resize(loss.n_params(), T::zero());
    (loss, params)
}

impl<T: Real> Trainable<T> for PinnLoss<T, Network<T>> {
    fn loss(&self) -> &dyn Loss<T> {
        self
    }

    fn loss_mut(&mut self) -> &mut dyn Loss<T> {
        self
    }

    fn network_params(&self) -> usize {
        self.field.n_params()
    }

    fn solution(&self, _p: &Problem, params: &[T], grid: &Grid) -> Vec<Vec<f64>> {
        predict(&self.field, params, &grid.points::<T>())
    }

    fn terms(&self) -> Vec<(&TermSpec, usize)> {
        self.terms.iter().map(|t| (t.spec(), t.len())).collect()
    }
}
