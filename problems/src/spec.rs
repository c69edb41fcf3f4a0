//! The problem file as written: serde structs with documented defaults. Unknown keys are
//! rejected (with their location) so that a typo never silently falls back to a default.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

/// A whole problem file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Coordinate name → [lower, upper]; `t` is the time axis. Order of axes: x, y, z, t.
    /// With a `[geometry]`, only `t` (if any) goes here.
    #[serde(default)]
    pub domain: BTreeMap<String, [f64; 2]>,
    /// A spatial region other than a box (its axes are x, y, z by its dimension).
    pub geometry: Option<ShapeSpec>,
    #[serde(default)]
    pub fields: FieldsSpec,
    /// Name → a number, an expression (`"0.01/pi"`), or `{ unknown = true, initial = 0.1 }`
    /// (an inverse problem's unknown, trained with the network from data).
    #[serde(default)]
    pub parameters: BTreeMap<String, Spanned<toml::Value>>,
    pub pde: PdeSpec,
    #[serde(default)]
    pub conditions: Vec<ConditionSpec>,
    pub reference: Option<ReferenceSpec>,
    #[serde(default)]
    pub model: ModelSpec,
    #[serde(default)]
    pub method: MethodSpec,
    #[serde(default)]
    pub training: TrainingSpec,
    #[serde(default)]
    pub output: OutputSpec,
}

/// A shape of `[geometry]`: primitives and CSG combinations (nest with `a` and `b`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShapeSpec {
    /// An axis-aligned box (faces named left/right, bottom/top, back/front).
    Box { lo: Vec<f64>, hi: Vec<f64> },
    /// A disk in 2D.
    Disk {
        center: [f64; 2],
        radius: f64,
        #[serde(default = "outer")]
        name: String,
    },
    /// A ball in 3D.
    Ball {
        center: [f64; 3],
        radius: f64,
        #[serde(default = "outer")]
        name: String,
    },
    /// A simple polygon in 2D, vertices in order.
    Polygon {
        vertices: Vec<[f64; 2]>,
        #[serde(default = "outer")]
        name: String,
    },
    Union {
        a: Box<ShapeSpec>,
        b: Box<ShapeSpec>,
    },
    Intersection {
        a: Box<ShapeSpec>,
        b: Box<ShapeSpec>,
    },
    Difference {
        a: Box<ShapeSpec>,
        b: Box<ShapeSpec>,
    },
}

fn outer() -> String {
    "outer".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsSpec {
    pub names: Vec<String>,
}

impl Default for FieldsSpec {
    fn default() -> Self {
        FieldsSpec {
            names: vec!["u".into()],
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PdeSpec {
    /// One residual expression per equation; each should vanish.
    #[serde(default)]
    pub residuals: Vec<Spanned<String>>,
    /// Instead of residuals, for elastodynamics by INSR's incremental potential: the stored
    /// energy density of the displacement fields' spatial derivatives.
    pub energy: Option<Spanned<String>>,
}

/// What kind of condition.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// `value` (and `rate` = first time derivative, for second-order-in-time PDEs) at t = t0.
    Initial,
    /// `value` of the field on the named boundaries.
    Dirichlet,
    /// `value` of the outward normal derivative on the named boundaries.
    Neumann,
    /// `alpha·u + beta·∂u/∂n = value` on the named box faces (n the outward normal).
    Robin,
    /// Field (and first derivative) equal on opposite boundaries of the named axes.
    Periodic,
    /// Measured values at points: a CSV `file` whose header names the axes and the field, or
    /// an HDF5 file (.h5) with one 1-D dataset per axis and one for the field.
    Data,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    pub kind: ConditionKind,
    /// Which field (default: the first).
    pub field: Option<String>,
    /// Boundaries by name: left/right (x), bottom/top (y), back/front (z); for periodic: axes.
    #[serde(default)]
    pub on: Vec<String>,
    /// An expression of the coordinates (default 0).
    pub value: Option<Spanned<String>>,
    /// Initial rate u_t(x, t0), an expression of the coordinates.
    pub rate: Option<Spanned<String>>,
    /// Robin conditions: the coefficients of u and of its outward normal derivative,
    /// expressions of the parameters (e.g. alpha = "1", beta = "-D").
    pub alpha: Option<Spanned<String>>,
    pub beta: Option<Spanned<String>>,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default = "default_condition_points")]
    pub points: usize,
    /// For data conditions: a .csv or .h5 file, relative to the problem file.
    pub file: Option<String>,
}

fn yes() -> bool {
    true
}
fn one() -> f64 {
    1.0
}
fn default_condition_points() -> usize {
    256
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// HDF5 file (relative to the problem file) with coordinate datasets named like the axes
    /// and the field datasets indexed [t, ..., x].
    pub file: Option<String>,
    /// Closed-form solution, one expression per field.
    pub analytic: Option<Vec<Spanned<String>>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// `mlp`, `modified_mlp`, `siren` or `pig` (physics-informed Gaussians, `[model.gaussians]`).
    #[serde(default = "default_model_kind")]
    pub kind: String,
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    /// `tanh`, `sin` or `sigmoid` (SIREN always uses sin(ω₀ z)).
    #[serde(default = "default_activation")]
    pub activation: String,
    /// SIREN's ω₀.
    #[serde(default = "default_w0")]
    pub w0: f64,
    pub embedding: Option<EmbeddingSpec>,
    /// The Gaussians and decoder of `kind = "pig"` (other kinds ignore it).
    pub gaussians: Option<GaussianSpec>,
}

/// Physics-informed Gaussians (Kang et al.): trainable Gaussian features and a tiny decoder.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianSpec {
    /// Gaussians per feature channel (in all, when `shared`).
    #[serde(default = "default_gaussian_count")]
    pub count: usize,
    /// Feature channels: the decoder's inputs.
    #[serde(default = "default_gaussian_channels")]
    pub channels: usize,
    /// One set of Gaussians with a feature per channel, instead of a set per channel.
    #[serde(default)]
    pub shared: bool,
    /// Initial scale as a fraction of the domain's half-width along each axis.
    #[serde(default = "default_gaussian_sigma")]
    pub sigma: f64,
    /// Gaussians farther than this many scales from a point are not summed.
    #[serde(default = "default_gaussian_cutoff")]
    pub cutoff: f64,
    /// Hidden widths of the decoder.
    #[serde(default = "default_decoder")]
    pub decoder: Vec<usize>,
}

