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
    Case::load(&path).unwrap().remove(0)
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
        "helmholtz_pig",
        "klein_gordon_2d.reduced.pig",
        "flow_mixing.reduced.pig",
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
        assert!(c.tolerance(Mode::Quick) > 0.0 && c.tolerance(Mode::Full) > 0.0);
    }
}

/// A sweep is a run per variant and method, each with the mode's, the variant's and the
/// method's overrides in that order, its method's tolerance, and one table in the report.
#[test]
fn a_sweep_is_a_run_per_variant_and_method() {
    let dir = scratch("sweep");
    let text = r#"
problem = "../../problems/convection_diffusion.toml"
method = "PINN vs LPINN"
description = "a sweep"
[sweep]
variants = [{ name = "beta 10, nu 0", set = ["parameters.beta=10.0", "parameters.nu=0.0"] },
            { name = "beta 50, nu 0.01", set = ["parameters.beta=50.0"] }]
methods = [{ name = "PINN", set = ["method.kind=pinn"] }, { name = "LPINN" }]
[quick]
set = ["training.adam_steps=10"]
tolerance = { PINN = 1.5, LPINN = 2e-3 }
[full]
tolerance = 1e-3
"#;
    let path = dir.join("sweep.toml");
    std::fs::write(&path, text).unwrap();
    let cases = Case::load(&path).unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "sweep.beta10-nu0.pinn",
            "sweep.beta10-nu0.lpinn",
            "sweep.beta50-nu0.01.pinn",
            "sweep.beta50-nu0.01.lpinn"
        ]
    );
    assert_eq!(
        cases[0].spec.quick.set,
        [
            "training.adam_steps=10",
            "parameters.beta=10.0",
            "parameters.nu=0.0",
            "method.kind=pinn"
        ]
    );
    assert_eq!(cases[1].spec.method, "LPINN");
    assert_eq!(
        (
            cases[0].tolerance(Mode::Quick),
            cases[1].tolerance(Mode::Quick)
        ),
        (1.5, 2e-3)
    );
    assert_eq!(cases[3].tolerance(Mode::Full), 1e-3);
    assert!(cases.iter().all(|c| c.selected_by("sweep")));
    assert!(
        cases[2].selected_by("sweep.beta50-nu0.01.pinn")
            && !cases[3].selected_by("sweep.beta50-nu0.01.pinn")
    );

    let outcome = |error: f64| validation::runner::Outcome {
        case: String::new(),
        method: String::new(),
        description: String::new(),
        model: "mlp 20-20".into(),
        parameters: 100,
        steps: 10,
        wall_s: 3.0,
        error,
        reference: "closed form".into(),
        figure: Some("figures/x.png".into()),
        grid_solvers: vec![],
    };
    let rows: Vec<_> = cases
        .iter()
        .zip([0.9, 1e-3, 0.8, 5e-3])
        .map(|(c, e)| (c, Ok(outcome(e))))
        .collect();
    let report = render(Mode::Quick, "test", 1.0, &rows);
    assert!(report.contains("| variant | PINN | LPINN |"), "{report}");
    assert!(
        report.contains(
            "| beta 10, nu 0 | 9.00e-1 (3 s, 300.00 ms/step) | 1.00e-3 (3 s, 300.00 ms/step) |"
        ),
        "{report}"
    );
    assert!(
        report.contains("| beta 50, nu 0.01 | 8.00e-1 (3 s, 300.00 ms/step) | 5.00e-3 (3 s, 300.00 ms/step) ✗ |"),
        "{report}"
    );

    // A method without a tolerance is refused when the file is read.
    std::fs::write(&path, text.replace("LPINN = 2e-3", "LPIN = 2e-3")).unwrap();
    let e = Case::load(&path).unwrap_err().to_string();
    assert!(e.contains("no number for method `LPINN`"), "{e}");
}
