//! `method = "moe_hc"`: the gradient of the whole training loss (outer terms through u = Φ·w_e,
//! interface jumps, and each expert's solve with its neighbour rows) against finite differences, the same bits for any
//! number of threads, and a run that learns the heat equation and keeps its experts'
//! coefficients in the checkpoint.

mod common;

use operators::Rng;
use problems::Problem;
use solver::app::run::evaluate;
use solver::methods::moe_hc;
use solver::moe::HardConstraintLoss;
use solver::optim::Objective;
use solver::train::Loss;
use std::path::Path;

/// A nonlinear problem (viscous Burgers) with a sine basis: the layer's Hessian terms matter.
fn burgers(splits: &str, extra: &str) -> Problem {
    let text = format!(
        r#"
name = "burgers_moe"
[domain]
x = [-1.0, 1.0]
t = [0.0, 1.0]
[pde]
residuals = ["u_t + u*u_x - 0.1*u_xx"]
[[conditions]]
kind = "initial"
value = "-sin(pi*x)"
points = 16
[[conditions]]
kind = "dirichlet"
on = ["left", "right"]
points = 12
[model]
hidden = [16, 16]
activation = "sin"
[method]
kind = "moe_hc"
[method.hard_constraint]
basis = 6
splits = {splits}
constraint_points = 24
max_iterations = 200
{extra}
[training]
collocation = 40
"#
    );
    Problem::from_str(&text, Path::new("burgers_moe.toml")).unwrap()
}

fn loss_and_params(p: &Problem) -> (HardConstraintLoss<f64>, Vec<f64>) {
    let problems::Method::MoeHc(h) = &p.method else {
        panic!("a hard-constraint problem");
    };
    let (loss, params, _) = moe_hc::build::<f64>(p, h, 1);
    (loss, params)
}

#[test]
fn gradient_through_the_experts_matches_finite_differences() {
    check_gradient(&burgers("[2, 1]", ""));
}

/// With u = u0 + (t − t0)·Φw the basis is scaled and the rows carry u0's jets as an offset.
#[test]
fn gradient_with_the_initial_ansatz_matches_finite_differences() {
    check_gradient(&burgers("[2, 2]", "initial_ansatz = true"));
}

#[test]
fn initial_ansatz_meets_the_initial_values_exactly() {
    let p = burgers("[2, 2]", "initial_ansatz = true");
    let (mut loss, params) = loss_and_params(&p);
    let mut grad = vec![0.0; params.len()];
    loss.value_and_grad(&params, &mut grad);
    assert!(!loss.term_names().is_empty());
    let initial = loss.term_values()[1];
    assert_eq!(initial, 0.0, "the initial term leaves the loss");
    let xs: Vec<f64> = (0..21).map(|i| -1.0 + 0.1 * i as f64).collect();
    let at_t0 = operators::Points::from_rows(&xs.iter().map(|&x| vec![x, 0.0]).collect::<Vec<_>>());
    let later = operators::Points::from_rows(&xs.iter().map(|&x| vec![x, 0.5]).collect::<Vec<_>>());
    let u0 = loss.solution(&params, &at_t0);
    for (x, u) in xs.iter().zip(&u0) {
        let exact = -(std::f64::consts::PI * x).sin();
        assert!(
            (u - exact).abs() < 1e-14,
            "u({x}, 0) = {u}, expected {exact}"
        );
    }
    // Later the experts' coefficients do shape the solution.
    let u = loss.solution(&params, &later);
    assert!(u
        .iter()
        .zip(&xs)
        .any(|(u, x)| (u + (std::f64::consts::PI * x).sin()).abs() > 1e-3));
}

fn check_gradient(p: &Problem) {
    let (mut loss, params) = loss_and_params(p);
    // The neighbour rows ask for the solutions of the step before (a step at other
    // parameters): every evaluation starts from the same ones.
    let mut grad = vec![0.0; params.len()];
    let mut scratch = grad.clone();
    let earlier: Vec<f64> = params.iter().map(|p| 0.99 * p).collect();
    loss.value_and_grad(&earlier, &mut scratch);
    let before = loss.state();
    loss.value_and_grad(&params, &mut grad);
    let mut rng = Rng::new(5);
    let mut value_at = |x: &[f64]| {
        loss.set_state(&before);
        loss.value_and_grad(x, &mut scratch)
    };
    for trial in 0..3 {
        let d: Vec<f64> = (0..params.len()).map(|_| rng.normal()).collect();
        let along = |h: f64, f: &mut dyn FnMut(&[f64]) -> f64| {
            let xp: Vec<f64> = params.iter().zip(&d).map(|(a, b)| a + h * b).collect();
            let xm: Vec<f64> = params.iter().zip(&d).map(|(a, b)| a - h * b).collect();
            (f(&xp) - f(&xm)) / (2.0 * h)
        };
        // Richardson: the O(h²) error of central differences cancels. The step is small
        // because w*(θ) of a basis at initialization is steep (its conditioning is poor):
        // at h = 1e-4 the differences are off by 100%; they close in on the exact value as
        // h shrinks (2e-8 at 1e-6).
        let (coarse, fine) = (along(2e-6, &mut value_at), along(1e-6, &mut value_at));
        let fd = (4.0 * fine - coarse) / 3.0;
        let exact: f64 = grad.iter().zip(&d).map(|(g, d)| g * d).sum();
        let rel = (exact - fd).abs() / fd.abs().max(1e-12);
        println!(
            "direction {trial}: exact {exact:.10e}, differences {fd:.10e}, relative {rel:.1e}"
        );
        assert!(rel < 1e-6, "direction {trial}: {exact} vs {fd}");
    }
}

#[test]
fn same_gradient_for_one_and_two_threads() {
    let p = burgers("[2, 2]", "");
    let gradient = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (mut loss, params) = loss_and_params(&p);
            let mut grad = vec![0.0; params.len()];
            let value = loss.value_and_grad(&params, &mut grad);
            (value, grad)
        })
    };
    let (one, two) = (gradient(1), gradient(2));
    assert_eq!(one.0.to_bits(), two.0.to_bits());
    assert!(one
        .1
        .iter()
        .zip(&two.1)
        .all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn experts_learn_the_heat_equation_and_their_coefficients_survive_the_checkpoint() {
    let dir = common::scratch("moe-heat");
    let file = dir.join("heat_moe.toml");
    let text = common::HEAT.to_string()
        + "\n[method]\nkind = \"moe_hc\"\n[method.hard_constraint]\nbasis = 12\nsplits = [2, 1]\nconstraint_points = 128\n";
    std::fs::write(&file, text).unwrap();
    let p = Problem::load(&file).unwrap();
    let out = dir.join("run");
    let summary = common::run_quietly(&p, &out);
    let error = summary["relative_l2"]["u"].as_f64().unwrap();
    let solves = summary["experts"]["solves"].as_array().unwrap();
    println!("relative L2 {error:.3e}; solves {solves:?}");
    assert_eq!(solves.len(), 2);
    assert!(solves.iter().all(|s| s["stop"] == "Converged"));
    assert!(error < 1e-2, "{error}");
    // `ansatz eval` rebuilds the experts from the checkpoint: the same field, the same error.
    let again = evaluate(&out).unwrap()["relative_l2"]["u"]
        .as_f64()
        .unwrap();
    assert_eq!(again, error);
}