fn default_gaussian_count() -> usize {
    800
}
fn default_gaussian_channels() -> usize {
    4
}
fn default_gaussian_sigma() -> f64 {
    0.1
}
fn default_gaussian_cutoff() -> f64 {
    6.0
}
fn default_decoder() -> Vec<usize> {
    vec![16]
}

impl Default for GaussianSpec {
    fn default() -> Self {
        GaussianSpec {
            count: default_gaussian_count(),
            channels: default_gaussian_channels(),
            shared: false,
            sigma: default_gaussian_sigma(),
            cutoff: default_gaussian_cutoff(),
            decoder: default_decoder(),
        }
    }
}

fn default_model_kind() -> String {
    "mlp".into()
}
fn default_hidden() -> Vec<usize> {
    vec![50; 4]
}
fn default_activation() -> String {
    "tanh".into()
}
fn default_w0() -> f64 {
    30.0
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            kind: default_model_kind(),
            hidden: default_hidden(),
            activation: default_activation(),
            w0: default_w0(),
            embedding: None,
            gaussians: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum EmbeddingSpec {
    /// Random Fourier features.
    Fourier { features: usize, scale: f64 },
    /// Exact periodicity along the named axes (period = the domain's length).
    Periodic { axes: Vec<String>, modes: usize },
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSpec {
    /// `pinn`, `lpinn` (a Lagrangian PINN, for convection-dominated problems), `moe_hc`
    /// (hard constraints solved per expert block) or `insr` (a spatial network advanced by a
    /// time integrator, one optimization per step).
    #[serde(default = "default_method")]
    pub kind: String,
    pub causal: Option<CausalSpec>,
    /// Time-marching windows (1: none; more are available through the Rust API for now).
    #[serde(default = "one_usize")]
    pub windows: usize,
    /// The characteristic speed c of a Lagrangian PINN, an expression in u, x, t and the
    /// parameters: the PDE must read u_t + c·u_x + (the rest), e.g. `beta` or `u` (Burgers).
    pub speed: Option<Spanned<String>>,
    #[serde(default)]
    pub lagrangian: LagrangianSpec,
    #[serde(default)]
    pub hard_constraint: HardConstraintSpec,
    #[serde(default)]
    pub insr: InsrSpec,
}

/// Settings of INSR (`kind = "insr"`, Chen et al.): a spatial network whose weights are
/// advanced step by step, each step an optimization warm-started from the last; the
/// defaults are the paper's where they fit a CPU.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InsrSpec {
    /// `explicit_euler`, `implicit_euler`, `midpoint` (implicit midpoint), `semi_lagrangian`
    /// (the advection u_t + c·u_x along backtraced characteristics, with `method.speed` as c,
    /// and the rest of the PDE implicit), `splitting` (incompressible Euler: advect, pressure,
    /// project) or `incremental_potential` (elastodynamics with `[pde] energy`, implicit Euler).
    #[serde(default = "default_integrator")]
    pub integrator: String,
    /// The time step; it must divide the time interval.
    #[serde(default)]
    pub dt: f64,
    /// Points drawn afresh in space at every iteration.
    #[serde(default = "default_insr_samples")]
    pub samples: usize,
    /// Adam iterations per time step at most.
    #[serde(default = "default_insr_iterations")]
    pub iterations: usize,
    /// Adam iterations for the regression of the initial condition (0: `iterations`).
    #[serde(default)]
    pub initial_iterations: usize,
    /// Adam's learning rate at the start of every step.
    #[serde(default = "default_insr_lr")]
    pub learning_rate: f64,
    /// Iterations without a better loss after which the learning rate drops tenfold; a step
    /// ends when it falls below 1e-8 (the paper's ReduceLROnPlateau).
    #[serde(default = "default_insr_patience")]
    pub patience: usize,
    /// A step also ends once its loss is below this (0: never).
    #[serde(default)]
    pub tolerance: f64,
    /// L-BFGS iterations after Adam in every step, on the last draw of points (0: none).
    #[serde(default)]
    pub lbfgs_iterations: usize,
    /// Mass density of an elastic body (`incremental_potential`).
    #[serde(default = "one")]
    pub density: f64,
    /// Gravity, one component per spatial axis (`incremental_potential`; none by default).
    #[serde(default)]
    pub gravity: Vec<f64>,
    /// Steps between output frames (the last step is always written).
    #[serde(default = "one_usize")]
    pub output_every: usize,
}

fn default_integrator() -> String {
    "midpoint".into()
}
fn default_insr_samples() -> usize {
    5000
}
fn default_insr_iterations() -> usize {
    2000
}
fn default_insr_lr() -> f64 {
    1e-4
}
fn default_insr_patience() -> usize {
    500
}

impl Default for InsrSpec {
    fn default() -> Self {
        toml::from_str("").expect("every INSR key has a default")
    }
}

/// Settings of the mixture-of-experts hard constraint (`kind = "moe_hc"`, Chalapathi et al.);
/// the defaults are the paper's where it has one.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HardConstraintSpec {
    /// N, the network's outputs: the basis functions each expert combines.
    #[serde(default = "default_basis")]
    pub basis: usize,
    /// Experts per axis, in domain order (x, y, z, t); the experts are the blocks of a
    /// uniform partition of the box. All ones (the default) is one global constraint.
    pub splits: Option<Vec<usize>>,
    /// PDE constraint points drawn in each expert's block at every step; the conditions'
    /// points (their `points`) are added to every expert.
    #[serde(default = "default_constraint_points")]
    pub constraint_points: usize,
    /// Which condition points each expert's constraint holds: `global` (every condition's
    /// points, in every expert; the paper's diffusion–sorption) or `block` (those inside the
    /// expert's block; the paper's Navier–Stokes initial values).
    #[serde(default = "default_condition_rows")]
    pub conditions: String,
    /// Points on each interface between neighbouring experts where the outer loss asks
    /// their solutions (and normal derivatives below the PDE's order across it) to agree.
    /// 0 leaves the blocks only stitched together, as in the paper, whose finite-difference
    /// stencils couple neighbours; exact derivatives do not.
    #[serde(default = "default_interface_points")]
    pub interface_points: usize,
    /// Weight of the interface term in the outer loss (and of the neighbour rows).
    #[serde(default = "one")]
    pub interface_weight: f64,
    /// Whether each expert's constraint also asks its solution to agree, on the interface
    /// points, with its neighbours' solutions of the previous step: a Schwarz iteration
    /// carried along the training steps, which keeps the experts independent within a step.
    #[serde(default = "yes")]
    pub neighbour_rows: bool,
    /// Whether the solution is u = u0(x) + (t − t0)·Σ_k w_k φ_k, which meets the initial
    /// condition u(x, t0) = u0(x) exactly (the initial values then leave the constraint and
    /// the loss).
    #[serde(default)]
    pub initial_ansatz: bool,
    /// Levenberg–Marquardt iterations per solve.
    #[serde(default = "default_lm_iterations")]
    pub max_iterations: usize,
    /// Relative step or cost change at which Gauss–Newton hands over to Newton's method
    /// (100 times tighter, down to 1e-10, each time Newton's method does not settle).
    #[serde(default = "default_lm_tolerance")]
    pub tolerance: f64,
    /// Coefficient of the ridge rows ridge·w.
    #[serde(default = "default_ridge")]
    pub ridge: f64,
    /// Adam's gradients are scaled down to this global norm when longer (0: no clipping).
    #[serde(default = "one")]
    pub clip_norm: f64,
}

