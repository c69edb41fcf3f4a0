//! A Lagrangian PINN end to end through the public run API, with either loss: convection at
//! beta = 30, where a plain PINN with the same budget fails, to well under 1% on the Eulerian
//! grid.

use problems::Problem;
use solver::app::overrides::apply_overrides;
use solver::app::run::{run, RunOptions};
use std::path::Path;

fn error(sets: &[&str], out: &str) -> f64 {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/convection_diffusion.toml");
    let mut all = vec![
        "parameters.beta=30.0",
        "training.adam_steps=1000",
        "training.lbfgs_steps=2000",
        "training.collocation=1024",
        "output.grid=[128, 51]",
    ];
    all.extend(sets);
    let sets: Vec<String> = all.iter().map(|s| s.to_string()).collect();
    let text = apply_overrides(&std::fs::read_to_string(&path).unwrap(), &sets).unwrap();
    let p = Problem::from_str(&text, &path).unwrap();
    let dir = std::env::temp_dir().join(format!("ansatz-lpinn-{out}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let summary = run(
        &p,
        &RunOptions {
            out: dir.clone(),
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    summary["relative_l2"]["u"].as_f64().unwrap()
}

#[test]
fn lagrangian_pinn_solves_convection_where_a_pinn_fails() {
    let lagrangian = error(&[], "lpinn");
    let mean_square = error(&["method.lagrangian.loss=mean_square"], "lpinn-ms");
    let plain = error(&["method.kind=pinn"], "pinn");
    println!(
        "beta 30: Lagrangian PINN {lagrangian:.3e} (mean squares {mean_square:.3e}), PINN {plain:.3e}"
    );
    assert!(lagrangian < 5e-3, "Lagrangian PINN: {lagrangian}");
    assert!(
        mean_square < 5e-3,
        "Lagrangian PINN, mean squares: {mean_square}"
    );
    assert!(plain > 0.1, "a plain PINN should fail here: {plain}");
}
