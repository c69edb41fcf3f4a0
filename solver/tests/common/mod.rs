//! What the integration tests share: the `ansatz` binary, a small heat problem with a
//! closed-form reference, scratch directories and the Python that reads outputs back.
#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};

pub const ANSATZ: &str = env!("CARGO_BIN_EXE_ansatz");

/// u_t = k·u_xx on [0, 1] × [0, 1] with k = 1/π², u = sin(πx)·e^(−kπ²t) = sin(πx)·e^(−t).
pub const HEAT: &str = r#"
name = "heat"
description = "1D heat equation with a closed-form solution"
[domain]
x = [0.0, 1.0]
t = [0.0, 1.0]
[parameters]
k = "1/pi^2"
[pde]
residuals = ["u_t - k*u_xx"]
[[conditions]]
kind = "initial"
value = "sin(pi*x)"
points = 64
[[conditions]]
kind = "dirichlet"
on = ["left", "right"]
points = 64
[reference]
analytic = ["sin(pi*x)*exp(-k*pi^2*t)"]
[model]
hidden = [16, 16]
[training]
collocation = 512
adam_steps = 1500
learning_rate = 5e-3
decay_rate = 0.5
lbfgs_steps = 0
checkpoint_every = 100
log_every = 50
[output]
grid = [33, 11]
"#;

/// An empty directory under the system's temp dir, unique to this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ansatz-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Trains `p` into `out` as `ansatz run -q` does, and returns its summary.
pub fn run_quietly(p: &problems::Problem, out: &Path) -> serde_json::Value {
    solver::app::run::run(
        p,
        &solver::app::run::RunOptions {
            out: out.to_path_buf(),
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap()
}

/// The venv's Python, with h5py and vtk (made by scripts/setup.sh).
pub fn python() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `bash scripts/setup.sh` (it creates the venv with h5py and vtk)",
        p.display()
    );
    p
}

/// Whether the run in `dir` has logged a step ≥ `step`.
pub fn metrics_reached(dir: &Path, step: u64) -> bool {
    std::fs::read_to_string(dir.join("metrics.jsonl"))
        .map(|t| {
            t.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .any(|v| v["step"].as_u64().is_some_and(|s| s >= step))
        })
        .unwrap_or(false)
}

/// Symbols of a problem in (x, t) with one field u and the given trainable parameters.
pub fn xt_symbols(trainable: &[&str]) -> operators::expr::Symbols {
    operators::expr::Symbols {
        coords: vec!["x".into(), "t".into()],
        time_axis: Some(1),
        fields: vec!["u".into()],
        constants: vec![],
        trainable: trainable.iter().map(|s| s.to_string()).collect(),
    }
}

/// Runs `script` (Python source) with the venv's Python on `dir`; panics with its output if it
/// fails.
pub fn check_with_python(script: &str, dir: &Path) {
    let out = std::process::Command::new(python())
        .args(["-c", script, dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
