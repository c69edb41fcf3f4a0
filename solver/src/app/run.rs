//! One run of a problem file, start to finish: a run directory with the resolved problem,
//! checkpoints, metrics, fields for ParaView and HDF5, plots and a summary.

use crate::app::output::{h5, vtk, write_atomic, ReferenceData};
use crate::app::progress::Progress;
use crate::methods::{self, Event, Method};
use crate::relative_l2;
use crate::Grid;
use operators::Real;
use problems::spec::Precision;
use problems::Problem;
use serde_json::json;
use std::io::Write;
use std::path::Path;

mod directory;
mod error;
mod error_trace;
mod files;
mod lock;
pub(crate) use directory::prepare;
pub use directory::{output_grid, resolved_toml, RunOptions};
pub(crate) use error::out_err;
pub use error::RunError;
use error_trace::ErrorTrace;
use files::{frame_file, write_characteristics, write_curves, write_frame};
pub(crate) use files::{write_plots, write_vtk};
pub use lock::{RunLock, BUSY_EXIT};

/// Runs `problem` into `opts.out`; returns the summary written to `summary.json`.
pub fn run(problem: &Problem, opts: &RunOptions) -> Result<serde_json::Value, RunError> {
    match problem.spec.training.precision {
        Precision::F32 => run_typed::<f32>(problem, opts),
        Precision::F64 => run_typed::<f64>(problem, opts),
    }
}

/// Refuses optimizers whose state would not fit in memory, and warns of quasi-Newton
/// phases in single precision (they stall early: their line search needs f64's resolution).
pub fn check_resources(p: &Problem, params: usize) -> Result<(), RunError> {
    if matches!(p.method, problems::Method::Insr(_)) {
        return Ok(());
    }
    crate::setup::train_config(p).check_memory(params, super::memory::available())?;
    let quasi_newton = p
        .spec
        .training
        .phases()
        .iter()
        .any(|ph| ph.optimizer.is_quasi_newton());
    if quasi_newton && p.spec.training.precision == Precision::F32 {
        eprintln!("warning: quasi-Newton phases in f32 stall early (their line search needs f64's resolution); training.precision = \"f64\" is the setting for them");
    }
    Ok(())
}

