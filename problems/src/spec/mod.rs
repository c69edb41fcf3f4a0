//! The problem file as written: serde structs with documented defaults. Unknown keys are
//! rejected (with their location) so that a typo never silently falls back to a default.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

mod method;
mod model;
mod training;

pub use method::{
    CausalSpec, ConditionRows, HardConstraintSpec, InsrSpec, Integrator, LagrangianLoss,
    LagrangianSpec, MethodKind, MethodSpec,
};
pub use model::{ActivationKind, EmbeddingSpec, GaussianSpec, ModelKind, ModelSpec};
pub use training::{OptimizerKind, PhaseSpec, Precision, TrainingSpec};

/// `Display` for the file's choices, as the file writes them (`modified_mlp`, `f64`).
macro_rules! display_as_written {
    ($($choice:ty),*) => {$(
        impl std::fmt::Display for $choice {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match toml::Value::try_from(self) {
                    Ok(toml::Value::String(name)) => f.write_str(&name),
                    _ => write!(f, "{self:?}"),
                }
            }
        }
    )*};
}

display_as_written!(
    ModelKind,
    ActivationKind,
    MethodKind,
    Integrator,
    ConditionRows,
    LagrangianLoss,
    Precision,
    crate::Sampling
);

/// A whole problem file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProblemSpec {
    /// A short name, used for run directories and reports.
    pub name: String,
    /// What the problem is, in a sentence (shown by `check` and in reports).
    #[serde(default)]
    pub description: String,
    /// Coordinate name → [lower, upper]; `t` is the time axis. Order of axes: x, y, z, t.
    /// With a `[geometry]`, only `t` (if any) goes here.
    #[serde(default)]
    pub domain: BTreeMap<String, [f64; 2]>,
    /// A spatial region other than a box (its axes are x, y, z by its dimension).
    pub geometry: Option<ShapeSpec>,
    /// The fields the network outputs (`[fields]`).
    #[serde(default)]
    pub fields: FieldsSpec,
    /// Name → a number, an expression (`"0.01/pi"`), or `{ unknown = true, initial = 0.1 }`
    /// (an inverse problem's unknown, trained with the network from data).
    #[serde(default)]
    pub parameters: BTreeMap<String, Spanned<toml::Value>>,
    /// The equations (`[pde]`).
    pub pde: PdeSpec,
    /// Initial, boundary and data conditions (`[[conditions]]`).
    #[serde(default)]
    pub conditions: Vec<ConditionSpec>,
    /// A known solution to compare with (`[reference]`).
    pub reference: Option<ReferenceSpec>,
    /// The network (`[model]`).
    #[serde(default)]
    pub model: ModelSpec,
    /// The method and its settings (`[method]`).
    #[serde(default)]
    pub method: MethodSpec,
    /// Points, optimizers and schedules (`[training]`).
    #[serde(default)]
    pub training: TrainingSpec,
    /// What is written (`[output]`).
    #[serde(default)]
    pub output: OutputSpec,
}

/// A shape of `[geometry]`: primitives and CSG combinations (nest with `a` and `b`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShapeSpec {
    /// An axis-aligned box (faces named left/right, bottom/top, back/front).
    Box {
        /// Lower corner.
        lo: Vec<f64>,
        /// Upper corner.
        hi: Vec<f64>,
    },
    /// A disk in 2D.
    Disk {
        /// The centre.
        center: [f64; 2],
        /// The radius.
        radius: f64,
        /// The name of its boundary (default `outer`).
        #[serde(default = "outer")]
        name: String,
    },
    /// A ball in 3D.
    Ball {
        /// The centre.
        center: [f64; 3],
        /// The radius.
        radius: f64,
        /// The name of its boundary (default `outer`).
        #[serde(default = "outer")]
        name: String,
    },
    /// A simple polygon in 2D, vertices in order.
    Polygon {
        /// The vertices, in order around the polygon.
        vertices: Vec<[f64; 2]>,
        /// The name of its boundary (default `outer`).
        #[serde(default = "outer")]
        name: String,
    },
    /// Points in `a` or `b`.
    Union {
        /// The first shape.
        a: Box<ShapeSpec>,
        /// The second shape.
        b: Box<ShapeSpec>,
    },
    /// Points in both `a` and `b`.
    Intersection {
        /// The first shape.
        a: Box<ShapeSpec>,
        /// The second shape.
        b: Box<ShapeSpec>,
    },
    /// Points in `a` and not in `b`.
    Difference {
        /// The shape cut from.
        a: Box<ShapeSpec>,
        /// The shape cut away.
        b: Box<ShapeSpec>,
    },
}

fn outer() -> String {
    "outer".into()
}

/// `[fields]`: the unknown fields.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldsSpec {
    /// Field names, in the network's output order (default `["u"]`).
    pub names: Vec<String>,
}

impl Default for FieldsSpec {
    fn default() -> Self {
        FieldsSpec {
            names: vec!["u".into()],
        }
    }
}

/// `[pde]`: the equations, as text.
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

/// One `[[conditions]]` entry.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionSpec {
    /// What kind of condition.
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
    /// See `alpha`.
    pub beta: Option<Spanned<String>>,
    /// Weight of its loss term (default 1).
    #[serde(default = "one")]
    pub weight: f64,
    /// Number of points it is imposed on (default 256).
    #[serde(default = "default_condition_points")]
    pub points: usize,
    /// For data conditions: a .csv or .h5 file, relative to the problem file.
    pub file: Option<String>,
}

pub(crate) fn yes() -> bool {
    true
}
pub(crate) fn one() -> f64 {
    1.0
}
fn default_condition_points() -> usize {
    256
}

/// `[reference]`: a solution to compare with, from a file or in closed form.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// HDF5 file (relative to the problem file) with coordinate datasets named like the axes
    /// and the field datasets indexed [t, ..., x].
    pub file: Option<String>,
    /// Closed-form solution, one expression per field.
    pub analytic: Option<Vec<Spanned<String>>>,
}
/// `[output]`: what a run writes beside the trained network.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Points per axis of the output grid, in domain order (x, y, z, t).
    pub grid: Option<Vec<usize>>,
}
