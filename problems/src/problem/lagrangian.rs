//! The PDE on characteristics, for Lagrangian PINNs (Mojgani et al.).
//!
//! The unknowns become functions of a label x0 and t: the state u(x0, t) = u^E(X(x0, t), t)
//! and the characteristic X(x0, t) = x0 + scale·ξ(x0, t), with dX/dt = c. The Eulerian
//! derivatives follow by the chain rule through X, so the residual is exact for any speed:
//!   u^E_x  = u_x0 / X_x0,
//!   u^E_xx = (u_x0x0·X_x0 − u_x0·X_x0x0) / X_x0³,
//!   u^E_t  = du/dt − c·u^E_x          (du/dt along the characteristic),
//!   x      = X.
//! With c the speed of the PDE u_t + c·u_x + G = 0, the state residual is du/dt + G; the
//! characteristic residual is dX/dt − c.

use super::{Condition, Resolver};
use crate::error::ProblemError;
use crate::spec::{ConditionKind, EmbeddingSpec, ProblemSpec};
use crate::BoxDomain;
use operators::expr::{parse, Ast, BinOp, ExprError, Inputs, Program, Symbols};
use operators::{JetLayout, Partial, Points};

/// Name of the characteristic displacement field ξ.
pub const DISPLACEMENT: &str = "xi";

/// The problem along characteristics. Fields (u, ξ) of the label (coordinate `x`) and t.
#[derive(Clone, Debug)]
pub struct Lagrangian {
    /// Coordinates (x0, t), fields (u, xi), the problem's parameters.
    pub symbols: Symbols,
    /// The PDE's residual with Eulerian derivatives written through the characteristic.
    pub state: Program,
    /// dX/dt − c.
    pub characteristic: Program,
    /// ξ, which vanishes at t0: characteristics start at their labels.
    pub start: Program,
    /// The unit of ξ: (t1 − t0)·max|c| at t0 (1 if that is zero), so that ξ is of order one.
    pub scale: f64,
    /// The period of x.
    pub period: f64,
}

fn name(n: &str) -> Ast {
    Ast::Name {
        name: n.to_string(),
        col: 0,
    }
}

fn bin(op: BinOp, lhs: Ast, rhs: Ast) -> Ast {
    Ast::Bin {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
    }
}

/// scale·ξ_suffix (ξ itself for an empty suffix).
fn displacement(scale: f64, suffix: &str) -> Ast {
    let xi = if suffix.is_empty() {
        name(DISPLACEMENT)
    } else {
        name(&format!("{DISPLACEMENT}_{suffix}"))
    };
    bin(BinOp::Mul, Ast::Num(scale), xi)
}

/// The Eulerian-to-Lagrangian substitution of one expression.
struct Rewrite<'a> {
    symbols: &'a Symbols,
    field: &'a str,
    scale: f64,
    /// The speed, already rewritten (None while rewriting the speed itself).
    speed: Option<&'a Ast>,
}

impl Rewrite<'_> {
    fn is_parameter(&self, n: &str) -> bool {
        let s = self.symbols;
        s.constants.iter().any(|(k, _)| k == n) || s.trainable.iter().any(|k| k == n)
    }

    fn no_derivatives(&self) -> String {
        format!(
            "the speed may read `{}`, x, t and parameters, not derivatives",
            self.field
        )
    }

    /// X_x0 = 1 + scale·ξ_x.
    fn jacobian(&self) -> Ast {
        bin(BinOp::Add, Ast::Num(1.0), displacement(self.scale, "x"))
    }

    fn u_x(&self) -> Ast {
        bin(
            BinOp::Div,
            name(&format!("{}_x", self.field)),
            self.jacobian(),
        )
    }

    fn u_xx(&self) -> Ast {
        let f = self.field;
        let numerator = bin(
            BinOp::Sub,
            bin(BinOp::Mul, name(&format!("{f}_xx")), self.jacobian()),
            bin(
                BinOp::Mul,
                name(&format!("{f}_x")),
                displacement(self.scale, "xx"),
            ),
        );
        bin(
            BinOp::Div,
            numerator,
            bin(BinOp::Pow, self.jacobian(), Ast::Num(3.0)),
        )
    }

    fn apply(&self, ast: &Ast) -> Result<Ast, (usize, String)> {
        let f = self.field;
        Ok(match ast {
            Ast::Num(_) => ast.clone(),
            Ast::Neg(a) => Ast::Neg(Box::new(self.apply(a)?)),
            Ast::Bin { op, lhs, rhs } => bin(*op, self.apply(lhs)?, self.apply(rhs)?),
            Ast::Call { name: n, col, .. } if n == "laplace" && self.speed.is_none() => {
                return Err((*col, self.no_derivatives()))
            }
            // Compiled already, so the argument is the field.
            Ast::Call { name: n, .. } if n == "laplace" => self.u_xx(),
            Ast::Call { name: n, args, col } => Ast::Call {
                name: n.clone(),
                args: args
                    .iter()
                    .map(|a| self.apply(a))
                    .collect::<Result<_, _>>()?,
                col: *col,
            },
            Ast::Name { name: n, .. } if self.is_parameter(n) => ast.clone(),
            Ast::Name { name: n, col } => match n.strip_prefix(f).and_then(|s| s.strip_prefix('_')) {
                None if n == "x" => bin(BinOp::Add, name("x"), displacement(self.scale, "")),
                None => ast.clone(),
                Some(suffix) => match (suffix, self.speed) {
                    ("x", Some(_)) => self.u_x(),
                    ("xx", Some(_)) => self.u_xx(),
                    ("t", Some(c)) => bin(
                        BinOp::Sub,
                        name(&format!("{f}_t")),
                        bin(BinOp::Mul, c.clone(), self.u_x()),
                    ),
                    (_, None) => return Err((*col, self.no_derivatives())),
                    _ => {
                        return Err((
                            *col,
                            format!(
                                "a Lagrangian PINN handles {f}, {f}_x, {f}_xx and {f}_t; `{n}` is not supported"
                            ),
                        ))
                    }
                },
            },
        })
    }
}

