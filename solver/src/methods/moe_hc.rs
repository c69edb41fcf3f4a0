//! Hard constraints by a mixture of experts (Chalapathi et al.): a backbone network gives
//! basis functions, and each expert block's coefficients solve the PDE and the conditions on
//! its points by least squares, differentiated through; see [`crate::moe`].

use super::method::{ExpertSolve, Experts, Trainable};
use crate::moe::least_squares::LmSettings;
use crate::moe::{Blocks, ExpertPoints, HardConstraintLoss, InitialAnsatz};
use crate::network::{model, sampling};
use crate::pinn::TermSpec;
use crate::setup::term_specs;
use crate::train::Loss;
use crate::Grid;
use operators::model::Field;
use operators::{Real, Rng};
use problems::spec::{ConditionRows, HardConstraintSpec};
use problems::Problem;

/// The basis network and the experts of `[method.hard_constraint]`, with their first points.
pub fn build<T: Real>(
    p: &Problem,
    h: &HardConstraintSpec,
    seed: u64,
) -> (HardConstraintLoss<T>, Vec<T>, Rng) {
    let mut rng = Rng::new(seed);
    let field = model(p, h.basis, &mut rng);
    let params = field.init_params(&mut rng);
    let splits = h.splits.clone().unwrap_or_else(|| vec![1; p.dims()]);
    let settings = LmSettings {
        max_iterations: h.max_iterations,
        tolerance: h.tolerance,
        ridge: h.ridge,
    };
    let mut loss = HardConstraintLoss::new(
        field,
        Blocks::new(p.domain.clone(), splits),
        settings,
        term_specs(p),
        ExpertPoints {
            constraint: h.constraint_points,
            global_conditions: h.conditions == ConditionRows::Global,
            interface: h.interface_points,
            interface_weight: h.interface_weight,
            neighbour_rows: h.neighbour_rows,
            sampling: sampling(p),
        },
        h.initial_ansatz.then(|| initial_ansatz(p)),
        &p.symbols,
    );
    loss.resample(&mut rng);
    (loss, params, rng)
}

/// u = u0(x) + (t − t0)·Φw, with u0 from the problem's initial values (whose loss term, one
/// after the residual's, it replaces).
fn initial_ansatz(p: &Problem) -> InitialAnsatz {
    let c = p.conditions.iter().position(|c| c.is_initial_value());
    let c = c.expect("problems check that the ansatz has initial values");
    let time_axis = p.time_axis.expect("initial conditions have a time axis");
    InitialAnsatz {
        term: 1 + c,
        time_axis,
        t0: p.domain.lo[time_axis],
        value: p.conditions[c].target.clone(),
    }
}

impl<T: Real> Trainable<T> for HardConstraintLoss<T> {
    fn loss(&self) -> &dyn Loss<T> {
        self
    }

    fn loss_mut(&mut self) -> &mut dyn Loss<T> {
        self
    }

    fn network_params(&self) -> usize {
        self.n_params()
    }

    fn solution(&self, _p: &Problem, params: &[T], grid: &Grid) -> Vec<Vec<f64>> {
        vec![HardConstraintLoss::solution(
            self,
            params,
            &grid.points::<T>(),
        )]
    }

    fn terms(&self) -> Vec<(&TermSpec, usize)> {
        HardConstraintLoss::terms(self).collect()
    }

    fn describe(&self, p: &Problem) -> Vec<String> {
        let Some(c) = p.method.hard_constraint() else {
            return Vec::new();
        };
        vec![format!(
            "method      hard constraints: u = sum of {} basis functions times w_e; {} experts ({:?} blocks along {}), each solving for w_e on {} PDE points of its block plus every condition's points (Levenberg-Marquardt, at most {} iterations, ridge {})",
            c.basis,
            self.blocks.len(),
            self.blocks.splits,
            p.axes.join(", "),
            c.constraint_points,
            c.max_iterations,
            c.ridge
        )]
    }

    fn experts(&self) -> Option<Experts> {
        let solves = self
            .reports()
            .iter()
            .enumerate()
            .map(|(e, &report)| ExpertSolve {
                block: self.blocks.bounds(e),
                report,
            })
            .collect();
        Some(Experts {
            splits: self.blocks.splits.clone(),
            solves,
        })
    }
}
