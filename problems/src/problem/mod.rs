//! A problem file resolved: axes, symbols, compiled residuals and conditions, reference.

mod conditions;
mod data;
mod hard_constraint;
mod insr;
mod lagrangian;
mod model_expressions;
mod settings;
mod shapes;

pub use crate::spec::Integrator;
pub use insr::Insr;
pub use lagrangian::{Lagrangian, DISPLACEMENT, DRIFT};
pub use model_expressions::ModelExpressions;

use crate::error::{line_column, ProblemError};
use crate::spec::{CausalSpec, ConditionKind, HardConstraintSpec, MethodKind, ProblemSpec};
use crate::{BoxDomain, Face, Region};
use operators::expr::{ExprError, Program, Symbols};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Axis names in the order the network sees them.
pub const AXES: [&str; 4] = ["x", "y", "z", "t"];
/// Boundary names of the lower and upper face of x, y, z.
pub const FACE_NAMES: [(&str, &str); 3] = [("left", "right"), ("bottom", "top"), ("back", "front")];

/// One loss term's worth of condition: equations that should equal a target on some points.
#[derive(Clone, Debug)]
pub struct Condition {
    /// The name of its loss term (in logs and reports).
    pub name: String,
    /// What kind of condition.
    pub kind: ConditionKind,
    /// Weight of its loss term.
    pub weight: f64,
    /// Number of points it is imposed on.
    pub points: usize,
    /// Faces the points lie on (initial: the lower time face).
    pub faces: Vec<Face>,
    /// The expressions that should equal the target (one per field or gradient component).
    pub equations: Vec<Program>,
    /// A function of the coordinates (None: zero).
    pub target: Option<Program>,
    /// For periodic conditions, the axis.
    pub periodic_axis: Option<usize>,
    /// For data conditions: the points (one row per point) and the measured values.
    pub data: Option<(Vec<Vec<f64>>, Vec<f64>)>,
    /// Named boundary pieces of a `[geometry]` region (instead of box faces).
    pub boundary: Vec<String>,
    /// The equations are the spatial gradient; the residual is its outward normal component.
    pub normal_derivative: bool,
    /// Keeps only boundary points where this expression of the coordinates vanishes
    /// (a boundary given as `on = ["x == -1"]`).
    pub predicate: Option<Program>,
}

/// Where the reference solution comes from.
#[derive(Clone, Debug)]
pub enum Reference {
    /// HDF5 file with one dataset per axis and per field.
    File(PathBuf),
    /// One closed-form expression per field.
    Analytic(Vec<Program>),
}

/// A validated problem, ready for a method to build its loss from.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The problem file (relative paths in it are relative to its folder).
    pub path: PathBuf,
    /// The file as read, with every default filled in.
    pub spec: ProblemSpec,
    /// The coordinate names in domain order (x, y, z, then t).
    pub axes: Vec<String>,
    /// Which axis is time, if any.
    pub time_axis: Option<usize>,
    /// The bounding box of space (and time).
    pub domain: BoxDomain,
    /// The spatial region, when it is not the box itself.
    pub region: Option<Region>,
    /// The names expressions may use: coordinates, fields, constants, unknowns.
    pub symbols: Symbols,
    /// Initial guesses of the unknown parameters (inverse problems), in `symbols.trainable` order.
    pub unknown_initial: Vec<f64>,
    /// The PDE residuals, compiled, one per equation.
    pub residuals: Vec<Program>,
    /// The initial, boundary and data conditions, compiled.
    pub conditions: Vec<Condition>,
    /// Where the reference solution comes from, if known.
    pub reference: Option<Reference>,
    /// The method that solves the problem, with its settings resolved.
    pub method: Method,
    /// `[model] inputs` and `[model] output`, compiled.
    pub model: ModelExpressions,
}

