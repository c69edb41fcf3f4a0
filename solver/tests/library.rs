//! Bundled problems that train in seconds, run through the same path as `ansatz run`.

use solver::app::overrides::load_with_overrides;
use solver::app::run::{run, RunOptions};
use std::path::Path;

fn run_library(name: &str) -> serde_json::Value {
    run_library_with(name, &[])
}

/// [`run_library`] with `--set` overrides.
fn run_library_with(name: &str, sets: &[&str]) -> serde_json::Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../problems/{name}.toml"));
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let p = load_with_overrides(&file, &sets).unwrap();
    let out = std::env::temp_dir().join(format!("ansatz-library-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    run(
        &p,
        &RunOptions {
            out,
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap()
}

#[test]
fn heat_reaches_its_closed_form() {
    let s = run_library("heat");
    let err = s["relative_l2"]["u"].as_f64().unwrap();
    assert!(err < 1e-3, "relative L2 {err:.2e}");
}

/// Regression: data conditions once fell through to boundary sampling with no faces, so
/// the data term had no points and the unknown parameter never moved.
#[test]
fn heat_inverse_recovers_the_diffusivity_from_data() {
    let s = run_library("heat_inverse");
    let k = s["unknown_parameters"]["k"].as_f64().unwrap();
    assert!((k - 0.05).abs() < 1e-3, "recovered k = {k} (true 0.05)");
    assert!(s["loss_terms"]["data u (200 points)"].as_f64().unwrap() > 0.0);
}

/// Regression: L-BFGS after Adam on the causal Allen–Cahn problem stopped after two
/// iterations ("line search found no acceptable step"): the causal weights followed the
/// parameters, so its trial points saw different objectives. It holds them now.
#[test]
fn lbfgs_on_causal_allen_cahn_runs_its_iterations() {
    let s = run_library_with(
        "allen_cahn",
        &[
            "training.adam_steps=100",
            "training.lbfgs_steps=20",
            "training.collocation=512",
        ],
    );
    assert_eq!(
        s["quasi_newton_stop"], "reached the requested number of iterations",
        "{s}"
    );
    assert_eq!(s["steps"], 120);
}

/// heat.toml with its two-phase shorthand replaced by `[[training.phases]]` entries.
fn heat_with_phases(name: &str, phases: &str) -> serde_json::Value {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/heat.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("adam_steps = 2000\n", "")
        .replace("lbfgs_steps = 1000\n", "");
    assert!(
        !text.contains("_steps ="),
        "heat.toml changed: update this test"
    );
    let p = problems::Problem::from_str(&format!("{text}\n{phases}"), &file).unwrap();
    let out = std::env::temp_dir().join(format!("ansatz-library-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    run(
        &p,
        &RunOptions {
            out,
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap()
}

/// Adam then L-BFGS written out as `[[training.phases]]` is the `adam_steps`/`lbfgs_steps`
/// shorthand, to the last bit.
#[test]
fn phases_written_out_train_exactly_as_the_shorthand() {
    let shorthand = run_library_with(
        "heat",
        &["training.adam_steps=300", "training.lbfgs_steps=50"],
    );
    let phases = heat_with_phases(
        "phases-as-shorthand",
        "[[training.phases]]\noptimizer = \"adam\"\nsteps = 300\n\n\
         [[training.phases]]\noptimizer = \"lbfgs\"\nsteps = 50\n",
    );
    assert_eq!(phases["final_loss"], shorthand["final_loss"]);
    assert_eq!(phases["relative_l2"], shorthand["relative_l2"]);
    assert_eq!(phases["steps"], 350);
}

/// A third phase (Adam again, with its own learning rate) runs after L-BFGS, from fresh
/// moments, and improves on where L-BFGS left off or at least keeps it.
#[test]
fn three_phases_run_in_order() {
    let two = heat_with_phases(
        "phases-two",
        "[[training.phases]]\noptimizer = \"adam\"\nsteps = 300\n\n\
         [[training.phases]]\noptimizer = \"lbfgs\"\nsteps = 50\n",
    );
    let three = heat_with_phases(
        "phases-three",
        "[[training.phases]]\noptimizer = \"adam\"\nsteps = 300\n\n\
         [[training.phases]]\noptimizer = \"lbfgs\"\nsteps = 50\n\n\
         [[training.phases]]\noptimizer = \"adam\"\nsteps = 100\nlearning_rate = 1e-5\n",
    );
    assert_eq!(three["steps"], 450, "{three}");
    let (l2, l3) = (
        two["final_loss"].as_f64().unwrap(),
        three["final_loss"].as_f64().unwrap(),
    );
    assert!(l3 != l2, "the third phase did not move the parameters");
    assert!(
        l3 < 2.0 * l2,
        "Adam at lr 1e-5 after L-BFGS: {l2:.3e} -> {l3:.3e}"
    );
}
