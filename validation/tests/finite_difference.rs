//! The finite-difference reference solver against closed forms, the Cole-Hopf Burgers file,
//! and its own refinements on diffusion-sorption.

use problems::Problem;
use solver::relative_l2;
use std::path::{Path, PathBuf};
use validation::finite_difference::{end_conditions, solve, EndCondition, FdSettings};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn library(name: &str, edit: impl Fn(String) -> String) -> Problem {
    let path = root().join("problems").join(name);
    let text = edit(std::fs::read_to_string(&path).unwrap());
    Problem::from_str(&text, &path).unwrap()
}

fn scientific(v: &[f64]) -> String {
    v.iter()
        .map(|e| format!("{e:.3e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn settings(points: usize, dt: f64, snapshots: usize) -> FdSettings {
    FdSettings {
        points,
        dt,
        snapshots,
    }
}

/// Errors at t = 1 against `exact(x, t)` on 21, 41, 81 nodes; each halving of dx should cut
/// the error by four.
fn assert_second_order(p: &Problem, exact: impl Fn(f64, f64) -> f64) {
    let errors: Vec<f64> = [21, 41, 81]
        .iter()
        .map(|&n| {
            let s = solve(p, &settings(n, 1e-3, 2), end_conditions(p).unwrap()).unwrap();
            let want: Vec<f64> = s.x.iter().map(|&x| exact(x, 1.0)).collect();
            relative_l2(s.at(1), &want)
        })
        .collect();
    println!("{}: errors {}", p.spec.name, scientific(&errors));
    for w in errors.windows(2) {
        let ratio = w[0] / w[1];
        assert!((3.6..4.4).contains(&ratio), "{errors:?}");
    }
}

#[test]
fn heat_dirichlet_is_second_order() {
    let p = library("heat.toml", |t| t);
    let k: f64 = 0.1;
    assert_second_order(&p, |x, t| {
        (std::f64::consts::PI * x).sin() * (-k * std::f64::consts::PI.powi(2) * t).exp()
    });
}

#[test]
fn heat_neumann_is_second_order() {
    let p = library("heat.toml", |t| {
        t.replace("kind = \"dirichlet\"", "kind = \"neumann\"")
            .replace("value = \"sin(pi*x)\"", "value = \"cos(pi*x)\"")
            .replace("analytic = [\"sin(pi*x)", "analytic = [\"cos(pi*x)")
    });
    let k: f64 = 0.1;
    assert_second_order(&p, |x, t| {
        (std::f64::consts::PI * x).cos() * (-k * std::f64::consts::PI.powi(2) * t).exp()
    });
}

#[test]
fn burgers_matches_cole_hopf() {
    let p = library("burgers.toml", |t| {
        t.replace("t = [0.0, 1.0]", "t = [0.0, 0.99]")
    });
    let h = hdf5::File::open(root().join("reference/burgers.h5")).unwrap();
    let x: Vec<f64> = h.dataset("x").unwrap().read_raw().unwrap();
    let u: Vec<f64> = h.dataset("u").unwrap().read_raw().unwrap();
    // 4,097 nodes hold the reference's 256 points (spacing 2/255 is not a multiple: sample
    // by linear interpolation between nodes, second order like the scheme).
    let s = solve(&p, &settings(4097, 2e-4, 100), end_conditions(&p).unwrap()).unwrap();
    let dx = 2.0 / 4096.0;
    let at = |k: usize, xi: f64| {
        let f = (xi + 1.0) / dx;
        let j = (f.floor() as usize).min(4095);
        let w = f - j as f64;
        s.at(k)[j] * (1.0 - w) + s.at(k)[j + 1] * w
    };
    let last = 99;
    let ours: Vec<f64> = x.iter().map(|&xi| at(last, xi)).collect();
    let e = relative_l2(&ours, &u[last * 256..]);
    println!("burgers.h5 at t = 0.99: relative L2 {e:.2e}");
    assert!(e < 1e-3, "{e:e}");
}

/// Diffusion-sorption (PDEBench constants): u_t = D/R(u)·u_xx, inflow u(0) = 1, outflow
/// u(1) = D·u_x(1) (a Robin end), over 500 s. No closed form: the error against a grid twice
/// as fine must fall by about four per refinement, and the solution stays below the inflow value.
#[test]
fn diffusion_sorption_converges_under_refinement() {
    let text = r#"
name = "diffusion_sorption"
[domain]
x = [0.0, 1.0]
t = [0.0, 500.0]
[parameters]
D = 5e-4
phi = 0.29
rho_s = 2880.0
k_f = 3.5e-4
n_f = 0.874
[pde]
residuals = ["u_t - D*u_xx/(1 + (1 - phi)/phi*rho_s*k_f*n_f*(abs(u) + 1e-6)^(n_f - 1))"]
[[conditions]]
kind = "initial"
value = "exp(-20*x)"
[[conditions]]
kind = "dirichlet"
on = ["left"]
value = "1"
"#;
    let p = Problem::from_str(text, &root().join("diffusion_sorption.toml")).unwrap();
    let ends = [
        EndCondition {
            a: 1.0,
            b: 0.0,
            g: 1.0,
        },
        EndCondition {
            a: 1.0,
            b: -5e-4,
            g: 0.0,
        },
    ];
    let finest = 801;
    let reference = solve(&p, &settings(finest, 0.5, 2), ends).unwrap();
    let (lo, hi) = reference
        .at(1)
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &u| (a.min(u), b.max(u)));
    println!("diffusion-sorption: u at t = 500 within [{lo:e}, {hi}]");
    // The outflow condition u = D·u_x makes u(1) slightly negative under a falling profile:
    // the minimum sits at the outflow node, the maximum is the inflow value.
    let last = reference.at(1)[finest - 1];
    assert!(lo == last && last < 0.0 && last > -1e-3, "{lo} {last}");
    assert!(hi <= 1.0 + 1e-12);
    let errors: Vec<f64> = [51, 101, 201]
        .iter()
        .map(|&n| {
            let s = solve(&p, &settings(n, 0.5, 2), ends).unwrap();
            let stride = (finest - 1) / (n - 1);
            let fine: Vec<f64> = reference.at(1).iter().step_by(stride).cloned().collect();
            relative_l2(s.at(1), &fine)
        })
        .collect();
    println!(
        "diffusion-sorption: errors against {finest} nodes {}",
        scientific(&errors)
    );
    for w in errors.windows(2) {
        assert!(w[0] / w[1] > 3.0, "{errors:?}");
    }
}
