//! A problem file resolved: axes, symbols, compiled residuals and conditions, reference.

use crate::error::{line_column, ProblemError};
use crate::spec::{ConditionKind, ProblemSpec, ShapeSpec};
use crate::{BoxDomain, Face, Region};
use operators::expr::{Program, Symbols};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Axis names in the order the network sees them.
pub const AXES: [&str; 4] = ["x", "y", "z", "t"];
/// Boundary names of the lower and upper face of x, y, z.
pub const FACE_NAMES: [(&str, &str); 3] = [("left", "right"), ("bottom", "top"), ("back", "front")];

/// One loss term's worth of condition: equations that should equal a target on some points.
#[derive(Clone, Debug)]
pub struct Condition {
    pub name: String,
    pub kind: ConditionKind,
    pub weight: f64,
    pub points: usize,
    /// Faces the points lie on (initial: the lower time face).
    pub faces: Vec<Face>,
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
    pub path: PathBuf,
    /// The file as read, with every default filled in.
    pub spec: ProblemSpec,
    pub axes: Vec<String>,
    pub time_axis: Option<usize>,
    /// The bounding box of space (and time).
    pub domain: BoxDomain,
    /// The spatial region, when it is not the box itself.
    pub region: Option<crate::Region>,
    pub symbols: Symbols,
    /// Initial guesses of the unknown parameters (inverse problems), in `symbols.trainable` order.
    pub unknown_initial: Vec<f64>,
    pub residuals: Vec<Program>,
    pub conditions: Vec<Condition>,
    pub reference: Option<Reference>,
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

    pub fn dims(&self) -> usize {
        self.axes.len()
    }
}

/// Reads `axes` and `field` columns of a CSV file with a header line.
fn read_csv(
    path: &Path,
    axes: &[String],
    field: &str,
) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty file")?
        .split(',')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no column `{name}` (header: {})", header.join(",")))
    };
    let cols: Vec<usize> = axes.iter().map(|a| column(a)).collect::<Result<_, _>>()?;
    let fcol = column(field)?;
    let (mut points, mut values) = (Vec::new(), Vec::new());
    for (i, line) in lines.enumerate() {
        let cells: Vec<f64> = line
            .split(',')
            .map(|c| c.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("data line {}: expected numbers, got `{line}`", i + 1))?;
        if cells.len() != header.len() || cells.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "data line {}: expected {} finite numbers, got `{line}`",
                i + 1,
                header.len()
            ));
        }
        points.push(cols.iter().map(|&c| cells[c]).collect());
        values.push(cells[fcol]);
    }
    if values.is_empty() {
        return Err("no data lines".into());
    }
    Ok((points, values))
}

