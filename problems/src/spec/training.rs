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
    /// Adam steps (default 5000).
    #[serde(default = "default_adam_steps")]
    pub adam_steps: usize,
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
    #[serde(default)]
    pub lbfgs_steps: usize,
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
}

fn default_collocation() -> usize {
    4096
}
fn default_sampling() -> Sampling {
    Sampling::Sobol
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
