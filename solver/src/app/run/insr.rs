//! An INSR problem's run: a solve per time step, each frame written as soon as it is computed
//! (the .pvd rewritten), a checkpoint after every solve that holds the network at every frame,
//! and at the end results.h5, the plots and the summary.

use super::directory::{prepare, RunOptions};
use super::error::{out_err, RunError};
use super::files::write_plots;
use crate::app::output::h5::{self, create_atomic, dataset};
use crate::app::output::{plot, vtk, write_atomic};
use crate::insr::{compared_l2, reference_at, stepper, SolveRecord, State, Stepper};
use crate::train::{Phase, Record};
use crate::{relative_l2, Grid, TrainError};
use operators::{Points, Real, Rng};
use problems::Problem;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

/// Runs an INSR problem into `opts.out`; returns the summary written to `summary.json`,
/// whose `relative_l2` is the error at the final time.
pub fn run<T: Real>(p: &Problem, opts: &RunOptions) -> Result<serde_json::Value, RunError> {
    let insr = p
        .method
        .insr()
        .expect("INSR is the method not trained over the whole domain");
    let out = &opts.out;
    let (_lock, grid, _, seed) = prepare(p, opts)?;
    let s = &insr.settings;
    let dims = p.dims() - 1;
    let fields = &p.symbols.fields;
    let mut rng = Rng::new(seed);
    let mut stepper = stepper::<T>(p, &mut rng);
    let params = stepper.init_params(&mut rng);
    let checkpoint = out.join("checkpoint.h5");
    let mut state = State::new(params, rng);
    if opts.resume && checkpoint.exists() {
        state = read_state(&checkpoint, stepper.n_params()).map_err(|e| out_err(&checkpoint, e))?;
        if !opts.quiet {
            eprintln!(
                "resuming from {} after step {}",
                checkpoint.display(),
                state.solves.saturating_sub(1)
            );
        }
    }
    let space = Grid {
        axes: p.axes[..dims].to_vec(),
        coords: grid.coords[..dims].to_vec(),
        time_axis: None,
    };
    let points: Points<T> = space.points();
    let t0 = p.domain.lo[p.time_axis.expect("INSR has a time axis")];

    for j in state.solves..=insr.steps {
        let start = Instant::now();
        let (params, rng) = (&mut state.params, &mut state.rng);
        let solved = match j {
            0 => {
                let iterations = match s.initial_iterations {
                    0 => s.iterations,
                    n => n,
                };
                stepper.initial(params, s, iterations, rng)
            }
            _ => stepper.step(j - 1, params, s, rng),
        };
        let report = solved.map_err(|message| {
            let e = TrainError::NonFinite {
                step: j,
                term: message,
            };
            let _ = write_atomic(&out.join("FAILED"), format!("{e}\n").as_bytes());
            RunError::from(e)
        })?;
        let t = t0 + j as f64 * insr.settings.dt;
        let prediction = stepper.fields(&state.params, &points);
        let reference = reference_at(p, &space, t);
        let error = reference.as_ref().map_or(f64::NAN, |r| {
            compared_l2(&prediction, r, stepper.compared())
        });
        let diagnostics = stepper.diagnostics(&state.params, &points);
        state.records.push(SolveRecord {
            iterations: report.iterations,
            loss: report.loss,
            lr: report.lr,
            wall_s: start.elapsed().as_secs_f64(),
            error,
            diagnostics: diagnostics.iter().map(|(_, v)| *v).collect(),
        });
        state.solves = j + 1;
        if j % s.output_every == 0 || j == insr.steps {
            let index = state.frames.len();
            state
                .frames
                .push((t, state.params.iter().map(|v| v.to_f64()).collect()));
            let frame = (index, stepper.deforms());
            write_frame(
                out,
                &space,
                fields,
                frame,
                &prediction,
                reference.as_deref(),
            )?;
            let entries: Vec<(f64, String)> = state
                .frames
                .iter()
                .enumerate()
                .map(|(k, (t, _))| (*t, frame_file(k, stepper.deforms())))
                .collect();
            vtk::write_pvd(&out.join("solution.pvd"), &entries)
                .map_err(|e| out_err(&out.join("solution.pvd"), e))?;
        }
        write_state(&state, &checkpoint).map_err(|e| out_err(&checkpoint, e))?;
        if !opts.quiet {
            let what = match j {
                0 => "initial values".to_string(),
                _ => format!("step {j}/{}", insr.steps),
            };
            let error = match error.is_nan() {
                true => String::new(),
                false => format!("  error {error:.3e}"),
            };
            let diagnostics: String = diagnostics
                .iter()
                .map(|(name, v)| format!("  {} {v:.5e}", name.replace('_', " ")))
                .collect();
            eprintln!(
                "{what:>16}  t = {t:<8.4}  {:>6} iterations ({})  loss {:.3e}{error}{diagnostics}  {:.1} s",
                report.iterations,
                report.stop.name(),
                report.loss,
                state.wall_s()
            );
        }
    }
    finish(p, out, &space, stepper.as_ref(), &state, seed, opts.quiet)
}

