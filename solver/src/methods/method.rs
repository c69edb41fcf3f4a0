//! The interface of a method trained over the whole domain, and what it may report beyond
//! its fields.

use crate::moe::SolveReport;
use crate::pinn::TermSpec;
use crate::train::Loss;
use crate::Grid;
use operators::Real;
use problems::{BoxDomain, Problem};

/// What a run, `ansatz check`, `eval` and `export` need of a method.
pub trait Method<T: Real> {
    /// The loss the trainer minimizes.
    fn loss(&self) -> &dyn Loss<T>;
    /// The same loss, to train.
    fn loss_mut(&mut self) -> &mut dyn Loss<T>;
    /// Parameters of the network(s), before any trainable scalars (the problem's unknowns).
    fn network_params(&self) -> usize;
    /// The solution's fields on `grid`, one vector per field of the problem.
    fn solution(&self, p: &Problem, params: &[T], grid: &Grid) -> Vec<Vec<f64>>;
    /// The loss terms, the PDE residual first, each with its number of points.
    fn terms(&self) -> Vec<(&TermSpec, usize)>;
    /// The fields the terms' equations are written in (the problem's, unless the method
    /// rewrites it).
    fn fields<'a>(&'a self, p: &'a Problem) -> &'a [String] {
        &p.symbols.fields
    }
    /// Lines for `ansatz check` that say what the method does with the problem.
    fn describe(&self, _p: &Problem) -> Vec<String> {
        Vec::new()
    }
    /// The characteristics X(x0, t) of `labels` at `times`, one curve of (X, t) per label,
    /// for a method that trains along them.
    fn characteristics(
        &self,
        _p: &Problem,
        _params: &[T],
        _labels: &[f64],
        _times: &[f64],
    ) -> Option<Vec<Vec<(f64, f64)>>> {
        None
    }
    /// How each expert's last solve went, for a method with experts.
    fn experts(&self) -> Option<Experts> {
        None
    }
}

/// The experts' last solves, for the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Experts {
    /// Blocks along each axis.
    pub splits: Vec<usize>,
    /// Each expert's block and how its solve went.
    pub solves: Vec<ExpertSolve>,
}

/// One expert's block and its last solve.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpertSolve {
    /// The expert's block.
    pub block: BoxDomain,
    /// How its last solve went.
    pub report: SolveReport,
}
