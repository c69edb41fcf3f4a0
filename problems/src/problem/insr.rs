//! Checks of `[method] kind = "insr"`, and what the time stepper reads: the integrator, the
//! number of steps, the operator each step solves and the initial values.
//!
//! INSR integrates u_t = F(u): every residual must read `u_t + N(u)` for its own field, with
//! no other time derivative, so that a step can put the integrator's difference quotient in
//! the place of u_t.

use super::{Condition, Resolver};
use crate::error::ProblemError;
use crate::spec::{ConditionKind, InsrSpec, Integrator, MethodKind, ProblemSpec};
use operators::expr::{Inputs, Program, Symbols};
use operators::{JetLayout, Partial, Rng};

/// The time stepping of an INSR problem.
#[derive(Clone, Debug)]
pub struct Insr {
    /// `[method.insr]` as written (the integrator, the time step, the solves' settings).
    pub settings: InsrSpec,
    /// The number of time steps.
    pub steps: usize,
    /// One residual per field, read with u_t replaced by the step's difference quotient:
    /// the PDE's residuals, or for the semi-Lagrangian integrator the residual less c·u_x.
    pub operator: Vec<Program>,
    /// The characteristic speed c (semi-Lagrangian only).
    pub speed: Option<Program>,
    /// u0 of every field, in field order: functions of the coordinates.
    pub initial: Vec<Program>,
    /// The stored energy density (incremental potential only).
    pub energy: Option<Program>,
}