/// Whether `ast` reads the name `n`.
fn reads(ast: &Ast, n: &str) -> bool {
    match ast {
        Ast::Num(_) => false,
        Ast::Name { name, .. } => name == n,
        Ast::Neg(a) => reads(a, n),
        Ast::Bin { lhs, rhs, .. } => reads(lhs, n) || reads(rhs, n),
        Ast::Call { args, .. } => args.iter().any(|a| reads(a, n)),
    }
}

impl Resolver<'_> {
    /// The Lagrangian form, when `[method] kind = "lpinn"`; every restriction of the method is
    /// checked here, with the key or position at fault.
    pub(super) fn lagrangian(
        &self,
        spec: &ProblemSpec,
        axes: &[String],
        domain: &BoxDomain,
        symbols: &Symbols,
        unknown_initial: &[f64],
        conditions: &[Condition],
    ) -> Result<Option<Lagrangian>, ProblemError> {
        if spec.method.kind != "lpinn" {
            if spec.method.speed.is_some() {
                return Err(self.key(
                    "method.speed",
                    "only a Lagrangian PINN (kind = \"lpinn\") reads a speed",
                ));
            }
            return Ok(None);
        }
        let kind = "method.kind";
        if axes != ["x", "t"] || spec.geometry.is_some() {
            return Err(self.key(
                kind,
                "a Lagrangian PINN solves in one space dimension x = [a, b] and time t",
            ));
        }
        let [field] = spec.fields.names.as_slice() else {
            return Err(self.key(kind, "a Lagrangian PINN solves for one field"));
        };
        let [residual] = spec.pde.residuals.as_slice() else {
            return Err(self.key(kind, "a Lagrangian PINN solves one PDE (one residual)"));
        };
        if spec.method.causal.is_some() {
            return Err(self.key("method.causal", "a Lagrangian PINN is not trained causally"));
        }
        if spec.parameters.contains_key(DISPLACEMENT) {
            return Err(self.key(
                format!("parameters.{DISPLACEMENT}"),
                format!("`{DISPLACEMENT}` names the characteristic displacement of a Lagrangian PINN; rename the parameter"),
            ));
        }
        let l = &spec.method.lagrangian;
        if !["norm", "mean_square"].contains(&l.loss.as_str()) {
            return Err(self.key(
                "method.lagrangian.loss",
                format!("`{}`: expected norm or mean_square", l.loss),
            ));
        }
        for (key, w) in [
            ("characteristic_weight", l.characteristic_weight),
            ("initial_weight", l.initial_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(self.key(format!("method.lagrangian.{key}"), "expected a number ≥ 0"));
            }
        }
        if l.characteristic_hidden.is_empty() || l.characteristic_hidden.contains(&0) {
            return Err(self.key(
                "method.lagrangian.characteristic_hidden",
                "expected at least one hidden layer, each of positive width",
            ));
        }
        for (i, c) in spec.conditions.iter().enumerate() {
            let fine = match c.kind {
                ConditionKind::Initial => c.rate.is_none(),
                ConditionKind::Periodic => c.on.iter().all(|a| a == "x"),
                _ => false,
            };
            if !fine {
                return Err(self.key(format!("conditions[{i}]"), "a Lagrangian PINN takes an initial value and periodicity in x only (boundaries move with the characteristics)"));
            }
        }
        let periodic = spec
            .conditions
            .iter()
            .any(|c| c.kind == ConditionKind::Periodic)
            || matches!(&spec.model.embedding, Some(EmbeddingSpec::Periodic { axes, .. }) if axes.iter().any(|a| a == "x"));
        if !periodic {
            return Err(self.key(kind, "a Lagrangian PINN needs a periodic x (a periodic condition or embedding): characteristics leave a bounded interval, and labels entering through an inflow boundary are not supported"));
        }
        let initial = conditions
            .iter()
            .find(|c| c.kind == ConditionKind::Initial)
            .and_then(|c| c.target.as_ref())
            .ok_or_else(|| {
                self.key(
                    "conditions",
                    "a Lagrangian PINN needs the initial value of the field",
                )
            })?;

        // The speed, checked against the Eulerian symbols (with its position on errors).
        let speed_text = spec.method.speed.as_ref().ok_or_else(|| {
            self.key("method.speed", "a Lagrangian PINN needs the characteristic speed, e.g. speed = \"beta\" (convection) or \"u\" (Burgers)")
        })?;
        let speed = self.compile(speed_text, symbols)?;
        let speed_ast = parse(speed_text.get_ref()).expect("the speed compiled");
        let unsupported = |text: &toml::Spanned<String>, (column, message): (usize, String)| {
            self.located(text, ExprError::new(text.get_ref(), column, message))
        };
        let speed_rewrite = |scale| Rewrite {
            symbols,
            field,
            scale,
            speed: None,
        };
        // Refuse derivatives in the speed before evaluating it.
        speed_rewrite(1.0)
            .apply(&speed_ast)
            .map_err(|e| unsupported(speed_text, e))?;
        let period = domain.hi[0] - domain.lo[0];
        let (t0, t1) = (domain.lo[1], domain.hi[1]);
        let peak = max_speed_at_start(&speed, initial, domain, unknown_initial);
        if !peak.is_finite() {
            return Err(self.key(
                "method.speed",
                "the speed is not finite at the initial value",
            ));
        }
        let scale = if peak > 0.0 { peak * (t1 - t0) } else { 1.0 };

        let c = speed_rewrite(scale)
            .apply(&speed_ast)
            .map_err(|e| unsupported(speed_text, e))?;
        let residual_ast = parse(residual.get_ref()).expect("the residual compiled");
        if !reads(&residual_ast, &format!("{field}_t")) {
            return Err(self.key("pde.residuals", format!("a Lagrangian PINN needs a PDE of first order in time, u_t + c·u_x + … (`{field}_t` does not appear)")));
        }
        let state = Rewrite {
            symbols,
            field,
            scale,
            speed: Some(&c),
        }
        .apply(&residual_ast)
        .map_err(|e| unsupported(residual, e))?;
        let characteristic = bin(BinOp::Sub, displacement(scale, "t"), c);

        let lagrangian_symbols = Symbols {
            fields: vec![field.clone(), DISPLACEMENT.to_string()],
            ..symbols.clone()
        };
        let compile = |ast: &Ast| {
            Program::compile(&ast.to_string(), &lagrangian_symbols)
                .expect("a rewritten expression compiles in the Lagrangian frame")
        };
        Ok(Some(Lagrangian {
            state: compile(&state),
            characteristic: compile(&characteristic),
            start: compile(&name(DISPLACEMENT)),
            symbols: lagrangian_symbols,
            scale,
            period,
        }))
    }
}

/// max |c(u0(x), x, t0)| over a fine grid of x (unknown parameters at their initial guesses).
fn max_speed_at_start(
    speed: &Program,
    initial: &Program,
    domain: &BoxDomain,
    unknowns: &[f64],
) -> f64 {
    let n = 1024;
    let (lo, hi, t0) = (domain.lo[0], domain.hi[0], domain.lo[1]);
    let mut coords: Vec<f64> = (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / n as f64)
        .collect();
    coords.extend(std::iter::repeat_n(t0, n));
    let points = Points::new(2, coords.clone());
    let u0 = initial.eval_at_points(&points);
    let layout = JetLayout::new(2, &[Partial::VALUE]);
    let inputs = Inputs {
        n,
        layout: &layout,
        jets: &u0,
        x: &coords,
        params: unknowns,
    };
    let mut regs = vec![0.0; speed.registers() * n];
    speed
        .eval(&inputs, &mut regs)
        .iter()
        .fold(0.0, |m: f64, c| m.max(c.abs()))
}
