//! The interface of a method, what it reports as it runs, and what it may report beyond its
//! fields.

use super::checkpoint::{Checkpoint, CheckpointError};
use crate::moe::SolveReport;
use crate::pinn::TermSpec;
use crate::train::{Loss, Record};
use crate::{Grid, TrainError};
use operators::Real;
use problems::{BoxDomain, Problem};
use std::collections::BTreeMap;

/// What a run, `ansatz check`, `eval` and `export` need of a method: it owns its state (the
/// parameters, the optimizers' or the time stepper's), runs, checkpoints and resumes.
pub trait Method<T: Real> {
    /// Runs what remains of the method's course (its training phases, or its time steps),
    /// from where [`restore`](Self::restore) left it. `grid` is the grid the fields are
    /// written on; `on_event` sees every logged step, checkpoint and frame.
    fn run(
        &mut self,
        p: &Problem,
        grid: &Grid,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Report, TrainError>;
    /// Asks for the fields on `grid` every `every` steps of training (and at its start and
    /// end) as [`Event::Solution`]s, for the error during training. Methods that step in
    /// time report their error per step instead, and ignore it.
    fn watch(&mut self, _grid: Grid, _every: usize) {}
    /// Everything needed to resume from now.
    fn checkpoint(&self) -> Checkpoint;
    /// Continues from what [`checkpoint`](Self::checkpoint) returned.
    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError>;
    /// Steps taken so far and steps in all, for progress.
    fn steps(&self) -> (usize, usize);
    /// Every parameter: the network(s)', then any trainable scalars (the problem's unknowns).
    fn params(&self) -> &[T];
    /// Parameters of the network(s), before any trainable scalars.
    fn network_params(&self) -> usize;
    /// The names of the loss terms the records carry, in their order.
    fn term_names(&self) -> Vec<String>;
    /// Every logged record, in order.
    fn history(&self) -> Vec<Record>;
    /// The fields are written on `grid` with its time axis as the method holds it (INSR:
    /// at its frames).
    fn output_grid(&self, grid: &Grid) -> Grid {
        grid.clone()
    }
    /// The part of the reference's grid the error is measured on (INSR: the final time).
    fn error_grid(&self, reference: &Grid) -> Grid {
        reference.clone()
    }
    /// How many fields, the first, are compared with the reference (not a pressure, which
    /// is known up to a constant).
    fn compared(&self, p: &Problem) -> usize {
        p.symbols.fields.len()
    }
    /// The solution's fields on `grid` (of [`output_grid`](Self::output_grid)'s times),
    /// one vector per field of the problem.
    fn solution(&self, p: &Problem, grid: &Grid) -> Vec<Vec<f64>>;
    /// What the summary reports beyond what every method does.
    fn extra(&self, p: &Problem) -> Vec<(&'static str, Extra)>;
    /// Curves over the run worth a figure of their own (INSR: the error and energies over
    /// time).
    fn curves(&self, _p: &Problem) -> Vec<Curves> {
        Vec::new()
    }
    /// Whether the method reports its fields as [`Event::Frame`]s while it runs (the run then
    /// writes no other VTK files).
    fn reports_frames(&self) -> bool {
        false
    }
    /// Whether the fields displace the domain (frames then show the deformed shape).
    fn deforms(&self) -> bool {
        false
    }
    /// The loss terms, the PDE residual first, each with its number of points (none for a
    /// method that solves one problem per time step).
    fn terms(&self) -> Vec<(&TermSpec, usize)> {
        Vec::new()
    }
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

/// A method trained over the whole domain at once: a loss the trainer minimizes
/// ([`super::Trained`] runs it).
pub trait Trainable<T: Real> {
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
    /// See [`Method::characteristics`].
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

/// What a method reports as it runs.
pub enum Event<'a> {
    /// A logged step (an optimizer step, or one solve of a time step).
    Log(&'a Record),
    /// A line worth showing beside the progress (how a time step went).
    Note(&'a str),
    /// The complete state now, to be saved.
    Checkpoint(&'a Checkpoint),
    /// The fields at one time, as soon as they are known (a method that steps in time).
    Frame(Frame<'a>),
    /// The fields on the grid given to [`Method::watch`], during training.
    Solution {
        /// The step they are at.
        step: usize,
        /// Wall time of training then, in seconds.
        wall_s: f64,
        /// Each field on the watched grid.
        fields: &'a [Vec<f64>],
    },
}

/// The fields at one time of a method that steps in time, on the output grid's space.
pub struct Frame<'a> {
    /// The time of every frame so far, this one's last.
    pub times: &'a [f64],
    /// Each field.
    pub fields: &'a [Vec<f64>],
    /// The reference at that time, if known.
    pub reference: Option<&'a [Vec<f64>]>,
}

/// How a method's run went.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Steps taken (optimizer steps, or time steps).
    pub steps: usize,
    /// The final loss.
    pub loss: f64,
    /// Wall time, in seconds, resumed runs included.
    pub wall_s: f64,
}

/// A value of the summary beyond those every method reports.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Extra {
    /// A word or a sentence.
    Text(String),
    /// A number.
    Number(f64),
    /// A count.
    Count(usize),
    /// A number per step.
    Numbers(Vec<f64>),
    /// A count per step.
    Counts(Vec<usize>),
    /// Named values.
    Named(BTreeMap<String, Extra>),
}

/// Curves for one figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Curves {
    /// The figure's file name, without extension.
    pub name: &'static str,
    /// Its title.
    pub title: &'static str,
    /// The horizontal axis.
    pub x: &'static str,
    /// The vertical axis.
    pub y: &'static str,
    /// Whether the vertical axis is logarithmic (errors) or linear (energies).
    pub log: bool,
    /// Each curve: its label and points.
    pub lines: Vec<(String, Vec<(f64, f64)>)>,
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