/// Frame `k`: image data, or a structured grid of the deformed body.
fn frame_file(k: usize, deforms: bool) -> String {
    let extension = if deforms { "vts" } else { "vti" };
    format!("fields/solution_{k:04}.{extension}")
}

/// One output frame for ParaView: the fields, and the reference and absolute error if known;
/// for a displacement, on the deformed body (points x + u).
fn write_frame(
    out: &Path,
    space: &Grid,
    names: &[String],
    (k, deforms): (usize, bool),
    fields: &[Vec<f64>],
    reference: Option<&[Vec<f64>]>,
) -> Result<(), RunError> {
    let mut arrays: Vec<(String, Vec<f64>)> =
        names.iter().cloned().zip(fields.iter().cloned()).collect();
    if let Some(r) = reference {
        for ((n, u), v) in names.iter().zip(fields).zip(r) {
            arrays.push((format!("{n}_reference"), v.clone()));
            arrays.push((
                format!("{n}_error"),
                u.iter().zip(v).map(|(a, b)| (a - b).abs()).collect(),
            ));
        }
    }
    let refs: Vec<(&str, &[f64])> = arrays
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let coords: Vec<&[f64]> = space.coords.iter().map(Vec::as_slice).collect();
    let path = out.join(frame_file(k, deforms));
    let written = match deforms {
        false => vtk::write_vti(&path, &coords, &refs),
        true => {
            let rest = space.points::<f64>();
            let points: Vec<[f64; 3]> = (0..space.len())
                .map(|i| {
                    let mut q = [0.0; 3];
                    for (a, q) in q.iter_mut().enumerate().take(coords.len()) {
                        *q = rest.axis(a)[i] + fields[a][i];
                    }
                    q
                })
                .collect();
            let dims: Vec<usize> = coords.iter().map(|c| c.len()).collect();
            vtk::write_vts(&path, &dims, &points, &refs)
        }
    };
    written.map_err(|e| out_err(&path, e))
}