impl Resolver<'_> {
    /// The time stepping, when `[method] kind = "insr"`; every restriction of the method is
    /// reported with the key at fault.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn insr(
        &self,
        spec: &ProblemSpec,
        axes: &[String],
        time_axis: Option<usize>,
        span: (f64, f64),
        symbols: &Symbols,
        residuals: &[Program],
        conditions: &[Condition],
    ) -> Result<Option<Insr>, ProblemError> {
        if spec.method.kind != MethodKind::Insr {
            return Ok(None);
        }
        let kind = "method.kind";
        let Some(t_axis) = time_axis else {
            return Err(self.key(
                kind,
                "INSR advances a field in time: the domain needs a t axis",
            ));
        };
        if spec.geometry.is_some() {
            return Err(self.key(kind, "INSR samples a box; remove [geometry]"));
        }
        if let Some(name) = symbols.trainable.first() {
            return Err(self.key(
                format!("parameters.{name}"),
                "INSR solves forward problems; unknown parameters need method pinn",
            ));
        }
        if spec.method.causal.is_some() {
            return Err(self.key(
                "method.causal",
                "INSR steps in time; it has no causal weights",
            ));
        }
        if !matches!(
            &spec.reference,
            None | Some(crate::spec::ReferenceSpec {
                analytic: Some(_),
                ..
            })
        ) {
            return Err(self.key(
                "reference",
                "INSR compares its steps against an analytic reference (reference.analytic)",
            ));
        }
        let s = &spec.method.insr;
        let key = |k: &str| format!("method.insr.{k}");
        let integrator = s.integrator;
        let duration = span.1 - span.0;
        let steps = (duration / s.dt).round();
        if s.dt.is_nan()
            || s.dt <= 0.0
            || steps < 1.0
            || (steps * s.dt - duration).abs() > 1e-9 * duration
        {
            return Err(self.key(
                key("dt"),
                format!(
                    "expected a time step that divides the time interval [{}, {}], e.g. dt = {}",
                    span.0,
                    span.1,
                    duration / 100.0
                ),
            ));
        }
        for (k, v) in [
            ("samples", s.samples),
            ("iterations", s.iterations),
            ("patience", s.patience),
            ("output_every", s.output_every),
        ] {
            if v == 0 {
                return Err(self.key(key(k), "expected a positive number"));
            }
        }
        if s.learning_rate.is_nan() || s.learning_rate <= 0.0 {
            return Err(self.key(key("learning_rate"), "expected a positive number"));
        }

        let stepping = |initial, energy| Insr {
            settings: s.clone(),
            steps: steps as usize,
            operator: vec![],
            speed: None,
            initial,
            energy,
        };
        match integrator {
            Integrator::Splitting => {
                let initial = self.check_euler(axes, symbols, residuals, conditions)?;
                return Ok(Some(stepping(initial, None)));
            }
            Integrator::IncrementalPotential => {
                let (initial, energy) =
                    self.check_elastic(spec, axes, t_axis, symbols, conditions)?;
                return Ok(Some(stepping(initial, Some(energy))));
            }
            _ => {}
        }
        if spec.pde.energy.is_some() {
            return Err(self.key(
                "pde.energy",
                "a stored energy is minimized by integrator = \"incremental_potential\"",
            ));
        }

        // Residuals: u_t + N(u), one per field.
        if residuals.len() != symbols.fields.len() {
            return Err(self.key(
                "pde.residuals",
                format!(
                    "INSR needs one residual per field (u_t + …), got {} for {} fields",
                    residuals.len(),
                    symbols.fields.len()
                ),
            ));
        }
        let rate = Partial::axis(t_axis);
        for (i, r) in residuals.iter().enumerate() {
            if let Some((_, p)) = r
                .partials()
                .into_iter()
                .find(|(_, p)| p.count(t_axis) > 0 && *p != rate)
            {
                return Err(self.key(
                    format!("pde.residuals[{i}]"),
                    format!("`{}` reads the time derivative {p:?}; INSR integrates first-order systems u_t = F(u) (write u_tt = … as two fields)", r.source()),
                ));
            }
            if !rate_coefficients_are_unit(r, i, symbols.fields.len(), axes.len(), t_axis) {
                return Err(self.key(
                    format!("pde.residuals[{i}]"),
                    format!(
                        "`{}` must read {}_t + (terms without time derivatives)",
                        r.source(),
                        symbols.fields[i]
                    ),
                ));
            }
        }

        // Conditions: one initial value per field; boundary conditions on box faces.
        let mut initial: Vec<Option<Program>> = vec![None; symbols.fields.len()];
        for (i, c) in conditions.iter().enumerate() {
            let at = format!("conditions[{i}].kind");
            match c.kind {
                ConditionKind::Initial if c.is_initial_value() => {
                    let field = c.equations[0].partials()[0].0;
                    initial[field] = Some(c.target.clone().unwrap_or_else(|| {
                        Program::compile("0", &Symbols::default()).expect("a number compiles")
                    }));
                }
                ConditionKind::Initial => return Err(self.key(
                    at,
                    "INSR starts from initial values; an initial rate needs a first-order system",
                )),
                ConditionKind::Periodic | ConditionKind::Data => {
                    return Err(self.key(
                        at,
                        "INSR takes initial, Dirichlet, Neumann and Robin conditions",
                    ))
                }
                _ => {}
            }
        }
        let initial = initial
            .into_iter()
            .zip(&symbols.fields)
            .map(|(p, f)| {
                p.ok_or_else(|| {
                    self.key(
                        "conditions",
                        format!("INSR needs the initial values of `{f}` (kind = \"initial\")"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;

        // The semi-Lagrangian integrator: 1-D advection along c.
        let (operator, speed) = match integrator {
            Integrator::SemiLagrangian => {
                let speed_key = "method.speed";
                let text = spec.method.speed.as_ref().ok_or_else(|| {
                    self.key(speed_key, "the semi-Lagrangian integrator needs the characteristic speed c of u_t + c·u_x + …, e.g. speed = \"0.25\"")
                })?;
                if axes.len() != 2 || symbols.fields.len() != 1 {
                    return Err(self.key(
                        key("integrator"),
                        "the semi-Lagrangian integrator advects one field in one space dimension",
                    ));
                }
                let speed = self.compile(text, symbols)?;
                if speed.partials().iter().any(|(_, p)| *p != Partial::VALUE) {
                    return Err(self.key(
                        speed_key,
                        "the speed may read fields and coordinates, not derivatives",
                    ));
                }
                let rest = format!(
                    "({}) - ({})*{}_{}",
                    residuals[0].source(),
                    text.get_ref(),
                    symbols.fields[0],
                    axes[0]
                );
                let rest =
                    Program::compile(&rest, symbols).expect("the residual and the speed compiled");
                (vec![rest], Some(speed))
            }
            _ => (residuals.to_vec(), None),
        };
        Ok(Some(Insr {
            operator,
            speed,
            ..stepping(initial, None)
        }))
    }
}

/// Whether `r`, at random jets, changes by exactly 1 with the rate of field `own` and not at
/// all with the other fields' rates: r = u_t + N(u).
fn rate_coefficients_are_unit(
    r: &Program,
    own: usize,
    fields: usize,
    dims: usize,
    t_axis: usize,
) -> bool {
    let partials: Vec<Partial> = r.partials().into_iter().map(|(_, p)| p).collect();
    let layout = JetLayout::new(dims, &partials);
    let n = 4;
    let mut rng = Rng::new(7);
    let mut jets: Vec<f64> = (0..layout.len() * n * fields)
        .map(|_| rng.uniform_in(0.5, 1.5))
        .collect();
    let x: Vec<f64> = (0..dims * n).map(|_| rng.uniform_in(0.1, 0.9)).collect();
    let rate = layout.slot(&Partial::axis(t_axis));
    let eval = |jets: &[f64]| {
        let mut regs = vec![0.0; r.registers() * n];
        let inp = Inputs {
            n,
            layout: &layout,
            jets,
            x: &x,
            params: &[],
        };
        r.eval(&inp, &mut regs).to_vec()
    };
    let Some(rate) = rate else {
        return false;
    };
    let base = eval(&jets);
    (0..fields).all(|f| {
        let range = (f * layout.len() + rate) * n..(f * layout.len() + rate + 1) * n;
        jets[range.clone()].iter_mut().for_each(|v| *v += 1.0);
        let moved = eval(&jets);
        jets[range].iter_mut().for_each(|v| *v -= 1.0);
        let expected = if f == own { 1.0 } else { 0.0 };
        moved
            .iter()
            .zip(&base)
            .all(|(a, b)| ((a - b) - expected).abs() < 1e-9)
    })
}

/// The incompressible Euler equations in 2-D, as the splitting integrator solves them.
const EULER: [&str; 3] = [
    "u_t + u*u_x + v*u_y + p_x",
    "v_t + u*v_x + v*v_y + p_y",
    "u_x + v_y",
];

impl Resolver<'_> {
    /// The splitting integrator solves the incompressible Euler equations in its own form:
    /// the file must state them (fields: two velocity components and the pressure) and give
    /// the initial velocity; every face of the box is a wall. Returns u0 and v0.
    fn check_euler(
        &self,
        axes: &[String],
        symbols: &Symbols,
        residuals: &[Program],
        conditions: &[Condition],
    ) -> Result<Vec<Program>, ProblemError> {
        let f = &symbols.fields;
        let expected = || {
            let names = |text: &str| text.replace('u', "U").replace('v', "V").replace('p', "P");
            EULER
                .iter()
                .map(|e| {
                    names(e)
                        .replace('U', &f[0])
                        .replace('V', &f[1])
                        .replace('P', &f[2])
                })
                .collect::<Vec<_>>()
                .join("\", \"")
        };
        if axes.len() != 3 || f.len() != 3 {
            return Err(self.key(
                "method.insr.integrator",
                "the splitting integrator solves 2-D incompressible flow: axes x, y, t and fields [velocity x, velocity y, pressure]",
            ));
        }
        let mut renamed = symbols.clone();
        renamed.fields = vec!["u".into(), "v".into(), "p".into()];
        let euler: Vec<Program> = EULER
            .iter()
            .map(|e| Program::compile(e, &renamed).expect("the Euler equations compile"))
            .collect();
        if residuals.len() != 3
            || !residuals
                .iter()
                .zip(&euler)
                .all(|(r, e)| same_at_random_jets(r, e, 3))
        {
            return Err(self.key(
                "pde.residuals",
                format!("the splitting integrator solves the incompressible Euler equations; expected [\"{}\"]", expected()),
            ));
        }
        let mut initial = vec![None, None];
        for (i, c) in conditions.iter().enumerate() {
            match c.kind {
                ConditionKind::Initial if c.is_initial_value() => {
                    let field = c.equations[0].partials()[0].0;
                    if field < 2 {
                        initial[field] = c.target.clone();
                    }
                }
                _ => {
                    return Err(self.key(
                        format!("conditions[{i}].kind"),
                        "the splitting integrator takes the initial velocity only: the faces of the box are walls (no penetration)",
                    ))
                }
            }
        }
        initial
            .into_iter()
            .zip(f)
            .map(|(p, name)| {
                p.ok_or_else(|| {
                    self.key(
                        "conditions",
                        format!("the splitting integrator needs the initial values of `{name}`"),
                    )
                })
            })
            .collect()
    }
}

/// Whether two programs over the same symbols agree at random jets and coordinates.
fn same_at_random_jets(a: &Program, b: &Program, dims: usize) -> bool {
    let partials: Vec<Partial> = a
        .partials()
        .into_iter()
        .chain(b.partials())
        .map(|(_, p)| p)
        .collect();
    let layout = JetLayout::new(dims, &partials);
    let (n, fields) = (4, 3);
    let mut rng = Rng::new(11);
    let jets: Vec<f64> = (0..layout.len() * n * fields)
        .map(|_| rng.uniform_in(-1.0, 1.0))
        .collect();
    let x: Vec<f64> = (0..dims * n).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
    let eval = |p: &Program| {
        let mut regs = vec![0.0; p.registers() * n];
        let inp = Inputs {
            n,
            layout: &layout,
            jets: &jets,
            x: &x,
            params: &[],
        };
        p.eval(&inp, &mut regs).to_vec()
    };
    eval(a)
        .iter()
        .zip(eval(b))
        .all(|(x, y)| (x - y).abs() < 1e-9 * (1.0 + y.abs()))
}

impl Resolver<'_> {
    /// The incremental potential: the displacement of a 2-D body (one field per axis), its
    /// stored energy, initial values and fixed (Dirichlet) boundaries. Returns the initial
    /// displacement and the compiled energy density.
    fn check_elastic(
        &self,
        spec: &ProblemSpec,
        axes: &[String],
        t_axis: usize,
        symbols: &Symbols,
        conditions: &[Condition],
    ) -> Result<(Vec<Program>, Program), ProblemError> {
        if axes.len() != 3 || symbols.fields.len() != 2 {
            return Err(self.key(
                "method.insr.integrator",
                "the incremental potential moves a 2-D body: axes x, y, t and two displacement fields",
            ));
        }
        if !spec.pde.residuals.is_empty() {
            return Err(self.key(
                "pde.residuals",
                "the incremental potential minimizes `[pde] energy`; remove the residuals",
            ));
        }
        let text = spec.pde.energy.as_ref().ok_or_else(|| {
            self.key("pde.energy", "the incremental potential needs the stored energy density of the displacement gradient, e.g. energy = \"mu*((1 + u_x)^2 + u_y^2 + v_x^2 + (1 + v_y)^2 - 2)\"")
        })?;
        let energy = self.compile(text, symbols)?;
        if energy.partials().iter().any(|(_, p)| p.count(t_axis) > 0) {
            return Err(self.key(
                "pde.energy",
                "the stored energy reads spatial derivatives only",
            ));
        }
        let s = &spec.method.insr;
        if !s.gravity.is_empty() && s.gravity.len() != 2 {
            return Err(self.key(
                "method.insr.gravity",
                "expected one component per spatial axis, e.g. gravity = [0.0, -9.8]",
            ));
        }
        if s.density.is_nan() || s.density <= 0.0 {
            return Err(self.key("method.insr.density", "expected a positive number"));
        }
        let mut initial: Vec<Option<Program>> = vec![None, None];
        for (i, c) in conditions.iter().enumerate() {
            match c.kind {
                ConditionKind::Initial if c.is_initial_value() => {
                    let field = c.equations[0].partials()[0].0;
                    initial[field] = Some(c.target.clone().unwrap_or_else(|| Program::compile("0", &Symbols::default()).expect("a number compiles")));
                }
                ConditionKind::Dirichlet => {}
                _ => {
                    return Err(self.key(
                        format!("conditions[{i}].kind"),
                        "the incremental potential takes the initial displacement and fixed (Dirichlet) boundaries",
                    ))
                }
            }
        }
        let initial = initial
            .into_iter()
            .zip(&symbols.fields)
            .map(|(p, f)| p.ok_or_else(|| self.key("conditions", format!("the incremental potential needs the initial values of `{f}` (kind = \"initial\")"))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((initial, energy))
    }
}
