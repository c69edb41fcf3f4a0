//! The PDE on characteristics, for Lagrangian PINNs (Mojgani et al.).
//!
//! The unknowns become functions of a label x0 and t: the state u(x0, t) = u^E(X(x0, t), t)
//! and the characteristic X(x0, t), with dX/dt = c. The Eulerian derivatives follow by the
//! chain rule through X, so the residual is exact for any speed:
//!   u^E_x  = u_x0 / X_x0,
//!   u^E_xx = (u_x0x0·X_x0 − u_x0·X_x0x0) / X_x0³,
//!   u^E_t  = du/dt − c·u^E_x          (du/dt along the characteristic),
//!   x      = X.
//! With c the speed of the PDE u_t + c·u_x + G = 0, the state residual is du/dt + G; the
//! characteristic residual is dX/dt − c.
//!
//! The characteristic is X = x0 + D(t) + ξ(x0, t): a drift common to all labels,
//! D = S·(a1·τ + a2·τ² + a3·τ³) with τ = (t − t0)/(t1 − t0), S = (t1 − t0)·max|c| at t0 and
//! trainable a_k, plus a network ξ for the rest. The drift carries the large transport
//! (50 for u_t + 50u_x on [0, 1]) without touching X_x0 = 1 + ξ_x, so optimizer steps sized
//! for the drift never push the chain rule's Jacobian towards its singularity at 0.

use super::{Condition, Resolver};
use crate::error::ProblemError;
use crate::spec::{ConditionKind, EmbeddingSpec, LagrangianSpec, MethodKind, ProblemSpec};
use crate::BoxDomain;
use operators::expr::{parse, Ast, BinOp, ExprError, Inputs, Program, Symbols};
use operators::{JetLayout, Partial, Points};

/// Name of the network part ξ of the characteristic.
pub const DISPLACEMENT: &str = "xi";
/// Names of the drift coefficients a1, a2, a3 (trainable parameters of the Lagrangian frame).
pub const DRIFT: [&str; 3] = ["drift1", "drift2", "drift3"];

/// The problem along characteristics. Fields (u, ξ) of the label (coordinate `x`) and t;
/// trainable parameters: the problem's unknowns, then the drift coefficients.
#[derive(Clone, Debug)]
pub struct Lagrangian {
    /// `[method.lagrangian]` as written.
    pub settings: LagrangianSpec,
    /// Coordinates (x0, t), fields (u, xi), the problem's parameters and the drift's.
    pub symbols: Symbols,
    /// The PDE's residual with Eulerian derivatives written through the characteristic.
    pub state: Program,
    /// dX/dt − c.
    pub characteristic: Program,
    /// ξ, which vanishes at t0: characteristics start at their labels.
    pub start: Program,
    /// S: (t1 − t0)·max|c| at t0, or 1 if that is zero.
    pub drift_scale: f64,
    /// t0 and t1 − t0.
    pub t0: f64,
    /// t1 − t0.
    pub duration: f64,
    /// The period of x.
    pub period: f64,
}

impl Lagrangian {
    /// D(t) for drift coefficients `a` (a1, a2, a3).
    pub fn drift(&self, t: f64, a: &[f64]) -> f64 {
        let tau = (t - self.t0) / self.duration;
        self.drift_scale * (a[0] * tau + a[1] * tau * tau + a[2] * tau.powi(3))
    }
}

fn name(n: &str) -> Ast {
    Ast::Name {
        name: n.to_string(),
        col: 0,
    }
}

fn num(v: f64) -> Ast {
    Ast::Num(v)
}

fn bin(op: BinOp, lhs: Ast, rhs: Ast) -> Ast {
    Ast::Bin {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
    }
}

/// ξ or one of its derivatives (`xi_x`, ...).
fn xi(suffix: &str) -> Ast {
    match suffix {
        "" => name(DISPLACEMENT),
        s => name(&format!("{DISPLACEMENT}_{s}")),
    }
}

/// τ = (t − t0)/(t1 − t0), written without the identities.
fn tau(t0: f64, duration: f64) -> Ast {
    let shifted = match t0 {
        0.0 => name("t"),
        _ => bin(BinOp::Sub, name("t"), num(t0)),
    };
    match duration {
        1.0 => shifted,
        _ => bin(BinOp::Div, shifted, num(duration)),
    }
}