/// The method of `[method] kind`, with what it needs resolved: the one place after reading
/// the file that says which method runs.
#[derive(Clone, Debug)]
pub enum Method {
    /// A PINN; causal when `causal` is given.
    Pinn {
        /// `[method.causal]`, with a time axis.
        causal: Option<CausalSpec>,
    },
    /// A Lagrangian PINN: the PDE on characteristics.
    Lpinn(Box<Lagrangian>),
    /// Hard constraints solved per expert block.
    MoeHc(HardConstraintSpec),
    /// INSR: a spatial network advanced by a time integrator.
    Insr(Box<Insr>),
}

impl Method {
    /// The kind, as `[method] kind` names it.
    pub fn kind(&self) -> MethodKind {
        match self {
            Method::Pinn { .. } => MethodKind::Pinn,
            Method::Lpinn(_) => MethodKind::Lpinn,
            Method::MoeHc(_) => MethodKind::MoeHc,
            Method::Insr(_) => MethodKind::Insr,
        }
    }

    /// The characteristics' problem of a Lagrangian PINN.
    pub fn lagrangian(&self) -> Option<&Lagrangian> {
        match self {
            Method::Lpinn(l) => Some(l),
            _ => None,
        }
    }

    /// The time stepping of INSR.
    pub fn insr(&self) -> Option<&Insr> {
        match self {
            Method::Insr(i) => Some(i),
            _ => None,
        }
    }

    /// The hard constraint's settings.
    pub fn hard_constraint(&self) -> Option<&HardConstraintSpec> {
        match self {
            Method::MoeHc(h) => Some(h),
            _ => None,
        }
    }

    /// The causal schedule of a causal PINN.
    pub fn causal(&self) -> Option<&CausalSpec> {
        match self {
            Method::Pinn { causal } => causal.as_ref(),
            _ => None,
        }
    }
}

impl Problem {
    /// Reads, parses and validates a problem file.
    pub fn load(path: impl AsRef<Path>) -> Result<Problem, ProblemError> {
        let path = path.as_ref().to_path_buf();
        let text = std::fs::read_to_string(&path).map_err(|source| ProblemError::Read {
            path: path.clone(),
            source,
        })?;
        Problem::from_str(&text, &path)
    }

    /// Parses and validates problem text; `path` locates errors and relative files.
    pub fn from_str(text: &str, path: &Path) -> Result<Problem, ProblemError> {
        let spec: ProblemSpec = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(text, s.start));
            ProblemError::At {
                path: path.to_path_buf(),
                line,
                column,
                message: e
                    .message()
                    .trim()
                    .lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("; "),
            }
        })?;
        Resolver { text, path }.resolve(spec)
    }

    /// Number of axes, space and time.
    pub fn dims(&self) -> usize {
        self.axes.len()
    }
}

/// The space a problem lives in, as condition resolution needs it.
struct Space<'a> {
    axes: &'a [String],
    time_axis: Option<usize>,
    domain: &'a BoxDomain,
    region: &'a Option<Region>,
}

