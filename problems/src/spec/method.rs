//! `[method]`: which method solves the problem, and the settings of each.

use super::{one, yes};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Which method solves the problem. The settings of every method may stand in one file
/// (each method reads its own), so that `--vary method.kind=pinn,lpinn` works on it.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    /// A PINN: the PDE as a soft penalty (optionally causal).
    #[default]
    Pinn,
    /// A Lagrangian PINN on characteristics, for convection-dominated problems.
    Lpinn,
    /// Hard constraints solved per expert block (mixture of experts).
    MoeHc,
    /// A spatial network advanced by a time integrator, one optimization per step.
    Insr,
}

/// How an INSR step relates the new field to the previous one.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Integrator {
    /// Explicit Euler: the PDE's spatial terms at the previous field.
    ExplicitEuler,
    /// Implicit Euler: the PDE's spatial terms at the new field.
    ImplicitEuler,
    /// Implicit midpoint: the PDE's spatial terms at the average of the two fields.
    #[default]
    Midpoint,
    /// u(x) = u_prev(x − c·dt) − dt·G(u): advection along backtraced characteristics (the
    /// speed c read from the previous field), the rest G of the PDE implicit.
    SemiLagrangian,
    /// Operator splitting of the incompressible Euler equations (Stable Fluids): advect the
    /// velocity along its backtraced characteristics, solve for the pressure, project onto
    /// divergence-free fields; the box's faces are walls.
    Splitting,
    /// Elastodynamics as the minimization of the incremental potential of implicit Euler:
    /// inertia, the stored energy of `[pde] energy` and gravity; the fields are the
    /// displacement of the domain.
    IncrementalPotential,
}

impl Integrator {
    /// The name a problem file gives it.
    pub fn name(self) -> &'static str {
        match self {
            Integrator::ExplicitEuler => "explicit_euler",
            Integrator::ImplicitEuler => "implicit_euler",
            Integrator::Midpoint => "midpoint",
            Integrator::SemiLagrangian => "semi_lagrangian",
            Integrator::Splitting => "splitting",
            Integrator::IncrementalPotential => "incremental_potential",
        }
    }

    /// Weight θ of the new field in the spatial terms (the rest is the previous field's).
    pub fn theta(self) -> f64 {
        match self {
            Integrator::ExplicitEuler => 0.0,
            Integrator::Midpoint => 0.5,
            _ => 1.0,
        }
    }
}

/// Which condition points each expert's constraint holds.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ConditionRows {
    /// Every condition's points, in every expert (the paper's diffusion–sorption).
    #[default]
    Global,
    /// The condition points inside the expert's block (the paper's Navier–Stokes).
    Block,
}

/// How a Lagrangian PINN sums its residuals over the points.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LagrangianLoss {
    /// Euclidean norms of the residuals over the points (the paper's).
    #[default]
    Norm,
    /// Mean squares (the usual PINN loss).
    MeanSquare,
}

/// `[method]`: which method solves the problem, and its settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MethodSpec {
    /// The method (default `pinn`).
    #[serde(default)]
    pub kind: MethodKind,
    /// Causal weights over time (`[method.causal]`; PINNs with a time axis).
    pub causal: Option<CausalSpec>,
    /// Time-marching windows (1: none; more are available through the Rust API for now).
    #[serde(default = "one_usize")]
    pub windows: usize,
    /// The characteristic speed c of a Lagrangian PINN, an expression in u, x, t and the
    /// parameters: the PDE must read u_t + c·u_x + (the rest), e.g. `beta` or `u` (Burgers).
    pub speed: Option<Spanned<String>>,
    /// A Lagrangian PINN's networks and loss weights (`[method.lagrangian]`).
    #[serde(default)]
    pub lagrangian: LagrangianSpec,
    /// The experts' least-squares layer (`[method.hard_constraint]`).
    #[serde(default)]
    pub hard_constraint: HardConstraintSpec,
    /// INSR's time stepping (`[method.insr]`).
    #[serde(default)]
    pub insr: InsrSpec,
}

/// Settings of INSR (`kind = "insr"`, Chen et al.): a spatial network whose weights are
/// advanced step by step, each step an optimization warm-started from the last; the
/// defaults are the paper's where they fit a CPU.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InsrSpec {
    /// The time integrator (default `midpoint`): `explicit_euler`, `implicit_euler`,
    /// `midpoint`, `semi_lagrangian` (with `method.speed` as c), `splitting` or
    /// `incremental_potential`.
    #[serde(default)]
    pub integrator: Integrator,
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
    #[serde(default)]
    pub conditions: ConditionRows,
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
    #[serde(default)]
    pub loss: LagrangianLoss,
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

impl Default for LagrangianSpec {
    fn default() -> Self {
        toml::from_str("").expect("every Lagrangian key has a default")
    }
}

fn one_usize() -> usize {
    1
}

impl Default for MethodSpec {
    fn default() -> Self {
        MethodSpec {
            kind: MethodKind::Pinn,
            causal: None,
            windows: 1,
            speed: None,
            lagrangian: LagrangianSpec::default(),
            hard_constraint: HardConstraintSpec::default(),
            insr: InsrSpec::default(),
        }
    }
}

/// `[method.causal]`: Wang, Sankaran & Perdikaris's causal weights.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CausalSpec {
    /// Time slices the residual is sorted into (default 32).
    #[serde(default = "default_bins")]
    pub bins: usize,
    /// The ε of each stage, in order (default 1e-2 … 100).
    #[serde(default = "default_eps")]
    pub eps: Vec<f64>,
    /// A stage ends once every causal weight exceeds δ (default 0.99).
    #[serde(default = "default_delta")]
    pub delta: f64,
    /// Steps between checks of δ (default 1000).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_integrators_name_is_the_one_a_file_gives() {
        use Integrator::*;
        for i in [
            ExplicitEuler,
            ImplicitEuler,
            Midpoint,
            SemiLagrangian,
            Splitting,
            IncrementalPotential,
        ] {
            let written = toml::Value::try_from(i).unwrap();
            assert_eq!(written.as_str(), Some(i.name()));
        }
    }
}