/// D(t) = S·(a1·τ + a2·τ² + a3·τ³) and dD/dt = S·(a1 + 2a2·τ + 3a3·τ²)/(t1 − t0).
fn drift(scale: f64, t0: f64, duration: f64) -> (Ast, Ast) {
    let power = |k: i32| match k {
        1 => tau(t0, duration),
        _ => bin(BinOp::Pow, tau(t0, duration), num(k as f64)),
    };
    let value = (1..=3)
        .map(|k| bin(BinOp::Mul, name(DRIFT[k as usize - 1]), power(k)))
        .reduce(|a, b| bin(BinOp::Add, a, b))
        .expect("three terms");
    let rate = (1..=3)
        .map(|k| match k {
            1 => name(DRIFT[0]),
            _ => bin(
                BinOp::Mul,
                bin(BinOp::Mul, num(k as f64), name(DRIFT[k as usize - 1])),
                power(k - 1),
            ),
        })
        .reduce(|a, b| bin(BinOp::Add, a, b))
        .expect("three terms");
    let rate = bin(BinOp::Mul, num(scale), rate);
    let rate = match duration {
        1.0 => rate,
        _ => bin(BinOp::Div, rate, num(duration)),
    };
    (bin(BinOp::Mul, num(scale), value), rate)
}

/// The Eulerian-to-Lagrangian substitution of one expression.
struct Rewrite<'a> {
    symbols: &'a Symbols,
    field: &'a str,
    /// X = x0 + D(t) + ξ.
    position: Ast,
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

    /// X_x0 = 1 + ξ_x.
    fn jacobian(&self) -> Ast {
        bin(BinOp::Add, num(1.0), xi("x"))
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
            bin(BinOp::Mul, name(&format!("{f}_x")), xi("xx")),
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
                None if n == "x" => self.position.clone(),
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
        // Other methods ignore the speed, so one file can be run by either.
        if spec.method.kind != MethodKind::Lpinn {
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
        if let Some(n) = std::iter::once(DISPLACEMENT)
            .chain(DRIFT)
            .find(|n| spec.parameters.contains_key(*n))
        {
            return Err(self.key(
                format!("parameters.{n}"),
                format!("`{n}` names part of the characteristic of a Lagrangian PINN; rename the parameter"),
            ));
        }
        let l = &spec.method.lagrangian;
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
        let rewrite = |position: &Ast, speed| Rewrite {
            symbols,
            field,
            position: position.clone(),
            speed,
        };
        // Refuse derivatives in the speed before evaluating it.
        rewrite(&name("x"), None)
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
        let drift_scale = if peak > 0.0 { peak * (t1 - t0) } else { 1.0 };
        let (drift, drift_rate) = drift(drift_scale, t0, t1 - t0);
        let position = bin(BinOp::Add, bin(BinOp::Add, name("x"), drift), xi(""));

        let c = rewrite(&position, None)
            .apply(&speed_ast)
            .map_err(|e| unsupported(speed_text, e))?;
        let residual_ast = parse(residual.get_ref()).expect("the residual compiled");
        if !reads(&residual_ast, &format!("{field}_t")) {
            return Err(self.key("pde.residuals", format!("a Lagrangian PINN needs a PDE of first order in time, u_t + c·u_x + … (`{field}_t` does not appear)")));
        }
        let state = rewrite(&position, Some(&c))
            .apply(&residual_ast)
            .map_err(|e| unsupported(residual, e))?;
        let characteristic = bin(BinOp::Sub, bin(BinOp::Add, drift_rate, xi("t")), c);

        let mut lagrangian_symbols = Symbols {
            fields: vec![field.clone(), DISPLACEMENT.to_string()],
            ..symbols.clone()
        };
        lagrangian_symbols
            .trainable
            .extend(DRIFT.iter().map(|d| d.to_string()));
        let compile = |ast: &Ast| {
            Program::from_ast(ast, &lagrangian_symbols)
                .expect("a rewritten expression compiles in the Lagrangian frame")
        };
        Ok(Some(Lagrangian {
            settings: spec.method.lagrangian.clone(),
            state: compile(&state),
            characteristic: compile(&characteristic),
            start: compile(&name(DISPLACEMENT)),
            symbols: lagrangian_symbols,
            drift_scale,
            t0,
            duration: t1 - t0,
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