fn default_basis() -> usize {
    16
}
fn default_constraint_points() -> usize {
    512
}
fn default_interface_points() -> usize {
    64
}
fn default_condition_rows() -> String {
    "global".into()
}
fn default_lm_iterations() -> usize {
    100
}
fn default_lm_tolerance() -> f64 {
    1e-6
}
fn default_ridge() -> f64 {
    1e-4
}

impl Default for HardConstraintSpec {
    fn default() -> Self {
        toml::from_str("").expect("every hard-constraint key has a default")
    }
}

/// Settings of a Lagrangian PINN (Mojgani et al.); the defaults are the paper's.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LagrangianSpec {
    /// Hidden widths of the characteristic branch ([model] describes the state branch).
    #[serde(default = "default_characteristic_hidden")]
    pub characteristic_hidden: Vec<usize>,
    /// Weight of the characteristic residual X_t − c (the state residual has
    /// `training.residual_weight`).
    #[serde(default = "default_characteristic_weight")]
    pub characteristic_weight: f64,
    /// Weight of the initial terms, u(x0, t0) = u0(x0) and X(x0, t0) = x0; it replaces the
    /// `weight` of the problem's initial conditions.
    #[serde(default = "default_initial_weight")]
    pub initial_weight: f64,
    /// `norm` (Euclidean norms of the residuals over the points, the paper's) or
    /// `mean_square` (the usual PINN loss).
    #[serde(default = "default_lagrangian_loss")]
    pub loss: String,
}

