//! The PINN (Raissi et al.; causal training of Wang, Sankaran, Perdikaris): one network of
//! all fields, the PDE and the conditions as soft penalties. The network is whatever
//! `[model]` says, so physics-informed Gaussians (Kang et al.) are a PINN with the PIG model.

use super::method::Trainable;
use crate::network::{field_model, Network};
use crate::pinn::{PinnLoss, Term, TermSpec};
use crate::setup::term_specs;
use crate::train::Loss;
use crate::{predict, Grid};
use operators::model::{Branches, Field, Model};
use operators::{Batched, Real, Rng};
use problems::Problem;

/// The PINN loss of the problem and its starting parameters.
pub fn build<T: Real>(p: &Problem, seed: u64) -> (PinnLoss<T, Network<T>>, Vec<T>, Rng) {
    let mut rng = Rng::new(seed);
    let name = p.symbols.fields.join(",");
    let net = Branches::new(vec![(name, field_model(p, &mut rng))]);
    let held = held_by_construction(p);
    let specs = term_specs(p)
        .into_iter()
        .zip(std::iter::once(false).chain(held))
        .filter_map(|(spec, held)| (!held).then_some(spec))
        .collect();
    let (loss, params) = with_network(p, net, specs, p.symbols.trainable.len(), &mut rng);
    (loss, params, rng)
}

/// Which of the problem's conditions (in order) its `[model] output` satisfies whatever the
/// network: those whose term is zero to rounding (root mean square ≤ 1e-12) for two random
/// networks. They are left out of the loss. All false without an output transform.
pub fn held_by_construction(p: &Problem) -> Vec<bool> {
    let conditions = &term_specs(p)[1..];
    if p.model.output.is_none() {
        return vec![false; conditions.len()];
    }
    let mut rng = Rng::new(0x4e1d);
    let net = field_model::<f64>(p, &mut rng);
    let draws: Vec<Vec<f64>> = (0..2)
        .map(|_| {
            let mut params = net.init_params(&mut rng);
            params.extend(&p.unknown_initial);
            params
        })
        .collect();
    let chunk = Batched::<f64, Model<f64>>::DEFAULT_CHUNK;
    conditions
        .iter()
        .map(|spec| {
            let extra = p.unknown_initial.len();
            let mut term = Term::new(&net, spec.clone(), extra, chunk, &mut rng);
            draws.iter().all(|params| {
                let mut grad = vec![0.0; params.len()];
                term.value_and_grad(&net, params, &mut grad) <= 1e-24
            })
        })
        .collect()
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
