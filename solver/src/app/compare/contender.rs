//! The methods `ansatz compare` puts side by side, and how each takes a problem file that
//! was written for another.

use problems::spec::{
    ConditionKind, ConditionSpec, EmbeddingSpec, GaussianSpec, InsrSpec, Integrator, MethodKind,
    ModelKind, OptimizerKind, ProblemSpec,
};
use problems::Problem;
use std::fmt;
use std::str::FromStr;

/// A method `ansatz compare` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Contender {
    /// A PINN (an MLP-family network trained on the residual).
    Pinn,
    /// A Lagrangian PINN on the characteristics.
    Lpinn,
    /// INSR: the network's weights advanced by a time integrator.
    Insr,
    /// Physics-informed Gaussians with a small MLP decoder.
    Pig,
    /// Mixture-of-experts hard constraints.
    MoeHc,
}

/// INSR's settings in a comparison when the file gives no `[method.insr]`: the paper's
/// per-step budget cut so that a hundred steps take about as long as the other methods.
const QUICK_INSR_SAMPLES: usize = 1000;
const QUICK_INSR_ITERATIONS: usize = 200;
const QUICK_INSR_INITIAL_ITERATIONS: usize = 2000;
const QUICK_INSR_LEARNING_RATE: f64 = 1e-3;

impl Contender {
    /// Every method, in the order of the table.
    pub const ALL: [Contender; 5] = [
        Contender::Pinn,
        Contender::Lpinn,
        Contender::Insr,
        Contender::Pig,
        Contender::MoeHc,
    ];

    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Pinn => "pinn",
            Contender::Lpinn => "lpinn",
            Contender::Insr => "insr",
            Contender::Pig => "pig",
            Contender::MoeHc => "moe_hc",
        }
    }

    /// The problem as this method solves it. Everything the method shares with the file's
    /// own (domain, PDE, conditions, points, steps, seed) stays. INSR uses the file's
    /// `[method.insr]` where it gives one (`insr_written`), and steps from one output frame
    /// to the next (`frame_interval`) where it gives no dt.
    pub fn adapt(self, base: &Problem, insr_written: bool, frame_interval: f64) -> ProblemSpec {
        let mut s = base.spec.clone();
        // Only PIG has Gaussians; the others train the file's network, an MLP for a PIG's.
        if self != Contender::Pig {
            if s.model.kind == ModelKind::Pig {
                s.model.kind = ModelKind::Mlp;
            }
            s.model.gaussians = None;
        }
        match self {
            Contender::Pinn => s.method.kind = MethodKind::Pinn,
            Contender::Lpinn => s.method.kind = MethodKind::Lpinn,
            Contender::MoeHc => {
                s.method.kind = MethodKind::MoeHc;
                // The experts' solves move under a line search's trial points: Adam only.
                s.training.lbfgs_steps = None;
                s.training
                    .phases
                    .retain(|p| p.optimizer == OptimizerKind::Adam);
            }
            Contender::Pig => {
                s.method.kind = MethodKind::Pinn;
                s.model.kind = ModelKind::Pig;
                s.model.gaussians.get_or_insert_with(GaussianSpec::default);
                // The Gaussians are the features: a periodic embedding becomes a condition.
                if let Some(EmbeddingSpec::Periodic { axes, .. }) = s.model.embedding.take() {
                    s.conditions.push(periodic(axes));
                }
            }
            Contender::Insr => {
                s.method.kind = MethodKind::Insr;
                if !insr_written {
                    let advects = s.method.speed.is_some()
                        && base.dims() == 2
                        && base.symbols.fields.len() == 1;
                    s.method.insr = quick_insr(advects);
                }
                if s.method.insr.dt == 0.0 {
                    s.method.insr.dt = frame_interval;
                }
            }
        }
        s
    }
}

/// INSR's quick settings, one frame per step: the semi-Lagrangian integrator where it
/// `advects` (a characteristic speed for one field in one space dimension: the paper's
/// choice for advection), the midpoint rule otherwise.
fn quick_insr(advects: bool) -> InsrSpec {
    InsrSpec {
        integrator: if advects {
            Integrator::SemiLagrangian
        } else {
            Integrator::Midpoint
        },
        samples: QUICK_INSR_SAMPLES,
        iterations: QUICK_INSR_ITERATIONS,
        initial_iterations: QUICK_INSR_INITIAL_ITERATIONS,
        learning_rate: QUICK_INSR_LEARNING_RATE,
        output_every: 1,
        ..InsrSpec::default()
    }
}

/// A periodic condition on `axes`, in every field.
fn periodic(axes: Vec<String>) -> ConditionSpec {
    ConditionSpec {
        kind: ConditionKind::Periodic,
        field: None,
        on: axes,
        value: None,
        rate: None,
        alpha: None,
        beta: None,
        weight: 1.0,
        points: 256,
        file: None,
    }
}

impl fmt::Display for Contender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Contender {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Contender::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Contender::ALL.iter().map(|c| c.name()).collect();
                format!("unknown method `{s}`; expected one of {}", names.join(", "))
            })
    }
}
