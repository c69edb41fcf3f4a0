//! One case, start to finish: the reference (computed if the case asks), the run through the
//! public solver API, the error, the figure.

use crate::case::{Case, Mode, ReferenceSpec};
use crate::evolution::Solution;
use crate::grid_advection::{self, GridResult};
use crate::{finite_difference, spectral, ValidationError};
use problems::Problem;
use solver::output::{h5, plot, Grid};
use solver::overrides::apply_overrides;
use solver::run::{load_trained, output_grid, run, RunOptions};
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
    let drawn = match problem.insr {
        Some(_) => figure_of_results(&out, &figure),
        None => figure_of(&out, &figure),
    };
    let figure = match drawn {
        Ok(()) => Some(format!("figures/{}.png", case.name)),
        Err(e) => {
            eprintln!("warning: {}: figure: {e}", case.name);
            None
        }
    };
    let parameters = summary["parameters"].as_u64().unwrap_or(0) as usize;
    let grid_solvers = match case.spec.grid_solvers {
        true => grid_advection::solve_all(&problem, parameters)?,
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

/// `mlp 50-50-50-50`, or `pig 4×800, decoder 16` (channels × Gaussians, decoder widths).
fn describe_model(model: &problems::spec::ModelSpec) -> String {
    let widths = |w: &[usize]| {
        w.iter()
            .map(|w| w.to_string())
            .collect::<Vec<_>>()
            .join("-")
    };
    if model.kind != "pig" {
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

/// Reference, prediction and error side by side on the reference's grid, from the trained
/// network in the run directory; for three axes, the last time.
fn figure_of(run_dir: &Path, png: &Path) -> Result<(), Box<dyn std::error::Error>> {
    plot::fonts_available()?;
    let (problem, method, params) = load_trained(run_dir)?;
    let (_, reference) = output_grid(&problem)?;
    let r = reference.ok_or("the run has no reference")?;
    let prediction = method.solution(&problem, &params, &r.grid).swap_remove(0);
    let reference = &r.fields[0];
    let error: Vec<f64> = prediction
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .collect();
    let (axes, coords) = (&r.grid.axes, &r.grid.coords);
    let plane = coords[0].len() * coords[1].len();
    let (slice, when) = match coords.len() {
        2 => (0..plane, String::new()),
        3 => {
            let last = coords[2].len() - 1;
            (
                last * plane..(last + 1) * plane,
                format!(" at {} = {}", axes[2], coords[2][last]),
            )
        }
        n => return Err(format!("{n} axes: no figure").into()),
    };
    let name = &problem.symbols.fields[0];
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
        (axes[0].as_str(), &coords[0]),
        (axes[1].as_str(), &coords[1]),
    )
}

/// Reference, prediction and error over space and time from a run's results.h5 (INSR runs,
/// whose networks live one per frame in the checkpoint).
fn figure_of_results(run_dir: &Path, png: &Path) -> Result<(), Box<dyn std::error::Error>> {
    plot::fonts_available()?;
    let problem = Problem::load(run_dir.join("problem.toml"))?;
    let f = hdf5::File::open(run_dir.join("results.h5"))?;
    let name = &problem.symbols.fields[0];
    let read = |path: &str| -> Result<Vec<f64>, hdf5::Error> { f.dataset(path)?.read_raw() };
    let (axes, coords) = (
        &problem.axes,
        [
            read(&format!("coords/{}", problem.axes[0]))?,
            read(&format!("coords/{}", problem.axes[1]))?,
        ],
    );
    if axes.len() != 2 {
        return Err(format!("{} axes: no figure", axes.len()).into());
    }
    let (u, r, e) = (
        read(&format!("fields/{name}"))?,
        read(&format!("reference/{name}"))?,
        read(&format!("error/{name}"))?,
    );
    plot::heat_maps(
        png,
        &[
            (format!("{name} reference").as_str(), &r),
            (format!("{name} prediction").as_str(), &u),
            ("|error|", &e),
        ],
        (axes[0].as_str(), &coords[0]),
        (axes[1].as_str(), &coords[1]),
    )
}