struct Resolver<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Resolver<'_> {
    fn key(&self, key: impl Into<String>, message: impl Into<String>) -> ProblemError {
        ProblemError::Key {
            path: self.path.to_path_buf(),
            key: key.into(),
            message: message.into(),
        }
    }

    /// Compiles an expression written as a TOML string; errors point inside the string.
    fn compile(&self, expr: &Spanned<String>, symbols: &Symbols) -> Result<Program, ProblemError> {
        Program::compile(expr.get_ref(), symbols).map_err(|e| self.located(expr, e))
    }

    /// An error in an expression written as a TOML string, at its line and column in the file.
    fn located(&self, expr: &Spanned<String>, e: ExprError) -> ProblemError {
        // The span includes the opening quote.
        let (line, column) = line_column(
            self.text,
            expr.span().start + 1 + e.column.saturating_sub(1),
        );
        ProblemError::At {
            path: self.path.to_path_buf(),
            line,
            column,
            message: e.to_string(),
        }
    }

    fn resolve(&self, spec: ProblemSpec) -> Result<Problem, ProblemError> {
        // Axes, in x, y, z, t order: spatial ones from [domain] or from [geometry].
        for name in spec.domain.keys() {
            if !AXES.contains(&name.as_str()) {
                return Err(self.key(
                    format!("domain.{name}"),
                    "unknown axis; expected x, y, z or t",
                ));
            }
        }
        let region = spec
            .geometry
            .as_ref()
            .map(|g| self.region(g, "geometry"))
            .transpose()?;
        if let Some(r) = &region {
            if spec.domain.keys().any(|k| k != "t") {
                return Err(self.key("domain", "with a [geometry], [domain] takes only the time axis t (the region gives x, y, z)"));
            }
            if r.bounds()
                .0
                .iter()
                .zip(&r.bounds().1)
                .any(|(l, h)| l.partial_cmp(h) != Some(std::cmp::Ordering::Less))
            {
                return Err(self.key("geometry", "the region is empty or degenerate"));
            }
        }
        let spatial: Vec<String> = match &region {
            Some(r) => AXES[..r.dims()].iter().map(|a| a.to_string()).collect(),
            None => AXES[..3]
                .iter()
                .filter(|a| spec.domain.contains_key(**a))
                .map(|a| a.to_string())
                .collect(),
        };
        if spatial.is_empty() {
            return Err(self.key("domain", "no spatial axis; expected e.g. x = [-1.0, 1.0] (and t = [0.0, 1.0]), or a [geometry]"));
        }
        let mut axes = spatial;
        if spec.domain.contains_key("t") {
            axes.push("t".into());
        }
        let (mut lo, mut hi) = region.as_ref().map_or((vec![], vec![]), |r| r.bounds());
        for a in axes.iter().skip(lo.len()) {
            let [l, h] = spec.domain[a];
            if !(l.is_finite() && h.is_finite() && l < h) {
                return Err(self.key(format!("domain.{a}"), format!("[{l}, {h}] is empty or not finite; expected [lower, upper] with lower < upper")));
            }
            lo.push(l);
            hi.push(h);
        }
        let time_axis = axes.iter().position(|a| a == "t");
        let domain = BoxDomain::new(lo, hi);

        // Fields and parameters.
        for f in &spec.fields.names {
            if f.is_empty()
                || !f.chars().all(|c| c.is_ascii_alphanumeric())
                || f.contains('_')
                || AXES.contains(&f.as_str())
            {
                return Err(self.key("fields.names", format!("`{f}` is not a usable field name; expected letters and digits, not a coordinate")));
            }
        }
        if spec.fields.names.is_empty() {
            return Err(self.key("fields.names", "no fields; expected e.g. names = [\"u\"]"));
        }
        let mut symbols = Symbols {
            coords: axes.clone(),
            time_axis,
            fields: spec.fields.names.clone(),
            constants: vec![],
            trainable: vec![],
        };
        let mut unknown_initial = Vec::new();
        let mut pending: Vec<(&String, Spanned<String>)> = Vec::new();
        for (name, p) in &spec.parameters {
            let key = format!("parameters.{name}");
            if AXES.contains(&name.as_str()) || spec.fields.names.contains(name) || name == "pi" {
                return Err(self.key(key, "this name is already a coordinate, a field or pi"));
            }
            match p.get_ref() {
                toml::Value::Integer(v) => symbols.constants.push((name.clone(), *v as f64)),
                toml::Value::Float(v) if v.is_finite() => symbols.constants.push((name.clone(), *v)),
                toml::Value::Float(_) => return Err(self.key(key, "not a finite number")),
                toml::Value::String(e) => pending.push((name, Spanned::new(p.span(), e.clone()))),
                toml::Value::Table(t) if t.get("unknown").and_then(toml::Value::as_bool) == Some(true) => {
                    let initial = t.get("initial").and_then(|v| v.as_float().or(v.as_integer().map(|i| i as f64)));
                    match (initial, t.len()) {
                        (Some(v), 2) if v.is_finite() => {
                            symbols.trainable.push(name.clone());
                            unknown_initial.push(v);
                        }
                        _ => return Err(self.key(key, "expected { unknown = true, initial = <number> }")),
                    }
                }
                _ => return Err(self.key(key, "expected a number, an expression such as \"0.01/pi\", or { unknown = true, initial = <number> }")),
            }
        }
        // Parameter expressions may use pi and other known parameters, in any order.
        while !pending.is_empty() {
            let before = pending.len();
            let constants_only = Symbols {
                constants: symbols.constants.clone(),
                ..Default::default()
            };
            let mut still = Vec::new();
            for (name, e) in pending {
                match Program::compile(e.get_ref(), &constants_only)
                    .ok()
                    .and_then(|p| p.constant())
                {
                    Some(v) if v.is_finite() => symbols.constants.push((name.clone(), v)),
                    Some(_) => {
                        return Err(self.key(
                            format!("parameters.{name}"),
                            format!("`{}` is not finite", e.get_ref()),
                        ))
                    }
                    None => still.push((name, e)),
                }
            }
            if still.len() == before {
                let (_, e) = &still[0];
                let err = self.compile(e, &constants_only).err();
                return Err(err.unwrap_or_else(|| {
                    self.key("parameters", "parameters refer to each other in a cycle")
                }));
            }
            pending = still;
        }

        // The PDE.
        if spec.pde.residuals.is_empty() && spec.pde.energy.is_none() {
            return Err(self.key(
                "pde.residuals",
                "no residual; expected e.g. residuals = [\"u_t - u_xx\"]",
            ));
        }
        let residuals = spec
            .pde
            .residuals
            .iter()
            .map(|r| self.compile(r, &symbols))
            .collect::<Result<Vec<_>, _>>()?;

        // Conditions.
        let coords_only = Symbols {
            fields: vec![],
            trainable: vec![],
            ..symbols.clone()
        };
        let conditions = self.conditions(
            &spec,
            &Space {
                axes: &axes,
                time_axis,
                domain: &domain,
                region: &region,
            },
            &symbols,
            &coords_only,
        )?;

        // Reference.
        let reference = match &spec.reference {
            None => None,
            Some(r) => match (&r.file, &r.analytic) {
                (Some(file), None) => {
                    let full = self.path.parent().unwrap_or(Path::new(".")).join(file);
                    if !full.is_file() {
                        return Err(self.key(
                            "reference.file",
                            format!(
                                "{} does not exist (paths are relative to the problem file)",
                                full.display()
                            ),
                        ));
                    }
                    Some(Reference::File(full))
                }
                (None, Some(exprs)) => {
                    if exprs.len() != spec.fields.names.len() {
                        return Err(self.key(
                            "reference.analytic",
                            format!(
                                "expected one expression per field ({}), got {}",
                                spec.fields.names.len(),
                                exprs.len()
                            ),
                        ));
                    }
                    Some(Reference::Analytic(
                        exprs
                            .iter()
                            .map(|e| self.compile(e, &coords_only))
                            .collect::<Result<_, _>>()?,
                    ))
                }
                _ => return Err(self.key("reference", "give exactly one of `file` or `analytic`")),
            },
        };

        self.check_settings(&spec, &axes)?;
        let model = self.model_expressions(&spec, &symbols)?;
        self.check_hard_constraint(&spec, &axes, &symbols.trainable, &conditions)?;
        let lagrangian = self.lagrangian(
            &spec,
            &axes,
            &domain,
            &symbols,
            &unknown_initial,
            &conditions,
        )?;
        let insr = match time_axis {
            Some(t) => (domain.lo[t], domain.hi[t]),
            None => (0.0, 0.0),
        };
        let insr = self.insr(
            &spec,
            &axes,
            time_axis,
            insr,
            &symbols,
            &residuals,
            &conditions,
        )?;
        let method = match (lagrangian, insr) {
            (Some(l), _) => Method::Lpinn(Box::new(l)),
            (_, Some(i)) => Method::Insr(Box::new(i)),
            _ if spec.method.kind == MethodKind::MoeHc => {
                Method::MoeHc(spec.method.hard_constraint.clone())
            }
            _ => Method::Pinn {
                causal: spec.method.causal.clone(),
            },
        };
        Ok(Problem {
            method,
            region,
            path: self.path.to_path_buf(),
            spec,
            axes,
            time_axis,
            domain,
            symbols,
            unknown_initial,
            residuals,
            conditions,
            reference,
            model,
        })
    }
}