/// Reads 1-D datasets named like `axes` and `field` (one entry per point) from an HDF5 file.
fn read_h5_points(
    path: &Path,
    axes: &[String],
    field: &str,
) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    let file = hdf5::File::open(path).map_err(|e| format!("cannot open as HDF5: {e}"))?;
    let read = |name: &str| -> Result<Vec<f64>, String> {
        let ds = file
            .dataset(name)
            .map_err(|_| format!("no dataset `{name}`"))?;
        let v: Vec<f64> = ds
            .read_raw()
            .map_err(|e| format!("dataset `{name}`: {e}"))?;
        if v.iter().any(|x| !x.is_finite()) {
            return Err(format!("dataset `{name}` holds non-finite values"));
        }
        Ok(v)
    };
    let values = read(field)?;
    let columns: Vec<Vec<f64>> = axes.iter().map(|a| read(a)).collect::<Result<_, _>>()?;
    if values.is_empty() || columns.iter().any(|c| c.len() != values.len()) {
        return Err(format!(
            "datasets {} and `{field}` must hold the same, positive number of points",
            axes.join(", ")
        ));
    }
    Ok((
        (0..values.len())
            .map(|i| columns.iter().map(|c| c[i]).collect())
            .collect(),
        values,
    ))
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
        Program::compile(expr.get_ref(), symbols).map_err(|e| {
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
        })
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
        if spec.pde.residuals.is_empty() {
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
        let mut conditions = Vec::new();
        for (i, c) in spec.conditions.iter().enumerate() {
            let key = format!("conditions[{i}]");
            let field = match &c.field {
                None => spec.fields.names[0].clone(),
                Some(f) if spec.fields.names.contains(f) => f.clone(),
                Some(f) => {
                    return Err(self.key(
                        format!("{key}.field"),
                        format!(
                            "`{f}` is not a field (fields: {})",
                            spec.fields.names.join(", ")
                        ),
                    ))
                }
            };
            let target = c
                .value
                .as_ref()
                .map(|v| self.compile(v, &coords_only))
                .transpose()?;
            let program = |text: &str| {
                Program::compile(text, &symbols).expect("generated condition expressions are valid")
            };
            match c.kind {
                ConditionKind::Initial => {
                    let t = time_axis.ok_or_else(|| {
                        self.key(
                            &key,
                            "an initial condition needs a time axis `t` in [domain]",
                        )
                    })?;
                    let faces = vec![Face {
                        axis: t,
                        upper: false,
                    }];
                    conditions.push(Condition {
                        name: format!("initial {field}"),
                        kind: c.kind,
                        weight: c.weight,
                        points: c.points,
                        faces: faces.clone(),
                        equations: vec![program(&field)],
                        target,
                        periodic_axis: None,
                        data: None,
                        boundary: vec![],
                        normal_derivative: false,
                        predicate: None,
                    });
                    if let Some(rate) = &c.rate {
                        let target = Some(self.compile(rate, &coords_only)?);
                        conditions.push(Condition {
                            name: format!("initial {field}_t"),
                            kind: c.kind,
                            weight: c.weight,
                            points: c.points,
                            faces,
                            equations: vec![program(&format!("{field}_t"))],
                            target,
                            periodic_axis: None,
                            data: None,
                            boundary: vec![],
                            normal_derivative: false,
                            predicate: None,
                        });
                    }
                }
                ConditionKind::Dirichlet | ConditionKind::Neumann => {
                    if c.on.is_empty() {
                        return Err(self.key(
                            format!("{key}.on"),
                            "no boundaries; expected e.g. on = [\"left\", \"right\"]",
                        ));
                    }
                    let predicate = match c.on.iter().find(|o| o.contains("==")) {
                        None => None,
                        Some(text) => Some(self.predicate(
                            text,
                            c.on.len(),
                            &coords_only,
                            &format!("{key}.on"),
                        )?),
                    };
                    // Predicates select among all boundary points, of the region or of the box.
                    let spatial_dims = axes.len() - usize::from(time_axis.is_some());
                    let boxed = || Region::Box {
                        lo: domain.lo[..spatial_dims].to_vec(),
                        hi: domain.hi[..spatial_dims].to_vec(),
                    };
                    let selection = region
                        .clone()
                        .or_else(|| predicate.as_ref().map(|_| boxed()));
                    if let Some(r) = &selection {
                        let known = r.boundary_names();
                        if let Some(pred) = &predicate {
                            self.check_predicate_selects(r, pred, &c.on[0], &format!("{key}.on"))?;
                        }
                        if let Some(name) =
                            c.on.iter()
                                .find(|n| predicate.is_none() && !known.contains(n))
                        {
                            return Err(self.key(
                                format!("{key}.on"),
                                format!(
                                    "`{name}` is not a boundary of the geometry (boundaries: {})",
                                    known.join(", ")
                                ),
                            ));
                        }
                        let neumann = c.kind == ConditionKind::Neumann;
                        let equations = match neumann {
                            true => axes
                                .iter()
                                .filter(|a| *a != "t")
                                .map(|a| program(&format!("{field}_{a}")))
                                .collect(),
                            false => vec![program(&field)],
                        };
                        let kind = if neumann { "neumann" } else { "dirichlet" };
                        conditions.push(Condition {
                            name: format!("{kind} {field} on {}", c.on.join(", ")),
                            kind: c.kind,
                            weight: c.weight,
                            points: c.points,
                            faces: vec![],
                            equations,
                            target,
                            periodic_axis: None,
                            data: None,
                            boundary: if predicate.is_some() {
                                known.clone()
                            } else {
                                c.on.clone()
                            },
                            normal_derivative: neumann,
                            predicate: predicate.clone(),
                        });
                        continue;
                    }
                    let faces =
                        c.on.iter()
                            .map(|name| self.face(name, &axes, &format!("{key}.on")))
                            .collect::<Result<Vec<_>, _>>()?;
                    if c.kind == ConditionKind::Dirichlet {
                        conditions.push(Condition {
                            name: format!("dirichlet {field} on {}", c.on.join(", ")),
                            kind: c.kind,
                            weight: c.weight,
                            points: c.points,
                            faces,
                            equations: vec![program(&field)],
                            target,
                            periodic_axis: None,
                            data: None,
                            boundary: vec![],
                            normal_derivative: false,
                            predicate: None,
                        });
                    } else {
                        // The outward normal derivative: −∂/∂x_a on the lower face, +∂/∂x_a on the upper.
                        for (face, name) in faces.into_iter().zip(&c.on) {
                            let sign = if face.upper { "" } else { "-" };
                            let eq = program(&format!("{sign}{field}_{}", axes[face.axis]));
                            conditions.push(Condition {
                                name: format!("neumann {field} on {name}"),
                                kind: c.kind,
                                weight: c.weight,
                                points: c.points / c.on.len().max(1),
                                faces: vec![face],
                                equations: vec![eq],
                                target: target.clone(),
                                periodic_axis: None,
                                data: None,
                                boundary: vec![],
                                normal_derivative: false,
                                predicate: None,
                            });
                        }
                    }
                }
                ConditionKind::Data => {
                    let file = c.file.as_ref().ok_or_else(|| {
                        self.key(
                            format!("{key}.file"),
                            "a data condition needs a file (.csv or .h5)",
                        )
                    })?;
                    let full = self.path.parent().unwrap_or(Path::new(".")).join(file);
                    let is_h5 = full.extension().is_some_and(|e| e == "h5" || e == "hdf5");
                    let read = if is_h5 { read_h5_points } else { read_csv };
                    let (points, values) = read(&full, &axes, &field).map_err(|m| {
                        self.key(format!("{key}.file"), format!("{}: {m}", full.display()))
                    })?;
                    let name = format!("data {field} ({} points)", values.len());
                    conditions.push(Condition {
                        name,
                        kind: c.kind,
                        weight: c.weight,
                        points: values.len(),
                        faces: vec![],
                        equations: vec![program(&field)],
                        target: None,
                        periodic_axis: None,
                        data: Some((points, values)),
                        boundary: vec![],
                        normal_derivative: false,
                        predicate: None,
                    });
                }
                ConditionKind::Periodic => {
                    if region.is_some() {
                        return Err(self.key(
                            &key,
                            "periodic conditions need a box domain (use [domain], not [geometry])",
                        ));
                    }
                    if c.value.is_some() {
                        return Err(self.key(
                            format!("{key}.value"),
                            "a periodic condition takes no value",
                        ));
                    }
                    for name in &c.on {
                        let axis = axes.iter().position(|a| a == name).filter(|&a| Some(a) != time_axis).ok_or_else(|| self.key(format!("{key}.on"), format!("`{name}` is not a spatial axis (periodic conditions name axes: {})", axes.iter().filter(|a| *a != "t").cloned().collect::<Vec<_>>().join(", "))))?;
                        let equations = vec![program(&field), program(&format!("{field}_{name}"))];
                        conditions.push(Condition {
                            name: format!("periodic {field} in {name}"),
                            kind: c.kind,
                            weight: c.weight,
                            points: c.points,
                            faces: vec![],
                            equations,
                            target: None,
                            periodic_axis: Some(axis),
                            data: None,
                            boundary: vec![],
                            normal_derivative: false,
                            predicate: None,
                        });
                    }
                }
            }
        }

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
        Ok(Problem {
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
        })
    }

    fn region(&self, g: &ShapeSpec, key: &str) -> Result<Region, ProblemError> {
        let positive = |r: f64, k: &str| {
            if r > 0.0 && r.is_finite() {
                Ok(r)
            } else {
                Err(self.key(format!("{key}.{k}"), "expected a positive radius"))
            }
        };
        // Union, intersection or difference of two sub-shapes of the same dimension.
        let combine = |op: fn(Box<Region>, Box<Region>) -> Region,
                       a: &ShapeSpec,
                       b: &ShapeSpec|
         -> Result<Region, ProblemError> {
            let (ra, rb) = (
                self.region(a, &format!("{key}.a"))?,
                self.region(b, &format!("{key}.b"))?,
            );
            if ra.dims() != rb.dims() {
                return Err(self.key(
                    key,
                    format!("`a` is {}D and `b` is {}D", ra.dims(), rb.dims()),
                ));
            }
            Ok(op(Box::new(ra), Box::new(rb)))
        };
        Ok(match g {
            ShapeSpec::Box { lo, hi } => {
                if lo.len() != hi.len()
                    || lo.is_empty()
                    || lo.len() > 3
                    || lo
                        .iter()
                        .zip(hi)
                        .any(|(l, h)| l.partial_cmp(h) != Some(std::cmp::Ordering::Less))
                {
                    return Err(self.key(
                        key,
                        "a box needs lo and hi of equal length (1 to 3) with lo < hi",
                    ));
                }
                Region::Box {
                    lo: lo.clone(),
                    hi: hi.clone(),
                }
            }
            ShapeSpec::Disk {
                center,
                radius,
                name,
            } => Region::Ball {
                center: center.to_vec(),
                radius: positive(*radius, "radius")?,
                name: name.clone(),
            },
            ShapeSpec::Ball {
                center,
                radius,
                name,
            } => Region::Ball {
                center: center.to_vec(),
                radius: positive(*radius, "radius")?,
                name: name.clone(),
            },
            ShapeSpec::Polygon { vertices, name } => {
                if vertices.len() < 3 {
                    return Err(self.key(
                        format!("{key}.vertices"),
                        "a polygon needs at least 3 vertices",
                    ));
                }
                Region::Polygon {
                    vertices: vertices.clone(),
                    name: name.clone(),
                }
            }
            ShapeSpec::Union { a, b } => combine(Region::Union, a, b)?,
            ShapeSpec::Intersection { a, b } => combine(Region::Intersection, a, b)?,
            ShapeSpec::Difference { a, b } => combine(Region::Difference, a, b)?,
        })
    }

    /// `lhs == rhs` as the program lhs − rhs over the coordinates.
    fn predicate(
        &self,
        text: &str,
        entries: usize,
        coords: &Symbols,
        key: &str,
    ) -> Result<Program, ProblemError> {
        if entries != 1 {
            return Err(self.key(key, "a predicate selects the boundary by itself; give it alone, e.g. on = [\"x == -1\"]"));
        }
        let (lhs, rhs) = text.split_once("==").expect("contains ==");
        Program::compile(&format!("({}) - ({})", lhs.trim(), rhs.trim()), coords)
            .map_err(|e| self.key(key, format!("predicate `{text}`: {}", e.message)))
    }

    /// A predicate must select some of the boundary (not, say, a single corner).
    fn check_predicate_selects(
        &self,
        r: &Region,
        pred: &Program,
        text: &str,
        key: &str,
    ) -> Result<(), ProblemError> {
        let mut rng = operators::Rng::new(0);
        let names = r.boundary_names();
        let rows: Vec<Vec<f64>> = r
            .sample_boundary(400, &names, &mut rng)
            .into_iter()
            .map(|b| b.point)
            .collect();
        let dims = rows[0].len();
        let points = operators::Points::<f64>::from_rows(&rows);
        // Time-dependent predicates are evaluated at the domain's start time.
        let coords = if pred
            .ops()
            .iter()
            .any(|op| matches!(op, operators::expr::Op::Coord(a) if *a >= dims))
        {
            return Err(self.key(
                key,
                format!("predicate `{text}` may use the spatial coordinates only"),
            ));
        } else {
            points
        };
        let size = {
            let (lo, hi) = r.bounds();
            lo.iter().zip(&hi).map(|(a, b)| b - a).fold(0.0, f64::max)
        };
        let hits = pred
            .eval_at_points(&coords)
            .iter()
            .filter(|v| v.abs() <= 1e-9 * size)
            .count();
        if hits < 4 {
            return Err(self.key(
                key,
                format!(
                    "predicate `{text}` selects no part of the boundary (boundaries: {})",
                    names.join(", ")
                ),
            ));
        }
        Ok(())
    }

    fn face(&self, name: &str, axes: &[String], key: &str) -> Result<Face, ProblemError> {
        for (i, (lower, upper)) in FACE_NAMES.iter().enumerate() {
            let axis = axes.iter().position(|a| a == AXES[i]);
            match axis {
                Some(axis) if name == *lower => return Ok(Face { axis, upper: false }),
                Some(axis) if name == *upper => return Ok(Face { axis, upper: true }),
                _ => {}
            }
        }
        let known: Vec<&str> = FACE_NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| axes.iter().any(|a| a == AXES[*i]))
            .flat_map(|(_, (l, u))| [*l, *u])
            .collect();
        Err(self.key(
            key,
            format!(
                "`{name}` is not a boundary of this domain (boundaries: {})",
                known.join(", ")
            ),
        ))
    }

    fn check_settings(&self, spec: &ProblemSpec, axes: &[String]) -> Result<(), ProblemError> {
        let m = &spec.model;
        if !["mlp", "modified_mlp", "siren"].contains(&m.kind.as_str()) {
            return Err(self.key(
                "model.kind",
                format!(
                    "`{}` is not a model; expected mlp, modified_mlp or siren",
                    m.kind
                ),
            ));
        }
        if operators::Activation::from_name(&m.activation).is_none() {
            return Err(self.key(
                "model.activation",
                format!(
                    "`{}` is not an activation; expected tanh, sin or sigmoid",
                    m.activation
                ),
            ));
        }
        if m.hidden.is_empty() || m.hidden.contains(&0) {
            return Err(self.key(
                "model.hidden",
                "expected at least one hidden layer, each of positive width",
            ));
        }
        if m.kind == "modified_mlp" && m.hidden.iter().any(|&w| w != m.hidden[0]) {
            return Err(self.key("model.hidden", "a modified MLP needs equal hidden widths"));
        }
        if let Some(crate::spec::EmbeddingSpec::Periodic { axes: names, .. }) = &m.embedding {
            for a in names {
                if !axes.contains(a) || a == "t" {
                    return Err(self.key(
                        "model.embedding.axes",
                        format!("`{a}` is not a spatial axis of the domain"),
                    ));
                }
            }
        }
        if spec.method.kind != "pinn" {
            return Err(self.key(
                "method.kind",
                format!("`{}` is not available yet; expected pinn", spec.method.kind),
            ));
        }
        if spec.method.windows != 1 {
            return Err(self.key("method.windows", "time marching from problem files is not available yet (the Rust API has it: solver::march); expected 1"));
        }
        if spec.method.causal.is_some() && !axes.iter().any(|a| a == "t") {
            return Err(self.key("method.causal", "causal training needs a time axis"));
        }
        let t = &spec.training;
        if !["uniform", "sobol", "grid"].contains(&t.sampling.as_str()) {
            return Err(self.key(
                "training.sampling",
                format!("`{}`: expected uniform, sobol or grid", t.sampling),
            ));
        }
        if !["f32", "f64"].contains(&t.precision.as_str()) {
            return Err(self.key(
                "training.precision",
                format!("`{}`: expected f32 or f64", t.precision),
            ));
        }
        if !(t.learning_rate > 0.0 && t.learning_rate.is_finite()) {
            return Err(self.key("training.learning_rate", "expected a positive number"));
        }
        if t.collocation == 0 {
            return Err(self.key(
                "training.collocation",
                "expected a positive number of points",
            ));
        }
        if let Some(g) = &spec.output.grid {
            if g.len() != axes.len() || g.iter().any(|&n| n < 2) {
                return Err(self.key(
                    "output.grid",
                    format!(
                        "expected {} numbers ≥ 2 (points along {})",
                        axes.len(),
                        axes.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}
