//! The Lagrangian form of a PDE is exact for non-constant speeds: with closed-form
//! characteristics X(x0, t) and a state u(x0, t) = u^E(X, t), the rewritten residual equals
//! the Eulerian residual at (X, t) to rounding, and dX/dt − c vanishes, however X is split
//! into drift and network. Differentiating by the label instead (the released code's
//! u_x0x0) is not exact.

use operators::expr::{Inputs, Program};
use operators::{JetLayout, Partial};
use problems::{Lagrangian, Problem};
use std::path::Path;

fn problem(domain: &str, t1: f64, residual: &str, speed: &str, initial: &str) -> Problem {
    let text = format!(
        r#"
name = "lagrangian"
[domain]
x = {domain}
t = [0.0, {t1}]
[parameters]
nu = 0.1
[pde]
residuals = ["{residual}"]
[[conditions]]
kind = "initial"
value = "{initial}"
[model]
embedding = {{ kind = "periodic", axes = ["x"], modes = 1 }}
[method]
kind = "lpinn"
speed = "{speed}"
"#
    );
    Problem::from_str(&text, Path::new("lagrangian.toml")).unwrap_or_else(|e| panic!("{e}"))
}

/// Closed-form jets at one point: (field, partial over (x0, t)) → value.
type Jets = Vec<((usize, Partial), f64)>;

/// Drift coefficients a1, a2, a3: any values, the network part ξ takes up the rest of X.
const DRIFT: [f64; 3] = [0.7, -0.3, 0.2];

/// Evaluates a Lagrangian program at one point from closed-form jets.
fn eval(program: &Program, x0: f64, t: f64, jets: &Jets) -> f64 {
    let partials: Vec<Partial> = program.partials().iter().map(|(_, p)| *p).collect();
    let layout = JetLayout::new(2, &partials);
    let mut values = vec![0.0; 2 * layout.len()];
    for (field, partial) in program.partials() {
        let v = jets
            .iter()
            .find(|(k, _)| *k == (field, partial))
            .unwrap_or_else(|| panic!("no closed form for field {field}, {partial:?}"))
            .1;
        values[field * layout.len() + layout.slot(&partial).unwrap()] = v;
    }
    let inputs = Inputs {
        n: 1,
        layout: &layout,
        jets: &values,
        x: &[x0, t],
        params: &DRIFT,
    };
    let mut regs = vec![0.0; program.registers()];
    program.eval(&inputs, &mut regs)[0]
}

const X: usize = 0;
const T: usize = 1;

/// u, u_x0, u_x0x0, u_t, then X, X_x0, X_x0x0, X_t, as the jets of (u, ξ) with
/// X = x0 + D(t) + ξ, D = S·(a1·τ + a2·τ² + a3·τ³).
fn jets(l: &Lagrangian, x0: f64, t: f64, u: [f64; 4], x: [f64; 4]) -> Jets {
    let tau = (t - l.t0) / l.duration;
    let [a1, a2, a3] = DRIFT;
    let rate = l.drift_scale * (a1 + 2.0 * a2 * tau + 3.0 * a3 * tau * tau) / l.duration;
    let p = |axes: &[usize]| Partial::from_axes(axes);
    vec![
        ((0, Partial::VALUE), u[0]),
        ((0, p(&[X])), u[1]),
        ((0, p(&[X, X])), u[2]),
        ((0, p(&[T])), u[3]),
        ((1, Partial::VALUE), x[0] - x0 - l.drift(t, &DRIFT)),
        ((1, p(&[X])), x[1] - 1.0),
        ((1, p(&[X, X])), x[2]),
        ((1, p(&[T])), x[3] - rate),
    ]
}

