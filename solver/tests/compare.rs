//! `ansatz compare` end to end: five methods on the convection–diffusion problem (shortened)
//! into one directory, its table checked against the fields h5py reads back, a second call
//! that reuses the finished runs, and rows for methods that do not apply.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{python, scratch, ANSATZ, HEAT};

fn ansatz(args: &[&str]) -> Output {
    Command::new(ANSATZ).args(args).output().unwrap()
}

fn succeeded(out: Output, what: &str) -> Output {
    assert!(
        out.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// compare.csv as (header, rows of cells).
fn csv(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("compare.csv")).unwrap();
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(String::from).collect());
    (lines.next().unwrap(), lines.collect())
}

fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    &row[header.iter().position(|h| h == name).unwrap()]
}

/// The relative L2 error of `fields/u` against `reference/u` in a results.h5, by h5py.
fn l2_by_h5py(results: &Path) -> f64 {
    let script = "import sys, h5py, numpy as np\n\
                  f = h5py.File(sys.argv[1], 'r')\n\
                  u, r = f['fields/u'][...], f['reference/u'][...]\n\
                  print(repr(float(np.linalg.norm(u - r) / np.linalg.norm(r))))";
    let out = Command::new(python())
        .args(["-c", script, results.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

const SHORT: [&str; 16] = [
    "--set",
    "training.adam_steps=30",
    "--set",
    "training.lbfgs_steps=0",
    "--set",
    "training.collocation=256",
    "--set",
    "output.grid=[32, 6]",
    "--set",
    "model.gaussians.count=64",
    "--set",
    "method.insr.samples=200",
    "--set",
    "method.insr.iterations=10",
    "--set",
    "method.insr.initial_iterations=50",
];

#[test]
fn five_methods_side_by_side_and_reused_when_called_again() {
    let dir = scratch("compare");
    let problem =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../problems/convection_diffusion.toml");
    let out = dir.join("cd");
    let mut args = vec![
        "compare",
        problem.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend(SHORT);
    let first = succeeded(ansatz(&args), "compare");
    let (header, rows) = csv(&out);
    let methods: Vec<&str> = rows.iter().map(|r| cell(&header, r, "method")).collect();
    assert_eq!(methods, ["pinn", "lpinn", "insr", "pig", "moe_hc"]);
    for (row, method) in rows.iter().zip(&methods) {
        assert_eq!(cell(&header, row, "note"), "", "{method} has a note");
        // The table's error is the one over all of space-time in the method's results.h5.
        let l2: f64 = cell(&header, row, "l2_u").parse().unwrap();
        let h5py = l2_by_h5py(&out.join(method).join("results.h5"));
        assert!(
            (l2 - h5py).abs() <= 1e-12 * h5py,
            "{method}: table {l2}, h5py {h5py}"
        );
        for column in ["l2_u_final", "wall_s", "parameters", "steps"] {
            let v: f64 = cell(&header, row, column).parse().unwrap();
            assert!(v.is_finite() && v > 0.0, "{method}: {column} = {v}");
        }
    }
    // INSR stepped from one output frame to the next: 5 steps of 10 iterations after 50.
    assert_eq!(cell(&header, &rows[2], "steps"), "100");
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert_eq!(md.lines().filter(|l| l.starts_with("| ")).count(), 2 + 5);
    for png in ["compare.png", "error_over_time.png"] {
        assert!(
            std::fs::metadata(out.join(png)).unwrap().len() > 10_000,
            "{png}"
        );
    }
    // Called again, compare reuses the five finished runs: the same table, no training.
    let csv_before = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let second = succeeded(ansatz(&args), "compare again");
    assert_eq!(
        std::fs::read_to_string(out.join("compare.csv")).unwrap(),
        csv_before
    );
    assert_eq!(first.stdout, second.stdout);
    // Other settings in the same directory are refused, not mixed into the table.
    let mut changed = args.clone();
    changed.extend(["--set", "training.adam_steps=31"]);
    let refused = ansatz(&changed);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("holds a run of other settings"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[test]
fn a_method_that_does_not_apply_gets_the_checkers_reason() {
    let dir = scratch("compare-heat");
    let file = dir.join("heat.toml");
    std::fs::write(&file, HEAT).unwrap();
    let out = dir.join("cmp");
    succeeded(
        ansatz(&[
            "compare",
            file.to_str().unwrap(),
            "--methods",
            "pinn,lpinn",
            "--set",
            "training.adam_steps=20",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]),
        "compare",
    );
    let (header, rows) = csv(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(cell(&header, &rows[0], "note"), "");
    let note = cell(&header, &rows[1], "note");
    assert!(note.starts_with("does not apply: "), "{note}");
    assert!(note.contains("periodic"), "{note}");
    assert_eq!(cell(&header, &rows[1], "l2_u"), "");
    let unknown = ansatz(&["compare", file.to_str().unwrap(), "--methods", "pinn,fem"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr)
        .contains("expected one of pinn, lpinn, insr, pig, moe_hc"));
}