fn run_typed<T: Real>(p: &Problem, opts: &RunOptions) -> Result<serde_json::Value, RunError> {
    let out = &opts.out;
    let (_lock, grid, reference, seed) = prepare(p, opts)?;
    let mut method = methods::build::<T>(p, seed);
    check_resources(p, method.params().len())?;
    let scoring = (reference.as_ref()).and_then(|r| Scoring::new(p, method.as_ref(), r));
    let eval_every = p.spec.training.eval_every;
    if let Some(s) = scoring.as_ref().filter(|_| eval_every > 0) {
        method.watch(s.at.clone(), eval_every);
    }
    let checkpoint = out.join("checkpoint.h5");
    let metrics_path = out.join("metrics.jsonl");
    if opts.resume && checkpoint.exists() {
        restore(method.as_mut(), &checkpoint)?;
        let (step, _) = method.steps();
        trim_metrics(&metrics_path, step).map_err(|e| out_err(&metrics_path, e))?;
        if !opts.quiet {
            eprintln!("resuming from {} at step {step}", checkpoint.display());
        }
    } else {
        let _ = std::fs::remove_file(&metrics_path);
    }
    let names = method.term_names();
    let term_names: Vec<&str> = names.iter().map(String::as_str).collect();
    let field_names = &p.symbols.fields;
    let mut metrics = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&metrics_path)
        .map_err(|e| out_err(&metrics_path, e))?;
    let (start, total) = method.steps();
    let progress = Progress::new(total, start, opts.quiet);
    let (space, deforms) = (grid.space(), method.deforms());
    let mut io_error = None;
    let result = method.run(p, &grid, &mut |e| {
        let written = match e {
            Event::Log(r) => {
                let terms: serde_json::Map<String, serde_json::Value> = term_names.iter().zip(&r.terms).map(|(n, v)| (n.to_string(), json!(v))).collect();
                let line = json!({ "step": r.step, "phase": format!("{:?}", r.phase).to_lowercase(), "loss": r.loss, "terms": terms, "lr": r.lr, "eps": r.eps, "wall_s": r.wall_s });
                progress.update(r, &term_names);
                writeln!(metrics, "{line}").map_err(|e| out_err(&metrics_path, e))
            }
            Event::Note(line) => {
                progress.note(line);
                Ok(())
            }
            Event::Solution {
                step,
                wall_s,
                fields,
            } => match &scoring {
                Some(s) => {
                    let line = json!({ "step": step, "wall_s": wall_s, "relative_l2": s.errors(p, fields) });
                    writeln!(metrics, "{line}").map_err(|e| out_err(&metrics_path, e))
                }
                None => Ok(()),
            },
            Event::Checkpoint(c) => h5::write_checkpoint(&checkpoint, c, &term_names, T::NAME)
                .map_err(|e| out_err(&checkpoint, e)),
            Event::Frame(frame) => {
                let pvd = out.join("solution.pvd");
                let entries: Vec<(f64, String)> = (frame.times.iter().enumerate())
                    .map(|(k, t)| (*t, frame_file(k, deforms)))
                    .collect();
                write_frame(out, &space, field_names, &frame, deforms)
                    .and_then(|()| vtk::write_pvd(&pvd, &entries).map_err(|e| out_err(&pvd, e)))
            }
        };
        if let Err(e) = written {
            io_error.get_or_insert(e);
        }
    });
    progress.finish();
    if let Some(e) = io_error {
        return Err(e);
    }
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let _ = write_atomic(&out.join("FAILED"), format!("{e}\n").as_bytes());
            return Err(e.into());
        }
    };
    h5::write_checkpoint(&checkpoint, &method.checkpoint(), &term_names, T::NAME)
        .map_err(|e| out_err(&checkpoint, e))?;

    // Fields on the output grid, and errors against the reference on its own grid.
    let grid = method.output_grid(&grid);
    let mut prediction = method.solution(p, &grid);
    let mask = inside_mask(p, &grid);
    let mut errors = serde_json::Map::new();
    let mut reference_on_grid = None;
    if let Some(r) = &reference {
        errors = relative_errors(p, method.as_ref(), r, Some((&grid, &prediction)));
        if let Some(mut fields) = r.on(p, &grid) {
            blank_outside(&mut fields, mask.as_deref());
            reference_on_grid = Some(fields);
        }
    }
    blank_outside(&mut prediction, mask.as_deref());
    let mut summary = json!({
        "name": p.spec.name,
        "status": "completed",
        "problem": p.path.display().to_string(),
        "method": p.method.kind(),
        "steps": report.steps,
        "wall_s": report.wall_s,
        "final_loss": report.loss,
        "relative_l2": errors,
        "reference": reference.as_ref().map(|r| r.source.clone()),
        "experts": method.experts().map(|e| experts_summary(&e)),
        "seed": seed,
        "precision": T::NAME,
        "threads": rayon::current_num_threads(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    for (key, value) in method.extra(p) {
        summary[key] = serde_json::to_value(value).expect("summary values serialize");
    }
    let trace = ErrorTrace::read(&metrics_path);
    if !trace.is_empty() {
        summary["time_to_error"] = trace.time_to();
    }
    let summary_text = serde_json::to_string_pretty(&summary).expect("JSON values serialize");

    let history = method.history();
    let results = out.join("results.h5");
    h5::write_results(
        &results,
        &h5::Results {
            grid: &grid,
            field_names,
            fields: &prediction,
            reference: reference_on_grid.as_deref(),
            history: &history,
            term_names: &term_names,
            summary_json: &summary_text,
        },
    )
    .map_err(|e| out_err(&results, e))?;
    // A method that wrote its frames as it went has its VTK files already.
    if !method.reports_frames() {
        write_vtk(
            out,
            &grid,
            field_names,
            &prediction,
            reference_on_grid.as_deref(),
            mask.as_deref(),
        )?;
    }
    write_plots(
        out,
        &grid,
        field_names,
        &prediction,
        reference_on_grid.as_deref(),
        &history,
        &term_names,
        opts.quiet,
    );
    if !trace.is_empty() {
        if let Err(e) = trace.plot(&out.join("error_history.png")) {
            if !opts.quiet {
                eprintln!("warning: error_history.png: {e}");
            }
        }
    }
    write_characteristics(out, p, method.as_ref(), opts.quiet);
    write_curves(out, &method.curves(p), opts.quiet);
    // The summary comes last: its presence marks a finished run.
    write_atomic(&out.join("summary.json"), summary_text.as_bytes())
        .map_err(|e| out_err(out, e))?;
    Ok(summary)
}

/// Continues `method` from the checkpoint at `path`.
fn restore<T: Real>(method: &mut dyn Method<T>, path: &Path) -> Result<(), RunError> {
    let c = h5::read_checkpoint(path).map_err(|e| out_err(path, e))?;
    method.restore(&c).map_err(|e| out_err(path, e))
}

/// The reference on the grid a method's error is measured on, and what is compared there.
struct Scoring {
    at: Grid,
    reference: Vec<Vec<f64>>,
    mask: Option<Vec<bool>>,
    compared: usize,
}

impl Scoring {
    /// `None` where the reference cannot be had on that grid (a file on another grid).
    fn new<T: Real>(p: &Problem, method: &dyn Method<T>, r: &ReferenceData) -> Option<Self> {
        let at = method.error_grid(&r.grid);
        Some(Scoring {
            reference: r.on(p, &at)?,
            mask: inside_mask(p, &at),
            compared: method.compared(p),
            at,
        })
    }

    /// Relative L2 error of each compared field of `prediction` (on `self.at`).
    fn errors(
        &self,
        p: &Problem,
        prediction: &[Vec<f64>],
    ) -> serde_json::Map<String, serde_json::Value> {
        (p.symbols.fields.iter())
            .zip(prediction.iter().zip(&self.reference))
            .take(self.compared)
            .map(|(n, (u, v))| {
                let e = masked_relative_l2(u, v, self.mask.as_deref());
                (n.clone(), json!(e))
            })
            .collect()
    }
}

/// Relative L2 error of each compared field against the reference, on the part of its grid
/// the method is measured on; `known` is a solution already evaluated on some grid, used if
/// that grid is the one.
fn relative_errors<T: Real>(
    p: &Problem,
    method: &dyn Method<T>,
    r: &ReferenceData,
    known: Option<(&Grid, &[Vec<f64>])>,
) -> serde_json::Map<String, serde_json::Value> {
    let Some(scoring) = Scoring::new(p, method, r) else {
        return Default::default();
    };
    let evaluated;
    let prediction = match known {
        Some((grid, fields)) if *grid == scoring.at => fields,
        _ => {
            evaluated = method.solution(p, &scoring.at);
            &evaluated
        }
    };
    scoring.errors(p, prediction)
}

/// A finished (or checkpointed) run: its problem, and its method at the checkpoint (f64).
pub type Loaded = (Problem, Box<dyn Method<f64>>);

/// A finished (or checkpointed) run: its problem, and its method as the checkpoint left it.
pub fn load_trained(run_dir: &Path) -> Result<Loaded, RunError> {
    let problem = Problem::load(run_dir.join("problem.toml"))?;
    let mut method = methods::build::<f64>(&problem, problem.spec.training.seed);
    restore(method.as_mut(), &run_dir.join("checkpoint.h5"))?;
    Ok((problem, method))
}

/// Relative L2 errors of a trained run against its reference, per field.
pub fn evaluate(run_dir: &Path) -> Result<serde_json::Value, RunError> {
    let (p, method) = load_trained(run_dir)?;
    let (_, reference) = output_grid(&p)?;
    let r = reference.ok_or_else(|| {
        RunError::Usage(format!(
            "{}: the problem has no reference to evaluate against",
            p.path.display()
        ))
    })?;
    let errors = relative_errors(&p, method.as_ref(), &r, None);
    Ok(
        json!({ "run": run_dir.display().to_string(), "reference": r.source, "relative_l2": errors }),
    )
}

/// Re-samples a trained run on a new grid: .vti files with a .pvd, and fields.h5, in `out`.
/// A method that steps in time has its fields at its frames, whatever `times` says.
pub fn export(
    run_dir: &Path,
    out: &Path,
    grid_points: Option<&[usize]>,
    times: Option<usize>,
) -> Result<(), RunError> {
    let (p, method) = load_trained(run_dir)?;
    let (default_grid, _) = output_grid(&p)?;
    let mut n: Vec<usize> = default_grid.coords.iter().map(Vec::len).collect();
    let spatial: Vec<usize> = (0..p.dims()).filter(|&a| Some(a) != p.time_axis).collect();
    if let Some(g) = grid_points {
        if g.len() != spatial.len() || g.iter().any(|&k| k < 2) {
            return Err(RunError::Usage(format!(
                "--grid needs {} numbers ≥ 2 (points along {})",
                spatial.len(),
                spatial
                    .iter()
                    .map(|&a| p.axes[a].as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        for (&a, &k) in spatial.iter().zip(g) {
            n[a] = k;
        }
    }
    if let (Some(t), Some(k)) = (p.time_axis, times) {
        n[t] = k.max(2);
    }
    let grid = Grid::uniform(&p.axes, &p.domain.lo, &p.domain.hi, &n, p.time_axis);
    let grid = method.output_grid(&grid);
    std::fs::create_dir_all(out.join("fields")).map_err(|e| out_err(out, e))?;
    let mut prediction = method.solution(&p, &grid);
    let mask = inside_mask(&p, &grid);
    blank_outside(&mut prediction, mask.as_deref());
    write_vtk(
        out,
        &grid,
        &p.symbols.fields,
        &prediction,
        None,
        mask.as_deref(),
    )?;
    let path = out.join("fields.h5");
    h5::write_fields(&path, &grid, &p.symbols.fields, &prediction).map_err(|e| out_err(&path, e))
}

/// Which points of one time slice of `grid` lie inside the problem's region (all for boxes).
fn inside_mask(p: &Problem, grid: &Grid) -> Option<Vec<bool>> {
    let region = p.region.as_ref()?;
    let points = grid.points::<f64>();
    let spatial = grid.spatial_axes();
    Some(
        (0..grid.slice_len())
            .map(|i| {
                region.distance(
                    &spatial
                        .iter()
                        .map(|&a| points.axis(a)[i])
                        .collect::<Vec<_>>(),
                ) <= 1e-12
            })
            .collect(),
    )
}

/// Relative L2 error over the points inside the region (`mask` repeats every slice).
fn masked_relative_l2(u: &[f64], v: &[f64], mask: Option<&[bool]>) -> f64 {
    match mask {
        None => relative_l2(u, v),
        Some(m) => {
            let keep = |i: usize| m[i % m.len()];
            let (a, b): (Vec<f64>, Vec<f64>) = u
                .iter()
                .zip(v)
                .enumerate()
                .filter(|(i, _)| keep(*i))
                .map(|(_, (x, y))| (*x, *y))
                .unzip();
            relative_l2(&a, &b)
        }
    }
}

/// Sets values outside the region to NaN (so no one mistakes them for a solution).
fn blank_outside(values: &mut [Vec<f64>], mask: Option<&[bool]>) {
    if let Some(m) = mask {
        for v in values {
            v.iter_mut()
                .enumerate()
                .filter(|(i, _)| !m[i % m.len()])
                .for_each(|(_, x)| *x = f64::NAN);
        }
    }
}

/// Drops metric lines logged after `step` (they are redone after a resume).
fn trim_metrics(path: &Path, step: usize) -> std::io::Result<()> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .ok()
                .and_then(|v| v["step"].as_u64())
                .is_some_and(|s| (s as usize) < step)
        })
        .collect();
    write_atomic(
        path,
        (kept.join("\n") + if kept.is_empty() { "" } else { "\n" }).as_bytes(),
    )
}

/// How each expert's last constraint solve went (hard constraints only).
fn experts_summary(experts: &methods::Experts) -> serde_json::Value {
    let solves: Vec<serde_json::Value> = experts
        .solves
        .iter()
        .map(|s| {
            let r = &s.report;
            json!({ "lo": s.block.lo, "hi": s.block.hi, "iterations": r.iterations, "cost": r.cost, "stop": format!("{:?}", r.stop) })
        })
        .collect();
    json!({ "splits": experts.splits, "solves": solves })
}
