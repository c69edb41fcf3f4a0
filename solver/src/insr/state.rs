//! The state of an INSR simulation after each solve: all a killed run needs to resume at the
//! last completed step with the same parameters and random stream (`methods::insr` makes it a
//! checkpoint).

use operators::{Real, Rng};

/// One solve: the initial fit (solve 0) or a time step.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveRecord {
    /// Iterations taken.
    pub iterations: usize,
    /// The loss at the end.
    pub loss: f64,
    /// The learning rate at the end.
    pub lr: f64,
    /// Wall time of the solve, in seconds.
    pub wall_s: f64,
    /// Relative L2 error against the reference at this time (NaN without).
    pub error: f64,
    /// The stepper's diagnostics (energies, volume) after this solve.
    pub diagnostics: Vec<f64>,
}

/// Everything a simulation carries from one step to the next.
#[derive(Clone, Debug)]
pub struct State<T> {
    /// The networks' parameters after the last solve.
    pub params: Vec<T>,
    /// Solves completed: 0 before the initial fit, n + 1 after step n.
    pub solves: usize,
    /// The random stream, where the last solve left it.
    pub rng: Rng,
    /// Every solve so far, in order.
    pub records: Vec<SolveRecord>,
    /// The network at every output frame: the field at that time.
    pub frames: Vec<(f64, Vec<f64>)>,
}

impl<T: Real> State<T> {
    /// The state before the first solve.
    pub fn new(params: Vec<T>, rng: Rng) -> Self {
        State {
            params,
            solves: 0,
            rng,
            records: vec![],
            frames: vec![],
        }
    }

    /// Wall time of every solve so far.
    pub fn wall_s(&self) -> f64 {
        self.records.iter().map(|r| r.wall_s).sum()
    }
}
