//! INSR: the integrators' discrete solutions of the heat equation, resuming, and the run's
//! frames read back by h5py and VTK (the step objective's gradients are unit tests in
//! `insr/objective.rs`).

mod common;

use common::{check_with_python, run_quietly, scratch, HEAT};
use problems::Problem;
use std::path::Path;

/// The heat problem of `common` stepped by INSR over [0, t1] with `integrator` and `dt`.
fn heat(integrator: &str, dt: f64, t1: f64, reference: &str) -> Problem {
    let text = HEAT
        .replace("t = [0.0, 1.0]", &format!("t = [0.0, {t1}]"))
        .replace(
            r#"analytic = ["sin(pi*x)*exp(-k*pi^2*t)"]"#,
            &format!("analytic = [\"{reference}\"]"),
        )
        + &format!(
            r#"
[method]
kind = "insr"
[method.insr]
integrator = "{integrator}"
dt = {dt}
samples = 512
iterations = 300
initial_iterations = 1000
learning_rate = 3e-3
lbfgs_iterations = 300
"#
        );
    Problem::from_str(&text, Path::new("heat_insr.toml")).unwrap()
}

/// Relative L2 error at the final time of an INSR heat run against `reference`.
fn heat_error(integrator: &str, reference: &str, name: &str) -> f64 {
    let p = heat(integrator, 0.1, 0.5, reference);
    let summary = run_quietly(&p, &scratch(name).join("run"));
    summary["relative_l2"]["u"].as_f64().unwrap()
}

#[test]
fn implicit_euler_steps_follow_its_own_discrete_decay() {
    // With k·π² = 1 and dt = 0.1 implicit Euler damps sin(πx) by 1/1.1 per step: after five
    // steps 0.6209 against the exact e^(−0.5) = 0.6065, 2.4% apart.
    let discrete = heat_error("implicit_euler", "sin(pi*x)*1.1^(-t/0.1)", "insr-ie");
    let exact = heat_error("implicit_euler", "sin(pi*x)*exp(-t)", "insr-ie-exact");
    println!(
        "implicit Euler: {discrete:.2e} from its discrete solution, {exact:.2e} from the exact one"
    );
    assert!(discrete < 3e-3, "{discrete:.2e}");
    assert!(exact > 1.5e-2, "{exact:.2e}");
}

#[test]
fn midpoint_steps_follow_the_exact_decay() {
    // Implicit midpoint: (0.95/1.05)^5 = 0.6063, within 0.04% of e^(−0.5), where implicit
    // Euler is 2.4% off; what is left is the network's error (measured 2.5e-3).
    let exact = heat_error("midpoint", "sin(pi*x)*exp(-t)", "insr-mid");
    println!("midpoint: {exact:.2e} from the exact solution");
    assert!(exact < 6e-3, "{exact:.2e}");
}

