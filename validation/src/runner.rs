//! One case, start to finish: the reference (computed if the case asks), the run through the
//! public solver API, the error, the figure.

use crate::case::{Case, Mode, ReferenceSpec};
use crate::evolution::Solution;
use crate::grid_advection::{self, GridResult};
use crate::{finite_difference, spectral, stable_fluids, ValidationError};
use problems::Problem;
use solver::app::output::{h5, plot};
use solver::app::overrides::apply_overrides;
use solver::app::run::{load_trained, output_grid, run, RunOptions};
use solver::Grid;
use std::path::{Path, PathBuf};

/// What a case measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub case: String,
    pub method: String,
    pub description: String,
    /// Network kind and hidden widths, e.g. `modified_mlp 4×64`.
    pub model: String,
    pub parameters: usize,
    pub steps: usize,
    pub wall_s: f64,
    pub error: f64,
    pub reference: String,
    /// The figure, relative to the report.
    pub figure: Option<String>,
    /// Classical grid solvers at equal memory (`grid_solvers = true`).
    pub grid_solvers: Vec<GridResult>,
}

impl Outcome {
    /// Wall time per training step, in milliseconds.
    pub fn per_step_ms(&self) -> f64 {
        1e3 * self.wall_s / self.steps.max(1) as f64
    }
}

/// Where a validation run writes: run directories (scratch) and figures (kept).
pub struct Dirs {
    pub runs: PathBuf,
    pub figures: PathBuf,
}

pub fn run_case(case: &Case, mode: Mode, dirs: &Dirs) -> Result<Outcome, ValidationError> {
    let problem_path = case.problem_path();
    let text = std::fs::read_to_string(&problem_path).map_err(|e| ValidationError::Case {
        path: problem_path.display().to_string(),
        message: e.to_string(),
    })?;
    let overrides = |text: &str, sets: &[String]| {
        apply_overrides(text, sets).map_err(|message| ValidationError::Case {
            path: case.path.display().to_string(),
            message,
        })
    };
    let mut text = overrides(&text, &case.mode(mode).set)?;
    let dir = dirs.runs.join(&case.name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| io(&dir, e))?;
    }
    std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;

    let mut reference = "the problem's [reference]".to_string();
    if let Some(spec) = &case.spec.reference {
        let problem = Problem::from_str(&text, &problem_path)?;
        let (solution, source) = match spec {
            ReferenceSpec::Spectral(s) => (
                spectral::solve(&problem, s)?,
                format!("Fourier spectral ETDRK4, {} modes, dt {:e}", s.modes, s.dt),
            ),
            ReferenceSpec::FiniteDifference { settings, ends } => {
                let ends = match ends {
                    Some(e) => *e,
                    None => finite_difference::end_conditions(&problem)?,
                };
                (
                    finite_difference::solve(&problem, settings, ends)?,
                    format!(
                        "finite differences BDF2, {} nodes, dt {:e}",
                        settings.points, settings.dt
                    ),
                )
            }
        };
        let file = dir.join("reference.h5");
        write_solution(&file, &problem, &solution, &source)?;
        reference = source;
        let file = std::fs::canonicalize(&file).map_err(|e| io(&file, e))?;
        text = overrides(
            &text,
            &[format!(
                "reference={{ file = {:?} }}",
                file.display().to_string()
            )],
        )?;
    }
    let problem = Problem::from_str(&text, &problem_path)?;
    if case.spec.reference.is_none() {
        reference = match &problem.reference {
            Some(problems::Reference::File(f)) => format!(
                "{}",
                f.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default()
            ),
            Some(problems::Reference::Analytic(p)) => {
                format!("closed form `{}`", p[0].source())
            }
            None => {
                return Err(ValidationError::Case {
                    path: case.path.display().to_string(),
                    message: "neither the case nor the problem gives a reference".into(),
                })
            }
        };
    }

    let out = dir.join("run");
    let summary = run(
        &problem,
        &RunOptions {
            out: out.clone(),
            quiet: true,
            ..RunOptions::default()
        },
    )?;
    let field = &problem.symbols.fields[0];
    let error = summary["relative_l2"][field]
        .as_f64()
        .ok_or_else(|| ValidationError::Case {
            path: out.display().to_string(),
            message: "the run reported no error against the reference".into(),
        })?;
    let figure = dirs.figures.join(format!("{}.png", case.name));
    let figure = match figure_of(&out, &figure) {
        Ok(()) => Some(format!("figures/{}.png", case.name)),
        Err(e) => {
            eprintln!("warning: {}: figure: {e}", case.name);
            None
        }
    };
    let parameters = summary["parameters"].as_u64().unwrap_or(0) as usize;
    let grid_solvers = match case.spec.grid_solvers {
        true => equal_memory(&problem, &summary, &case.spec.method, parameters)?,
        false => vec![],
    };
    let model = &problem.spec.model;
    Ok(Outcome {
        grid_solvers,
        case: case.name.clone(),
        method: case.spec.method.clone(),
        description: case.spec.description.clone(),
        model: describe_model(model),
        parameters,
        steps: summary["steps"].as_u64().unwrap_or(0) as usize,
        wall_s: summary["wall_s"].as_f64().unwrap_or(f64::NAN),
        error,
        reference,
        figure,
    })
}

