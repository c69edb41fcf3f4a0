//! Conditions of a problem file: initial, Dirichlet, Neumann, periodic and data conditions,
//! on box faces, named region boundaries or boundaries selected by a predicate.

use super::{data, Condition, Resolver, Space};
use crate::error::ProblemError;
use crate::spec::{ConditionKind, ConditionSpec, ProblemSpec};
use crate::{Face, Region, AXES, FACE_NAMES};
use operators::expr::{Program, Symbols};
use std::path::Path;

impl Condition {
    /// A condition with the spec's kind, weight and point count, and nothing else set.
    fn new(
        name: String,
        c: &ConditionSpec,
        equations: Vec<Program>,
        target: Option<Program>,
    ) -> Condition {
        Condition {
            name,
            kind: c.kind,
            weight: c.weight,
            points: c.points,
            faces: vec![],
            equations,
            target,
            periodic_axis: None,
            data: None,
            boundary: vec![],
            normal_derivative: false,
            predicate: None,
        }
    }

    /// Whether this condition gives the field's values at t0 (not its rate).
    pub fn is_initial_value(&self) -> bool {
        self.kind == ConditionKind::Initial
            && self.equations.iter().all(|e| {
                e.partials()
                    .iter()
                    .all(|(_, p)| *p == operators::Partial::VALUE)
            })
    }
}

impl Resolver<'_> {
    pub(super) fn conditions(
        &self,
        spec: &ProblemSpec,
        space: &Space<'_>,
        symbols: &Symbols,
        coords_only: &Symbols,
    ) -> Result<Vec<Condition>, ProblemError> {
        let Space {
            axes,
            time_axis,
            domain,
            region,
        } = *space;
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
            if c.kind != ConditionKind::Robin && (c.alpha.is_some() || c.beta.is_some()) {
                return Err(self.key(
                    &key,
                    "alpha and beta are the coefficients of a robin condition; this one is not",
                ));
            }
            let target = c
                .value
                .as_ref()
                .map(|v| self.compile(v, coords_only))
                .transpose()?;
            let program = |text: &str| {
                Program::compile(text, symbols).expect("generated condition expressions are valid")
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
                        faces: faces.clone(),
                        ..Condition::new(
                            format!("initial {field}"),
                            c,
                            vec![program(&field)],
                            target,
                        )
                    });
                    if let Some(rate) = &c.rate {
                        let target = Some(self.compile(rate, coords_only)?);
                        conditions.push(Condition {
                            faces,
                            ..Condition::new(
                                format!("initial {field}_t"),
                                c,
                                vec![program(&format!("{field}_t"))],
                                target,
                            )
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
                            coords_only,
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
                            boundary: if predicate.is_some() {
                                known.clone()
                            } else {
                                c.on.clone()
                            },
                            normal_derivative: neumann,
                            predicate: predicate.clone(),
                            ..Condition::new(
                                format!("{kind} {field} on {}", c.on.join(", ")),
                                c,
                                equations,
                                target,
                            )
                        });
                        continue;
                    }
                    let faces =
                        c.on.iter()
                            .map(|name| self.face(name, axes, &format!("{key}.on")))
                            .collect::<Result<Vec<_>, _>>()?;
                    if c.kind == ConditionKind::Dirichlet {
                        conditions.push(Condition {
                            faces,
                            ..Condition::new(
                                format!("dirichlet {field} on {}", c.on.join(", ")),
                                c,
                                vec![program(&field)],
                                target,
                            )
                        });
                    } else {
                        // The outward normal derivative: −∂/∂x_a on the lower face, +∂/∂x_a on the upper.
                        for (face, name) in faces.into_iter().zip(&c.on) {
                            let sign = if face.upper { "" } else { "-" };
                            let eq = program(&format!("{sign}{field}_{}", axes[face.axis]));
                            conditions.push(Condition {
                                points: c.points / c.on.len().max(1),
                                faces: vec![face],
                                ..Condition::new(
                                    format!("neumann {field} on {name}"),
                                    c,
                                    vec![eq],
                                    target.clone(),
                                )
                            });
                        }
                    }
                }
                ConditionKind::Robin => {
                    if region.is_some() {
                        return Err(self.key(
                            &key,
                            "robin conditions are on box faces (use [domain], not [geometry])",
                        ));
                    }
                    if c.on.is_empty() {
                        return Err(self.key(
                            format!("{key}.on"),
                            "no boundaries; expected e.g. on = [\"right\"]",
                        ));
                    }
                    let coefficient = |name: &str, value: &Option<toml::Spanned<String>>| {
                        let text = value.as_ref().ok_or_else(|| {
                            self.key(
                                format!("{key}.{name}"),
                                "a robin condition needs alpha and beta (alpha·u + beta·∂u/∂n = value)",
                            )
                        })?;
                        self.compile(text, coords_only)?;
                        Ok::<_, ProblemError>(text.get_ref().clone())
                    };
                    let (alpha, beta) = (
                        coefficient("alpha", &c.alpha)?,
                        coefficient("beta", &c.beta)?,
                    );
                    for name in &c.on {
                        let face = self.face(name, axes, &format!("{key}.on"))?;
                        let sign = if face.upper { "" } else { "-" };
                        let eq = program(&format!(
                            "({alpha})*{field} + ({beta})*({sign}{field}_{})",
                            axes[face.axis]
                        ));
                        conditions.push(Condition {
                            points: c.points / c.on.len(),
                            faces: vec![face],
                            ..Condition::new(
                                format!("robin {field} on {name}"),
                                c,
                                vec![eq],
                                target.clone(),
                            )
                        });
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
                    let read = if is_h5 {
                        data::read_h5_points
                    } else {
                        data::read_csv
                    };
                    let (points, values) = read(&full, axes, &field).map_err(|m| {
                        self.key(format!("{key}.file"), format!("{}: {m}", full.display()))
                    })?;
                    let name = format!("data {field} ({} points)", values.len());
                    conditions.push(Condition {
                        points: values.len(),
                        data: Some((points, values)),
                        ..Condition::new(name, c, vec![program(&field)], None)
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
                            periodic_axis: Some(axis),
                            ..Condition::new(
                                format!("periodic {field} in {name}"),
                                c,
                                equations,
                                None,
                            )
                        });
                    }
                }
            }
        }

        Ok(conditions)
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
}