/// results.h5 (every frame on the space-time grid), plots and the summary.
fn finish<T: Real>(
    p: &Problem,
    out: &Path,
    space: &Grid,
    stepper: &dyn Stepper<T>,
    state: &State<T>,
    seed: u64,
    quiet: bool,
) -> Result<serde_json::Value, RunError> {
    let insr = p.method.insr().expect("an INSR problem");
    let names = &p.symbols.fields;
    let mut coords = space.coords.clone();
    coords.push(state.frames.iter().map(|(t, _)| *t).collect());
    let grid = Grid {
        axes: p.axes.clone(),
        coords,
        time_axis: p.time_axis,
    };
    let points: Points<T> = space.points();
    let mut fields = vec![Vec::with_capacity(grid.len()); names.len()];
    let mut reference = p
        .reference
        .as_ref()
        .map(|_| vec![Vec::with_capacity(grid.len()); names.len()]);
    for (t, params) in &state.frames {
        let params: Vec<T> = params.iter().map(|&v| T::from_f64(v)).collect();
        for (f, v) in fields.iter_mut().zip(stepper.fields(&params, &points)) {
            f.extend(v);
        }
        if let (Some(r), Some(at)) = (&mut reference, reference_at(p, space, *t)) {
            for (f, v) in r.iter_mut().zip(at) {
                f.extend(v);
            }
        }
    }
    let last = space.len() * (state.frames.len() - 1);
    let errors: serde_json::Map<String, serde_json::Value> = match &reference {
        Some(r) => names
            .iter()
            .take(stepper.compared())
            .enumerate()
            .map(|(i, n)| {
                (
                    n.clone(),
                    json!(relative_l2(&fields[i][last..], &r[i][last..])),
                )
            })
            .collect(),
        None => Default::default(),
    };
    let history: Vec<Record> = state
        .records
        .iter()
        .enumerate()
        .map(|(j, r)| Record {
            step: j,
            phase: Phase::Adam,
            loss: r.loss,
            terms: vec![r.loss],
            lr: r.lr,
            eps: None,
            wall_s: r.wall_s,
        })
        .collect();
    // Each diagnostic as a series over the solves.
    let tracked = stepper.diagnostics(&state.params, &points);
    let diagnostics: serde_json::Map<String, serde_json::Value> = tracked
        .iter()
        .enumerate()
        .map(|(k, (name, _))| {
            let series: Vec<f64> = state.records.iter().map(|r| r.diagnostics[k]).collect();
            (name.to_string(), json!(series))
        })
        .collect();
    let summary = json!({
        "name": p.spec.name,
        "status": "completed",
        "problem": p.path.display().to_string(),
        "method": "insr",
        "integrator": insr.settings.integrator,
        "dt": insr.settings.dt,
        "steps": insr.steps,
        "iterations": state.records.iter().map(|r| r.iterations).sum::<usize>(),
        "wall_s": state.wall_s(),
        "final_loss": state.records.last().map(|r| r.loss),
        "relative_l2": errors,
        "relative_l2_note": "at the final time",
        "relative_l2_per_step": state.records.iter().map(|r| r.error).collect::<Vec<_>>(),
        "iterations_per_step": state.records.iter().map(|r| r.iterations).collect::<Vec<_>>(),
        "loss_per_step": state.records.iter().map(|r| r.loss).collect::<Vec<_>>(),
        "diagnostics_per_step": diagnostics,
        "reference": p.reference.as_ref().map(|_| "analytic"),
        "parameters": stepper.network_params(),
        "seed": seed,
        "precision": T::NAME,
        "threads": rayon::current_num_threads(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    let summary_text = serde_json::to_string_pretty(&summary).expect("JSON values serialize");
    let results = out.join("results.h5");
    h5::write_results(
        &results,
        &h5::Results {
            grid: &grid,
            field_names: names,
            fields: &fields,
            reference: reference.as_deref(),
            history: &history,
            term_names: &["step loss"],
            summary_json: &summary_text,
        },
    )
    .map_err(|e| out_err(&results, e))?;
    write_series(out, p, state, &tracked, quiet);
    write_plots(
        out,
        &grid,
        names,
        &fields,
        reference.as_deref(),
        &history,
        &["step loss"],
        quiet,
    );
    write_atomic(&out.join("summary.json"), summary_text.as_bytes())
        .map_err(|e| out_err(out, e))?;
    Ok(summary)
}

/// error_over_time.png (the error at every step, with a reference) and energy.png (the
/// stepper's energies over time; the area ratio is in the summary). Never fatal.
fn write_series<T: Real>(
    out: &Path,
    p: &Problem,
    state: &State<T>,
    tracked: &[(&'static str, f64)],
    quiet: bool,
) {
    let insr = p.method.insr().expect("an INSR problem");
    let t0 = p.domain.lo[p.time_axis.expect("INSR has a time axis")];
    let time = |j: usize| t0 + j as f64 * insr.settings.dt;
    let warn = |what: &str, e: &dyn std::fmt::Display| {
        if !quiet {
            eprintln!("warning: {what}: {e}");
        }
    };
    if let Err(e) = plot::fonts_available() {
        return warn("plots", &e);
    }
    let error: Vec<(f64, f64)> = state
        .records
        .iter()
        .enumerate()
        .map(|(j, r)| (time(j), r.error))
        .collect();
    if error.iter().any(|e| e.1.is_finite()) {
        let series = [("INSR".to_string(), error)];
        if let Err(e) = plot::sweep(
            &out.join("error_over_time.png"),
            "relative L2 error at each step",
            ("t", None),
            "relative L2",
            &series,
        ) {
            warn("error_over_time.png", &e);
        }
    }
    let energies: Vec<(String, Vec<(f64, f64)>)> = tracked
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| name.ends_with("energy"))
        .map(|(k, (name, _))| {
            let points = state
                .records
                .iter()
                .enumerate()
                .map(|(j, r)| (time(j), r.diagnostics[k]))
                .collect();
            (name.replace('_', " "), points)
        })
        .collect();
    if !energies.is_empty() {
        if let Err(e) = plot::lines(
            &out.join("energy.png"),
            "energies over time",
            "t",
            "energy",
            &energies,
        ) {
            warn("energy.png", &e);
        }
    }
}

/// Columns of the solves table before the diagnostics.
const COLUMNS: usize = 5;

/// checkpoint.h5: the state after the last completed solve.
fn write_state<T: Real>(state: &State<T>, path: &Path) -> hdf5::Result<()> {
    create_atomic(path, |f| {
        let params: Vec<f64> = state.params.iter().map(|v| v.to_f64()).collect();
        dataset(f, "params", &[params.len()], &params)?;
        f.new_dataset::<u64>()
            .shape([4])
            .create("rng_state")?
            .write_raw(&state.rng.state())?;
        f.new_attr::<u64>()
            .create("solves")?
            .write_scalar(&(state.solves as u64))?;
        let table: Vec<f64> = state
            .records
            .iter()
            .flat_map(|r| {
                [r.iterations as f64, r.loss, r.lr, r.wall_s, r.error]
                    .into_iter()
                    .chain(r.diagnostics.iter().copied())
            })
            .collect();
        let columns = COLUMNS + state.records.first().map_or(0, |r| r.diagnostics.len());
        dataset(f, "solves", &[state.records.len(), columns], &table)?;
        let times: Vec<f64> = state.frames.iter().map(|(t, _)| *t).collect();
        dataset(f, "frame_times", &[times.len()], &times)?;
        let frames: Vec<f64> = state
            .frames
            .iter()
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        dataset(f, "frame_params", &[times.len(), params.len()], &frames)
    })
}

/// Restores a state written by [`write_state`] for a network of `n_params`.
fn read_state<T: Real>(path: &Path, n_params: usize) -> hdf5::Result<State<T>> {
    let f = hdf5::File::open(path)?;
    let params: Vec<f64> = f.dataset("params")?.read_raw()?;
    if params.len() != n_params {
        return Err(hdf5::Error::from(
            format!(
                "the checkpoint has {} parameters, the problem {n_params}",
                params.len()
            )
            .as_str(),
        ));
    }
    let rng: Vec<u64> = f.dataset("rng_state")?.read_raw()?;
    let solves = f.dataset("solves")?;
    let columns = solves
        .shape()
        .get(1)
        .copied()
        .unwrap_or(COLUMNS)
        .max(COLUMNS);
    let table: Vec<f64> = solves.read_raw()?;
    let times: Vec<f64> = f.dataset("frame_times")?.read_raw()?;
    let frames: Vec<f64> = f.dataset("frame_params")?.read_raw()?;
    Ok(State {
        params: params.into_iter().map(T::from_f64).collect(),
        solves: f.attr("solves")?.read_scalar::<u64>()? as usize,
        rng: Rng::from_state([rng[0], rng[1], rng[2], rng[3]]),
        records: table
            .chunks(columns)
            .map(|r| SolveRecord {
                iterations: r[0] as usize,
                loss: r[1],
                lr: r[2],
                wall_s: r[3],
                error: r[4],
                diagnostics: r[COLUMNS..].to_vec(),
            })
            .collect(),
        frames: times
            .iter()
            .zip(frames.chunks(n_params.max(1)))
            .map(|(&t, p)| (t, p.to_vec()))
            .collect(),
    })
}