#[test]
fn a_resumed_simulation_ends_with_the_same_network() {
    let straight = scratch("insr-straight").join("run");
    run_quietly(&heat("midpoint", 0.1, 0.3, "sin(pi*x)*exp(-t)"), &straight);
    // The same simulation stopped after two steps, then resumed for the third.
    let resumed = scratch("insr-resumed").join("run");
    run_quietly(&heat("midpoint", 0.1, 0.2, "sin(pi*x)*exp(-t)"), &resumed);
    let summary = solver::app::run::run(
        &heat("midpoint", 0.1, 0.3, "sin(pi*x)*exp(-t)"),
        &solver::app::run::RunOptions {
            out: resumed.clone(),
            resume: true,
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(summary["steps"], 3);
    let params = |dir: &Path| -> Vec<f64> {
        let f = hdf5::File::open(dir.join("checkpoint.h5")).unwrap();
        f.dataset("params").unwrap().read_raw().unwrap()
    };
    assert_eq!(params(&straight), params(&resumed));
}

#[test]
fn frames_read_back_with_h5py_and_vtk() {
    let run = scratch("insr-frames").join("run");
    let summary = run_quietly(&heat("midpoint", 0.1, 0.3, "sin(pi*x)*exp(-t)"), &run);
    let script = r#"
import json, os, sys, xml.etree.ElementTree as ET
import h5py, numpy as np, vtk
from vtk.util.numpy_support import vtk_to_numpy
run = sys.argv[1]
with h5py.File(os.path.join(run, "results.h5"), "r") as f:
    t, u, ref = f["coords/t"][:], f["fields/u"][:], f["reference/u"][:]
with h5py.File(os.path.join(run, "checkpoint.h5"), "r") as f:
    assert f["frame_params"].shape[0] == len(t), f["frame_params"].shape
summary = json.load(open(os.path.join(run, "summary.json")))
assert np.allclose(t, [0.0, 0.1, 0.2, 0.3]), t
final = np.linalg.norm(u[-1] - ref[-1]) / np.linalg.norm(ref[-1])
assert abs(final - summary["relative_l2"]["u"]) < 1e-12, (final, summary["relative_l2"])
entries = ET.parse(os.path.join(run, "solution.pvd")).getroot().findall("./Collection/DataSet")
assert [float(e.get("timestep")) for e in entries] == list(t)
for k, e in enumerate(entries):
    r = vtk.vtkXMLImageDataReader()
    r.SetFileName(os.path.join(run, e.get("file")))
    r.Update()
    pd = r.GetOutput().GetPointData()
    assert np.allclose(vtk_to_numpy(pd.GetArray("u")), u[k]), k
    assert np.allclose(vtk_to_numpy(pd.GetArray("u_reference")), ref[k]), k
print("frames ok")
"#;
    check_with_python(script, &run);
    assert_eq!(summary["steps"], 3);
}

#[test]
fn the_elastic_bar_falls_as_a_series_of_deformed_grids() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/elastic_bar_insr.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("t = [0.0, 2.0]", "t = [0.0, 0.25]")
        .replace("samples = 1000", "samples = 400")
        .replace("iterations = 200", "iterations = 100")
        .replace("lbfgs_iterations = 100", "lbfgs_iterations = 50");
    let p = Problem::from_str(&text, &file).unwrap();
    let run = scratch("insr-elastic").join("run");
    let summary = run_quietly(&p, &run);
    let series = |name: &str| -> Vec<f64> {
        summary["diagnostics_per_step"][name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    // Volume kept, and the bar set in motion by gravity.
    assert!(series("area_ratio").iter().all(|a| (a - 1.0).abs() < 1e-2));
    assert!(series("kinetic_energy")[1] > 0.0);
    let script = r#"
import os, sys, xml.etree.ElementTree as ET
import numpy as np, vtk
from vtk.util.numpy_support import vtk_to_numpy
run = sys.argv[1]
entries = ET.parse(os.path.join(run, "solution.pvd")).getroot().findall("./Collection/DataSet")
assert len(entries) == 6, len(entries)
x, y = np.meshgrid(np.linspace(0, 4, 41), np.linspace(0, 1, 11))
for e in entries:
    r = vtk.vtkXMLStructuredGridReader()
    r.SetFileName(os.path.join(run, e.get("file")))
    r.Update()
    g = r.GetOutput()
    dims = [0, 0, 0]
    g.GetDimensions(dims)
    assert dims == [41, 11, 1], dims
    pts = vtk_to_numpy(g.GetPoints().GetData())
    u = vtk_to_numpy(g.GetPointData().GetArray("u"))
    v = vtk_to_numpy(g.GetPointData().GetArray("v"))
    assert np.allclose(pts[:, 0], x.ravel() + u) and np.allclose(pts[:, 1], y.ravel() + v)
tip = pts[5 * 41 + 40]
assert tip[1] < 0.5 - 0.01, tip
print("deformed frames ok, tip at", tip)
"#;
    check_with_python(script, &run);
}

#[test]
fn the_elastic_bar_swings_about_its_beam_theory_deflection() {
    // Plane strain, E' = 13,333 (Lamé μ = λ = 5000), I = 1/12, L = 4, load ρ·g·h = 9.8:
    // bending q·L⁴/(8·E'·I) = 0.282 plus shear q·L²/(2·κ·G·A) = 0.019 (κ = 5/6): 0.30 at the tip.
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/elastic_bar_insr.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("samples = 1000", "samples = 400")
        .replace("iterations = 200", "iterations = 100")
        .replace("lbfgs_iterations = 100", "lbfgs_iterations = 50");
    let p = Problem::from_str(&text, &file).unwrap();
    let run = scratch("insr-elastic-deflection").join("run");
    run_quietly(&p, &run);
    let f = hdf5::File::open(run.join("results.h5")).unwrap();
    let v: Vec<f64> = f.dataset("fields/v").unwrap().read_raw().unwrap();
    // The tip (x = 4, y = 0.5) over the last second, about one period of the swing.
    let (nx, ny) = (41, 11);
    let tips: Vec<f64> = (21..41).map(|k| v[k * nx * ny + 5 * nx + 40]).collect();
    let mean = tips.iter().sum::<f64>() / tips.len() as f64;
    println!("tip deflection over the last second: mean {mean:.3}");
    assert!(
        (mean + 0.30).abs() < 0.05,
        "mean tip deflection {mean:.3}, beam theory −0.30"
    );
}

#[test]
fn semi_lagrangian_departure_points_wrap_around_a_periodic_domain() {
    // Convection-diffusion at beta = 50 with a periodic embedding in x: each step moves the
    // wave by beta·dt = 0.5. Departure points x − 0.5 near x = 0 used to be clamped to the
    // boundary, so the step fitted the wrong values there (12% error after five steps);
    // wrapped, five steps stay near 2% (measured 2.4e-2).
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/convection_diffusion.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let sets: Vec<String> = [
        "method.kind=insr",
        "method.insr.integrator=semi_lagrangian",
        "method.insr.dt=0.01",
        "method.insr.samples=1000",
        "method.insr.iterations=200",
        "method.insr.initial_iterations=2000",
        "method.insr.learning_rate=1e-3",
        "domain.t=[0.0, 0.05]",
        "output.grid=[256, 6]",
    ]
    .map(String::from)
    .to_vec();
    let text = solver::app::overrides::apply_overrides(&text, &sets).unwrap();
    let p = Problem::from_str(&text, &file).unwrap();
    let summary = run_quietly(&p, &scratch("insr-periodic").join("run"));
    let error = summary["relative_l2"]["u"].as_f64().unwrap();
    println!("semi-Lagrangian, periodic x, after 5 steps: {error:.2e}");
    assert!(error < 5e-2, "{error:.2e}");
}

#[test]
fn an_insr_run_is_evaluated_and_exported_from_its_checkpoint_like_any_method() {
    // Before INSR was a `Method`, `eval` and `export` refused INSR runs, and its solves were
    // not in metrics.jsonl.
    let run = scratch("insr-eval").join("run");
    let summary = run_quietly(&heat("midpoint", 0.1, 0.2, "sin(pi*x)*exp(-t)"), &run);
    let evaluated = solver::app::run::evaluate(&run).unwrap();
    assert_eq!(evaluated["relative_l2"], summary["relative_l2"]);
    let metrics = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    assert_eq!(metrics.lines().count(), 3, "{metrics}");

    // Exported at the frames (t = 0, 0.1, 0.2) whatever --times asks, on a finer space.
    let out = scratch("insr-export");
    solver::app::run::export(&run, &out, Some(&[11]), Some(7)).unwrap();
    let script = r#"
import os, sys
import h5py, numpy as np
out = sys.argv[1]
with h5py.File(os.path.join(out, "fields.h5"), "r") as f:
    t, x, u = f["coords/t"][:], f["coords/x"][:], f["fields/u"][:]
assert np.allclose(t, [0.0, 0.1, 0.2]), t
assert u.shape == (3, 11), u.shape
exact = np.sin(np.pi * x)[None, :] * np.exp(-t)[:, None]
assert np.linalg.norm(u - exact) / np.linalg.norm(exact) < 1e-2
print("export ok")
"#;
    check_with_python(script, &out);
}