fn default_characteristic_hidden() -> Vec<usize> {
    vec![50, 50]
}
fn default_characteristic_weight() -> f64 {
    10.0
}
fn default_initial_weight() -> f64 {
    1000.0
}
fn default_lagrangian_loss() -> String {
    "norm".into()
}

impl Default for LagrangianSpec {
    fn default() -> Self {
        toml::from_str("").expect("every Lagrangian key has a default")
    }
}

fn default_method() -> String {
    "pinn".into()
}
fn one_usize() -> usize {
    1
}

impl Default for MethodSpec {
    fn default() -> Self {
        MethodSpec {
            kind: default_method(),
            causal: None,
            windows: 1,
            speed: None,
            lagrangian: LagrangianSpec::default(),
            hard_constraint: HardConstraintSpec::default(),
            insr: InsrSpec::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CausalSpec {
    #[serde(default = "default_bins")]
    pub bins: usize,
    #[serde(default = "default_eps")]
    pub eps: Vec<f64>,
    #[serde(default = "default_delta")]
    pub delta: f64,
    #[serde(default = "default_check")]
    pub check_every: usize,
}

fn default_bins() -> usize {
    32
}
fn default_eps() -> Vec<f64> {
    vec![1e-2, 1e-1, 1.0, 10.0, 100.0]
}
fn default_delta() -> f64 {
    0.99
}
fn default_check() -> usize {
    1000
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingSpec {
    #[serde(default = "default_collocation")]
    pub collocation: usize,
    /// `uniform`, `sobol`, `latin_hypercube` or `grid`.
    #[serde(default = "default_sampling")]
    pub sampling: String,
    /// Draw fresh collocation points every N Adam steps (0: never).
    #[serde(default)]
    pub resample_every: usize,
    /// Residual-based adaptive refinement: every N Adam steps (0: never) evaluate the residual
    /// on `adaptive_candidates` fresh points and add the `adaptive_points` where it is largest.
    #[serde(default)]
    pub adaptive_every: usize,
    #[serde(default = "default_adaptive_points")]
    pub adaptive_points: usize,
    #[serde(default = "default_adaptive_candidates")]
    pub adaptive_candidates: usize,
    #[serde(default = "default_adam_steps")]
    pub adam_steps: usize,
    #[serde(default = "default_lr")]
    pub learning_rate: f64,
    /// Exponential decay: lr · decay_rate^(step / decay_every).
    #[serde(default = "default_decay_rate")]
    pub decay_rate: f64,
    #[serde(default = "default_decay_every")]
    pub decay_every: usize,
    #[serde(default)]
    pub lbfgs_steps: usize,
    #[serde(default = "default_residual_weight")]
    pub residual_weight: f64,
    #[serde(default)]
    pub seed: u64,
    /// `f64` or `f32`.
    #[serde(default = "default_precision")]
    pub precision: String,
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
    #[serde(default = "default_log_every")]
    pub log_every: usize,
}

fn default_collocation() -> usize {
    4096
}
fn default_sampling() -> String {
    "sobol".into()
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
fn default_precision() -> String {
    "f64".into()
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

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Points per axis of the output grid, in domain order (x, y, z, t).
    pub grid: Option<Vec<usize>>,
}
