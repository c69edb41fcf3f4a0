//! `ansatz run` end to end on a small heat problem with a closed-form reference: the run
//! directory is read back by h5py and VTK, and a run killed with SIGKILL resumes from its
//! checkpoint to the same error as an uninterrupted one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

mod common;
use common::{metrics_reached, python, scratch, ANSATZ, HEAT};

fn problem(dir: &Path) -> PathBuf {
    let path = dir.join("heat.toml");
    std::fs::write(&path, HEAT).unwrap();
    path
}

fn run(args: &[&str]) -> std::process::Output {
    let out = Command::new(ANSATZ).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "ansatz {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn error_of(run_dir: &Path) -> f64 {
    let text = std::fs::read_to_string(run_dir.join("summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["relative_l2"]["u"].as_f64().unwrap()
}

#[test]
fn run_directory_reads_back_with_h5py_and_vtk() {
    let dir = scratch("readback");
    let out = dir.join("run");
    run(&[
        "run",
        problem(&dir).to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    for f in [
        "problem.toml",
        "checkpoint.h5",
        "results.h5",
        "metrics.jsonl",
        "summary.json",
        "solution.pvd",
        "loss.png",
        "solution.png",
        "error.png",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    assert!(error_of(&out) < 2e-2, "heat error {}", error_of(&out));
    // The resolved problem is itself a valid problem file.
    run(&["check", out.join("problem.toml").to_str().unwrap()]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/readback.py");
    let r = Command::new(python())
        .args([script.to_str().unwrap(), out.to_str().unwrap(), "33", "11"])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "read-back failed:\n{}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
    // `eval` rebuilds the network from problem.toml + checkpoint.h5 and finds the same error.
    let eval = run(&["eval", out.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    let (a, b) = (v["relative_l2"]["u"].as_f64().unwrap(), error_of(&out));
    assert!((a - b).abs() <= 1e-12 * b, "eval {a} vs run {b}");
    // `export` re-samples on another grid.
    run(&[
        "export",
        out.to_str().unwrap(),
        "--grid",
        "17",
        "--times",
        "5",
    ]);
    let pvd = std::fs::read_to_string(out.join("export/solution.pvd")).unwrap();
    assert_eq!(pvd.matches("<DataSet").count(), 5);
    assert!(out.join("export/fields.h5").is_file());
    // A finished run is not overwritten.
    let again = Command::new(ANSATZ)
        .args([
            "run",
            problem(&dir).to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        !again.status.success()
            && String::from_utf8_lossy(&again.stderr).contains("already holds a finished run")
    );
}

#[test]
fn killed_run_resumes_from_its_checkpoint_to_the_same_error() {
    let dir = scratch("resume");
    let file = problem(&dir);
    // Longer steps than the read-back test, so the kill lands well inside the run.
    let longer = [
        "--set",
        "training.collocation=2048",
        "--quiet",
        "--threads",
        "1",
    ];
    let whole = dir.join("whole");
    run(&[
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            whole.to_str().unwrap(),
        ][..],
        &longer,
    ]
    .concat());

    let killed = dir.join("killed");
    let mut child = Command::new(ANSATZ)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            killed.to_str().unwrap(),
        ])
        .args(longer)
        .spawn()
        .unwrap();
    // Kill once a few checkpoints exist, well before the end (poll for at most two minutes).
    let reached = (0..6000).any(|_| {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be killed; make it longer"
        );
        std::thread::sleep(Duration::from_millis(20));
        metrics_reached(&killed, 500)
    });
    assert!(reached, "the run never reached step 500");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !killed.join("summary.json").exists(),
        "a killed run must not look finished"
    );

    let out = run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        killed.to_str().unwrap(),
        "--resume",
        "--set",
        "training.collocation=2048",
        "--threads",
        "1",
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("resuming from"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (error_of(&whole), error_of(&killed));
    eprintln!("uninterrupted {a:.4e}, killed at step ≥ 500 and resumed {b:.4e}");
    assert!(
        (a - b).abs() <= 0.1 * a,
        "uninterrupted {a:.3e}, resumed {b:.3e}"
    );
}

/// A problem on a region (an annulus from CSG) writes point clouds (.vtu) of the grid points
/// inside; VTK reads them back with the right number of points, and HDF5 holds NaN outside.
#[test]
fn region_problem_writes_point_clouds_that_vtk_reads() {
    let dir = scratch("region");
    let out = dir.join("run");
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/poisson_annulus.toml");
    let args = [
        "--set",
        "training.adam_steps=200",
        "--set",
        "training.lbfgs_steps=0",
        "--set",
        "output.grid=[41, 41]",
        "--quiet",
    ];
    run(&[
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ][..],
        &args,
    ]
    .concat());
    assert!(out.join("fields/solution_0000.vtu").is_file());
    assert!(error_of(&out).is_finite());
    let check = r#"
import sys, h5py, numpy as np, vtk
run = sys.argv[1]
u = h5py.File(run + "/results.h5")["fields/u"][:]
x = np.linspace(-1, 1, 41)
X, Y = np.meshgrid(x, x)
r = np.sqrt(X**2 + Y**2)
inside = (r <= 1 + 1e-12) & (r >= 0.4 - 1e-12)
assert u.shape == (41, 41) and np.all(np.isfinite(u[inside])) and np.all(np.isnan(u[~inside])), "NaN exactly outside"
reader = vtk.vtkXMLUnstructuredGridReader()
reader.SetFileName(run + "/fields/solution_0000.vtu")
reader.Update()
grid = reader.GetOutput()
assert grid.GetNumberOfPoints() == inside.sum(), (grid.GetNumberOfPoints(), inside.sum())
names = sorted(grid.GetPointData().GetArrayName(i) for i in range(grid.GetPointData().GetNumberOfArrays()))
assert names == ["u", "u_error", "u_reference"], names
print("region readback ok")
"#;
    let r = Command::new(python())
        .args(["-c", check, out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        r.status.success(),
        "read-back failed:\n{}{}",
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&r.stderr)
    );
}

/// A loss that overflows stops the run with the step and the term, leaves FAILED and no
/// summary.json (nothing that looks like a success), and exits non-zero.
#[test]
fn non_finite_loss_stops_with_step_and_term() {
    let dir = scratch("diverge");
    let file = dir.join("overflow.toml");
    std::fs::write(
        &file,
        HEAT.replace(
            r#"residuals = ["u_t - k*u_xx"]"#,
            r#"residuals = ["u_t - k*u_xx + 1e200*(u^2 + 1)*1e200"]"#,
        ),
    )
    .unwrap();
    let out = dir.join("run");
    let r = Command::new(ANSATZ)
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(!r.status.success());
    assert!(
        stderr.contains("non-finite at step 0 (term `residual`)"),
        "{stderr}"
    );
    assert!(out.join("FAILED").is_file() && !out.join("summary.json").exists());
}

/// Boundaries selected by predicates (`x == 0`, `x == 1`) instead of names train the same
/// problem to the same accuracy.
#[test]
fn predicate_boundaries_select_the_same_faces() {
    let dir = scratch("predicate");
    let file = dir.join("heat_predicates.toml");
    let named = "[[conditions]]\nkind = \"dirichlet\"\non = [\"left\", \"right\"]\npoints = 64\n";
    assert!(HEAT.contains(named));
    let predicates = "[[conditions]]\nkind = \"dirichlet\"\non = [\"x == 0\"]\npoints = 32\n[[conditions]]\nkind = \"dirichlet\"\non = [\"x == 1\"]\npoints = 32\n";
    std::fs::write(&file, HEAT.replace(named, predicates)).unwrap();
    let check = run(&["check", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&check.stdout).contains("dirichlet u on x == 0"));
    let out = dir.join("run");
    run(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        error_of(&out) < 2e-2,
        "heat with predicate boundaries: {}",
        error_of(&out)
    );
}

/// A run directory another process holds is left alone: `ansatz run` into it exits with
/// status 75 at once and writes nothing there (no FAILED, no problem.toml), so that a batch
/// can tell "left to the other process" from "failed"; once the lock is released, it runs.
#[test]
fn run_into_a_directory_another_process_holds_waits_its_turn() {
    let dir = scratch("busy");
    let file = problem(&dir);
    let out = dir.join("run");
    std::fs::create_dir_all(&out).unwrap();
    let holder = std::fs::File::create(out.join(".lock")).unwrap();
    holder.try_lock().unwrap();
    let args = [
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    let r = Command::new(ANSATZ).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(75), "{stderr}");
    assert!(stderr.contains("another ansatz process"), "{stderr}");
    assert!(!out.join("FAILED").exists() && !out.join("problem.toml").exists());
    drop(holder);
    run(&args);
    assert!(error_of(&out) < 1e-2);
}
