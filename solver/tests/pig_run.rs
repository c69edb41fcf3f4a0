//! Every method that takes a model takes physics-informed Gaussians: the heat equation through
//! `ansatz run`'s path with a PIG as the PINN's network and as the hard constraint's basis.

mod common;

use solver::app::overrides::load_with_overrides;
use std::path::Path;

fn heat_with_gaussians(name: &str, sets: &[&str]) -> f64 {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/heat.toml");
    let mut all = vec![
        "model.kind=pig".to_string(),
        "model.gaussians.count=64".to_string(),
        "model.gaussians.sigma=0.3".to_string(),
        "training.lbfgs_steps=0".to_string(),
    ];
    all.extend(sets.iter().map(|s| s.to_string()));
    let p = load_with_overrides(&file, &all).unwrap();
    let out = common::scratch(&format!("pig-{name}"));
    let s = common::run_quietly(&p, &out);
    let _ = std::fs::remove_dir_all(&out);
    s["relative_l2"]["u"].as_f64().unwrap()
}

#[test]
fn a_pinn_with_gaussians_learns_the_heat_equation() {
    let err = heat_with_gaussians(
        "pinn",
        &["training.adam_steps=1500", "training.learning_rate=1e-2"],
    );
    // Measured 5.3e-4.
    assert!(err < 2e-3, "relative L2 {err:.2e}");
}

#[test]
fn a_hard_constraint_on_a_gaussian_basis_learns_the_heat_equation() {
    let err = heat_with_gaussians(
        "moe",
        &[
            "method.kind=moe_hc",
            "method.hard_constraint.constraint_points=256",
            "training.adam_steps=200",
        ],
    );
    // Measured 1.4e-3 (0.98 before training).
    assert!(err < 5e-3, "relative L2 {err:.2e}");
}
