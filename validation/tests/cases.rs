//! Case files, the runner and the report, end to end on a small problem.

use std::path::{Path, PathBuf};
use validation::case::{Case, Mode};
use validation::report::render;
use validation::runner::{run_case, Dirs};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ansatz-validation-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_case(dir: &Path, name: &str, text: &str) -> Case {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    Case::load(&path).unwrap()
}

/// The heat problem against a finite-difference reference that the runner computes, writes
/// as reference.h5 and hands to the run as the problem's reference file.
#[test]
fn heat_against_a_computed_finite_difference_reference() {
    let dir = scratch("heat");
    let problems = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/heat.toml");
    let case = write_case(
        &dir,
        "heat_fd",
        &format!(
            r#"
problem = {problems:?}
method = "PINN"
description = "heat against finite differences"
[reference.finite_difference]
points = 401
dt = 1e-3
snapshots = 51
[quick]
set = ["training.adam_steps=300", "training.lbfgs_steps=300", "training.collocation=512"]
tolerance = 2e-2
[full]
tolerance = 1e-3
"#
        ),
    );
    let dirs = Dirs {
        runs: dir.join("runs"),
        figures: dir.join("figures"),
    };
    std::fs::create_dir_all(&dirs.figures).unwrap();
    let o = run_case(&case, Mode::Quick, &dirs).unwrap();
    println!("heat vs finite differences: {:.3e}", o.error);
    assert!(o.error < 2e-2, "{}", o.error);
    assert!(o.reference.contains("finite differences BDF2, 401 nodes"));
    assert_eq!(o.steps, 600);
    // The computed reference is what the run compared with: its grid is the output grid.
    let h = hdf5::File::open(dirs.runs.join("heat_fd/reference.h5")).unwrap();
    let t: Vec<f64> = h.dataset("t").unwrap().read_raw().unwrap();
    let u: Vec<f64> = h.dataset("u").unwrap().read_raw().unwrap();
    assert_eq!((t.len(), u.len()), (51, 51 * 401));
    // The FD reference itself is close to the closed form sin(pi x) exp(-0.1 pi^2 t).
    let last = &u[50 * 401..];
    let exact = |j: usize| {
        (std::f64::consts::PI * j as f64 / 400.0).sin()
            * (-0.1 * std::f64::consts::PI.powi(2)).exp()
    };
    assert!(last
        .iter()
        .enumerate()
        .all(|(j, v)| (v - exact(j)).abs() < 1e-5));
    let png = std::fs::metadata(dirs.figures.join("heat_fd.png")).unwrap();
    assert!(png.len() > 10_000, "figure of {} bytes", png.len());

    let report = render(
        Mode::Quick,
        "test",
        1.0,
        &[(&case, Ok(o)), (&case, Err("boom".into()))],
    );
    assert!(
        report.contains("| heat_fd | PINN | mlp 32-32-32 (2,241) | 600 |"),
        "{report}"
    );
    assert!(report.contains("pass (≤ 2.0e-2)"));
    assert!(report.contains("**FAILED**") && report.contains("Failed: boom"));
    assert!(report.contains("![heat_fd](figures/heat_fd.png)"));
}

#[test]
fn a_bad_case_file_names_file_and_line() {
    let dir = scratch("bad");
    let path = dir.join("bad.toml");
    std::fs::write(
        &path,
        "problem = \"x.toml\"\nmethod = \"PINN\"\ndescription = \"d\"\n[quick]\ntolerance = \"big\"\n[full]\ntolerance = 1.0\n",
    )
    .unwrap();
    let e = Case::load(&path).unwrap_err().to_string();
    assert!(
        e.contains("bad.toml") && e.contains("line 5") && e.contains("invalid type"),
        "{e}"
    );
}

/// Every committed case file parses, names an existing problem, and states both tolerances.
#[test]
fn committed_cases_are_well_formed() {
    let cases = Case::all(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")).unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    for required in [
        "burgers",
        "allen_cahn",
        "kuramoto_sivashinsky",
        "helmholtz",
        "klein_gordon",
        "convection_beta30",
        "convection_beta50",
    ] {
        assert!(
            names.contains(&required),
            "missing case {required}: {names:?}"
        );
    }
    for c in &cases {
        assert!(
            c.problem_path().exists(),
            "{}: {}",
            c.name,
            c.problem_path().display()
        );
        assert!(c.spec.quick.tolerance > 0.0 && c.spec.full.tolerance > 0.0);
    }
}