/// The run itself, then the classical grid solvers with as many values as its parameters:
/// 1-D advection on that many nodes, or for flows Stable Fluids with u, v and p per node.
fn equal_memory(
    problem: &Problem,
    summary: &serde_json::Value,
    method: &str,
    parameters: usize,
) -> Result<Vec<GridResult>, ValidationError> {
    let energy = summary["diagnostics_per_step"]["kinetic_energy"]
        .as_array()
        .map(|e| {
            let first = e[0].as_f64().unwrap_or(f64::NAN);
            e[e.len() - 1].as_f64().unwrap_or(f64::NAN) / first
        });
    // The error of all compared fields together at the final time (u and v for a flow), as
    // the grid solvers measure theirs.
    let error = summary["relative_l2_per_step"]
        .as_array()
        .and_then(|e| e.last())
        .and_then(|e| e.as_f64())
        .unwrap_or(f64::NAN);
    let mut rows = vec![GridResult {
        name: format!("{method} (this case)"),
        values: parameters,
        error,
        wall_s: summary["wall_s"].as_f64().unwrap_or(f64::NAN),
        energy_ratio: energy,
    }];
    let flow = problem.method.insr().map(|i| i.settings.integrator)
        == Some(problems::Integrator::Splitting);
    match flow {
        true => {
            let nodes = ((parameters / 3) as f64).sqrt().floor() as usize;
            rows.push(stable_fluids::solve(problem, nodes)?);
        }
        false => rows.extend(grid_advection::solve_all(problem, parameters)?),
    }
    Ok(rows)
}

/// `mlp 50-50-50-50`, or `pig 4×800, decoder 16` (channels × Gaussians, decoder widths).
fn describe_model(model: &problems::spec::ModelSpec) -> String {
    let widths = |w: &[usize]| {
        w.iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("-")
    };
    if model.kind != problems::spec::ModelKind::Pig {
        return format!("{} {}", model.kind, widths(&model.hidden));
    }
    let g = model.gaussians.clone().unwrap_or_default();
    let shared = if g.shared { " shared" } else { "" };
    format!(
        "pig {}×{}{shared}, decoder {}",
        g.channels,
        g.count,
        widths(&g.decoder)
    )
}

fn io(path: &Path, e: impl std::fmt::Display) -> ValidationError {
    ValidationError::Case {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// A classical solution as a reference file of the problem.
fn write_solution(
    path: &Path,
    p: &Problem,
    s: &Solution,
    source: &str,
) -> Result<(), ValidationError> {
    let grid = Grid {
        axes: p.axes.clone(),
        coords: vec![s.x.clone(), s.t.clone()],
        time_axis: p.time_axis,
    };
    h5::write_reference(
        path,
        &grid,
        &p.symbols.fields,
        std::slice::from_ref(&s.u),
        source,
    )
    .map_err(|e| io(path, e))
}

/// Reference, prediction and error side by side on the reference's grid at the method's
/// times (INSR: its frames), from the method in the run directory; for three axes, the last
/// time.
fn figure_of(run_dir: &Path, png: &Path) -> Result<(), Box<dyn std::error::Error>> {
    plot::fonts_available()?;
    let (problem, method) = load_trained(run_dir)?;
    let (_, reference) = output_grid(&problem)?;
    let r = reference.ok_or("the run has no reference")?;
    let grid = method.output_grid(&r.grid);
    let reference = r
        .on(&problem, &grid)
        .ok_or("the reference is not known at the method's times")?;
    let prediction = method.solution(&problem, &grid).swap_remove(0);
    let error: Vec<f64> = prediction
        .iter()
        .zip(&reference[0])
        .map(|(a, b)| (a - b).abs())
        .collect();
    let name = &problem.symbols.fields[0];
    three_panels(png, name, &grid, [&reference[0], &prediction, &error])
}

/// Reference, prediction and |error| of field `name` side by side: over the first two axes,
/// at the last value of any further axis.
fn three_panels(
    png: &Path,
    name: &str,
    grid: &Grid,
    [reference, prediction, error]: [&[f64]; 3],
) -> Result<(), Box<dyn std::error::Error>> {
    let (slice, when) =
        plot::drawn_plane(grid).ok_or_else(|| format!("{} axis: no figure", grid.axes.len()))?;
    let titles = [
        format!("{name} reference{when}"),
        format!("{name} prediction{when}"),
        format!("|error|{when}"),
    ];
    plot::heat_maps(
        png,
        &[
            (titles[0].as_str(), &reference[slice.clone()]),
            (titles[1].as_str(), &prediction[slice.clone()]),
            (titles[2].as_str(), &error[slice]),
        ],
        (grid.axes[0].as_str(), &grid.coords[0]),
        (grid.axes[1].as_str(), &grid.coords[1]),
    )
}
