//! `[training]`: points, optimizers and their schedule, precision, checkpoints.

use crate::Sampling;
use serde::{Deserialize, Serialize};

/// The floating-point type a run computes in.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// Single precision (faster, for first-order optimizers).
    F32,
    /// Double precision.
    #[default]
    F64,
}

/// `[training]`: points, optimizers and schedules.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    /// Interior collocation points (default 4096).
    #[serde(default = "default_collocation")]
    pub collocation: usize,
    /// How interior and boundary points are drawn (default `sobol`).
    #[serde(default = "default_sampling")]
    pub sampling: Sampling,
    /// Draw fresh collocation points every N Adam steps (0: never).
    #[serde(default)]
    pub resample_every: usize,
    /// Residual-based adaptive refinement: every N Adam steps (0: never) evaluate the residual
    /// on `adaptive_candidates` fresh points and add the `adaptive_points` where it is largest.
    #[serde(default)]
    pub adaptive_every: usize,
    /// Points added at each refinement (default 100).
    #[serde(default = "default_adaptive_points")]
    pub adaptive_points: usize,
    /// Fresh points the residual is evaluated on at each refinement (default 4096).
    #[serde(default = "default_adaptive_candidates")]
    pub adaptive_candidates: usize,
    /// Residual-based adaptive distribution (RAD, Wu et al. 2023): every N steps of any phase
    /// (0: never), the collocation points are drawn again from `rad_candidates` fresh points
    /// with probability ∝ |r|^k / mean |r|^k + c; a quasi-Newton phase keeps its curvature.
    #[serde(default)]
    pub rad_every: usize,
    /// Fresh points the residual is evaluated on at each redistribution (default 100000).
    #[serde(default = "default_rad_candidates")]
    pub rad_candidates: usize,
    /// The exponent k of the residual in RAD's density (default 1).
    #[serde(default = "default_one")]
    pub rad_k: f64,
    /// The uniform part c of RAD's density (default 1).
    #[serde(default = "default_one")]
    pub rad_c: f64,
    /// Adam steps (default 5000): with `lbfgs_steps`, the shorthand for two phases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adam_steps: Option<usize>,
    /// Adam's initial learning rate (default 1e-3).
    #[serde(default = "default_lr")]
    pub learning_rate: f64,
    /// Exponential decay: lr · decay_rate^(step / decay_every).
    #[serde(default = "default_decay_rate")]
    pub decay_rate: f64,
    /// Steps per decay by `decay_rate` (default 1000).
    #[serde(default = "default_decay_every")]
    pub decay_every: usize,
    /// L-BFGS iterations after Adam (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lbfgs_steps: Option<usize>,
    /// `[[training.phases]]`: the optimizers, run one after the other (instead of
    /// `adam_steps` and `lbfgs_steps`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseSpec>,
    /// Weight of the PDE residuals' loss term (default 1).
    #[serde(default = "default_residual_weight")]
    pub residual_weight: f64,
    /// Seed of every random draw: points, weights (default 0).
    #[serde(default)]
    pub seed: u64,
    /// `f64` (default) or `f32`.
    #[serde(default)]
    pub precision: Precision,
    /// Steps between checkpoints (default 500).
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
    /// Steps between logged records (default 100).
    #[serde(default = "default_log_every")]
    pub log_every: usize,
    /// Steps between evaluations of the error against the reference while training (0, the
    /// default: only at the end); they go to metrics.jsonl, error_history.png and the
    /// summary's `time_to_error`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub eval_every: usize,
}

impl TrainingSpec {
    /// The phases to run: `[[training.phases]]`, or else Adam for `adam_steps` (default 5000)
    /// then L-BFGS for `lbfgs_steps` if any.
    pub fn phases(&self) -> Vec<PhaseSpec> {
        if !self.phases.is_empty() {
            return self.phases.clone();
        }
        let phase = |optimizer, steps| PhaseSpec {
            optimizer,
            steps,
            learning_rate: None,
            decay_rate: None,
            decay_every: None,
            history: None,
        };
        let mut phases = vec![phase(
            OptimizerKind::Adam,
            self.adam_steps.unwrap_or(default_adam_steps()),
        )];
        match self.lbfgs_steps.unwrap_or(0) {
            0 => {}
            n => phases.push(phase(OptimizerKind::Lbfgs, n)),
        }
        phases
    }
}

/// The optimizer of a training phase.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam (Kingma & Ba), with the exponential learning-rate decay.
    Adam,
    /// L-BFGS with a strong-Wolfe line search.
    Lbfgs,
    /// BFGS with a dense inverse Hessian (8·P² bytes for P parameters).
    Bfgs,
    /// Self-scaled BFGS (Al-Baali's scaling), dense.
    Ssbfgs,
    /// Self-scaled Broyden (Urbán et al. 2025), dense: the record setter on small networks.
    Ssbroyden,
}

impl OptimizerKind {
    /// The name in a problem file.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adam => "adam",
            OptimizerKind::Lbfgs => "lbfgs",
            OptimizerKind::Bfgs => "bfgs",
            OptimizerKind::Ssbfgs => "ssbfgs",
            OptimizerKind::Ssbroyden => "ssbroyden",
        }
    }

    /// Whether it is a quasi-Newton method (steps are iterations with a line search, on
    /// fixed points).
    pub fn is_quasi_newton(self) -> bool {
        self != OptimizerKind::Adam
    }
}

/// One `[[training.phases]]` entry: an optimizer for some steps, after the phases before it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PhaseSpec {
    /// `"adam"`, `"lbfgs"`, or a dense quasi-Newton method: `"bfgs"`, `"ssbfgs"`,
    /// `"ssbroyden"`.
    pub optimizer: OptimizerKind,
    /// Steps (quasi-Newton: iterations) of the phase.
    pub steps: usize,
    /// Adam: the initial learning rate (default `training.learning_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f64>,
    /// Adam: the decay factor (default `training.decay_rate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay_rate: Option<f64>,
    /// Adam: steps per decay (default `training.decay_every`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay_every: Option<usize>,
    /// L-BFGS: (s, y) pairs kept (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<usize>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
fn default_collocation() -> usize {
    4096
}
fn default_sampling() -> Sampling {
    Sampling::Sobol
}
fn default_rad_candidates() -> usize {
    100_000
}
fn default_one() -> f64 {
    1.0
}
fn default_adaptive_points() -> usize {
    100
}
fn default_adaptive_candidates() -> usize {
    4096
}
fn default_adam_steps() -> usize {
    5000
}
fn default_lr() -> f64 {
    1e-3
}
fn default_decay_rate() -> f64 {
    0.9
}
fn default_decay_every() -> usize {
    1000
}
fn default_residual_weight() -> f64 {
    1.0
}
fn default_checkpoint_every() -> usize {
    500
}
fn default_log_every() -> usize {
    100
}

impl Default for TrainingSpec {
    fn default() -> Self {
        toml::from_str("").expect("every training key has a default")
    }
}