/// Speed c = x²: X = x0 / (1 − x0 t). The state is u^E(x, t) = sin(2x)·e^(−t) carried along,
/// and the Eulerian residual u_t + x²u_x − ν u_xx is known in closed form at (X, t).
#[test]
fn chain_rule_residual_is_exact_for_a_space_dependent_speed() {
    let nu = 0.1;
    let p = problem(
        "[0.0, 0.5]",
        1.0,
        "u_t + x^2*u_x - nu*u_xx",
        "x^2",
        "sin(2*x)",
    );
    let l = p.method.lagrangian().unwrap();
    assert!(
        (l.drift_scale - 0.25).abs() < 1e-3,
        "max |c| at t0 is 0.25: {}",
        l.drift_scale
    );
    let mut worst_label_error: f64 = 0.0;
    for i in 0..=10 {
        for k in 0..=10 {
            let (x0, t) = (0.5 * i as f64 / 10.0, k as f64 / 10.0);
            let d = 1.0 - x0 * t;
            let (xx, x_x0, x_x0x0, x_t) = (
                x0 / d,
                1.0 / (d * d),
                2.0 * t / d.powi(3),
                x0 * x0 / (d * d),
            );
            let e = (-t).exp();
            let (s, c) = ((2.0 * xx).sin(), (2.0 * xx).cos());
            let u = [
                s * e,
                2.0 * c * e * x_x0,
                -4.0 * s * e * x_x0 * x_x0 + 2.0 * c * e * x_x0x0,
                (2.0 * c * x_t - s) * e,
            ];
            let jets = jets(l, x0, t, u, [xx, x_x0, x_x0x0, x_t]);
            let eulerian = (-s + xx * xx * 2.0 * c + 4.0 * nu * s) * e;
            let state = eval(&l.state, x0, t, &jets);
            assert!(
                (state - eulerian).abs() < 1e-12 * (1.0 + eulerian.abs()),
                "x0 = {x0}, t = {t}: Lagrangian {state}, Eulerian {eulerian}"
            );
            let characteristic = eval(&l.characteristic, x0, t, &jets);
            assert!(characteristic.abs() < 1e-12, "dX/dt - c = {characteristic}");
            // The label-derivative form u_t - nu*u_x0x0 (exact only for constant speed).
            worst_label_error = worst_label_error.max((u[3] - nu * u[2] - eulerian).abs());
        }
    }
    assert!(
        worst_label_error > 1e-2,
        "the label-derivative residual should be wrong here: {worst_label_error}"
    );
}

/// Burgers, c = u, u0 = sin x: before the shock (t < 1) the characteristics are straight,
/// X = x0 + t sin x0, and u = sin x0 is constant along them. That u solves the inviscid
/// equation, so the viscous residual is −ν u^E_xx = ν sin x0 / (1 + t cos x0)³.
#[test]
fn chain_rule_residual_is_exact_for_burgers() {
    let nu = 0.1;
    let p = problem(
        "[0.0, 6.283185307179586]",
        0.5,
        "u_t + u*u_x - nu*u_xx",
        "u",
        "sin(x)",
    );
    let l = p.method.lagrangian().unwrap();
    for i in 0..=20 {
        for k in 0..=10 {
            let (x0, t) = (
                std::f64::consts::TAU * i as f64 / 20.0,
                0.5 * k as f64 / 10.0,
            );
            let (s, c) = (x0.sin(), x0.cos());
            let jets = jets(
                l,
                x0,
                t,
                [s, c, -s, 0.0],
                [x0 + t * s, 1.0 + t * c, -t * s, s],
            );
            let expected = nu * s / (1.0 + t * c).powi(3);
            let state = eval(&l.state, x0, t, &jets);
            assert!(
                (state - expected).abs() < 1e-12,
                "x0 = {x0}, t = {t}: {state} vs {expected}"
            );
            let characteristic = eval(&l.characteristic, x0, t, &jets);
            assert!(characteristic.abs() < 1e-12, "dX/dt - u = {characteristic}");
        }
    }
}

/// The rewritten residual reads as the mathematics: derivatives through X = x + D(t) + xi.
#[test]
fn rewritten_residual_is_shown_as_text() {
    let text = r#"
name = "c"
[domain]
x = [0.0, 6.283185307179586]
t = [0.0, 1.0]
[parameters]
beta = 2.0
nu = 0.5
[pde]
residuals = ["u_t + beta*u_x - nu*u_xx"]
[[conditions]]
kind = "initial"
value = "sin(x)"
[[conditions]]
kind = "periodic"
on = ["x"]
[method]
kind = "lpinn"
speed = "beta"
"#;
    let p = Problem::from_str(text, Path::new("c.toml")).unwrap();
    let l = p.method.lagrangian().unwrap().clone();
    assert_eq!(l.drift_scale, 2.0);
    assert_eq!(
        l.state.source(),
        "u_t - beta*(u_x/(1.0 + xi_x)) + beta*(u_x/(1.0 + xi_x)) - nu*((u_xx*(1.0 + xi_x) - u_x*xi_xx)/(1.0 + xi_x)^3.0)"
    );
    assert_eq!(
        l.characteristic.source(),
        "2.0*(drift1 + 2.0*drift2*t + 3.0*drift3*t^2.0) + xi_t - beta"
    );
}
