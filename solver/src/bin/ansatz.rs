//! `ansatz`: solve PDE problems described in TOML files with physics-informed neural fields.

use clap::{Parser, Subcommand};
use operators::model::Field;
use problems::Problem;
use solver::overrides::apply_overrides;
use solver::run::{run, RunOptions};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

include!(concat!(env!("OUT_DIR"), "/library.rs"));

#[derive(Parser)]
#[command(
    name = "ansatz",
    version,
    about = "Physics-informed PDE solver: neural fields trained to satisfy a PDE written in a TOML file.",
    long_about = "Physics-informed PDE solver.

A problem file describes the domain, fields, parameters, the PDE as text (e.g. `u_t + u*u_x - nu*u_xx`),
initial and boundary conditions, an optional reference solution, and the model and training settings.
`ansatz run` trains a neural field and writes a run directory: fields for ParaView (.vti + solution.pvd),
results.h5, metrics.jsonl, summary.json, checkpoint.h5 and PNG plots.

Examples:
  ansatz list
  ansatz check problems/burgers.toml
  ansatz run problems/burgers.toml --out runs/burgers
  ansatz run problems/burgers.toml --set training.adam_steps=500 --set training.lbfgs_steps=0
  ansatz run problems/burgers.toml --out runs/burgers --resume     # after an interruption"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train on a problem file and write the run directory.
    Run {
        /// The problem file.
        file: PathBuf,
        /// Run directory (default: runs/<problem name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a setting, e.g. --set training.adam_steps=2000 (repeatable).
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        sets: Vec<String>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Random seed (overrides training.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Continue from the run directory's checkpoint.h5.
        #[arg(long)]
        resume: bool,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate a problem file and print what it resolves to.
    Check {
        file: PathBuf,
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Errors of a trained run against its reference.
    Eval {
        /// A run directory (with problem.toml and checkpoint.h5).
        run_dir: PathBuf,
    },
    /// Re-sample a trained run on another grid (VTK with .pvd, and fields.h5).
    Export {
        run_dir: PathBuf,
        /// Points along the spatial axes, e.g. 256x256.
        #[arg(long)]
        grid: Option<String>,
        /// Number of output times (time-dependent problems).
        #[arg(long)]
        times: Option<usize>,
        /// Where to write (default: RUN_DIR/export).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the bundled problem files.
    List,
}

fn load(file: &Path, sets: &[String]) -> Result<Problem, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: cannot read the problem file: {e}", file.display()))?;
    // Validate the file as written first, so that errors point at its lines.
    let problem = Problem::from_str(&text, file).map_err(|e| e.to_string())?;
    if sets.is_empty() {
        return Ok(problem);
    }
    let changed = apply_overrides(&text, sets).map_err(|e| format!("{}: {e}", file.display()))?;
    Problem::from_str(&changed, file)
        .map_err(|e| format!("{e} (after --set {})", sets.join(" --set ")))
}

fn check(file: &Path, sets: &[String]) -> Result<(), String> {
    let p = load(file, sets)?;
    let (loss, params, _) = solver::setup::build::<f64>(&p, p.spec.training.seed);
    let axes: Vec<String> = p
        .axes
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{a} in [{}, {}]", p.domain.lo[i], p.domain.hi[i]))
        .collect();
    println!("{}: ok — {}", file.display(), p.spec.name);
    println!("  domain      {}", axes.join(", "));
    println!("  fields      {}", p.symbols.fields.join(", "));
    let consts: Vec<String> = p
        .symbols
        .constants
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    if !consts.is_empty() {
        println!("  parameters  {}", consts.join(", "));
    }
    if !p.symbols.trainable.is_empty() {
        println!(
            "  unknown     {} (trained with the network)",
            p.symbols.trainable.join(", ")
        );
    }
    for r in &p.residuals {
        println!("  residual    {}", r.source());
    }
    let mut fields = &p.symbols.fields;
    if let Some(l) = &p.lagrangian {
        fields = &l.symbols.fields;
        println!(
            "  method      Lagrangian PINN: x is the label x0, the characteristic X = x0 + D(t) + xi, D = {}*(drift1*tau + drift2*tau^2 + drift3*tau^3)",
            l.drift_scale
        );
        println!("  on X        {}", l.state.source());
        println!("  dX/dt - c   {}", l.characteristic.source());
    }
    let names = p
        .symbols
        .coords
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>();
    for t in &loss.terms {
        let spec = t.spec();
        let partials: Vec<String> = spec
            .equations
            .iter()
            .flat_map(|e| e.partials())
            .map(|(f, d)| {
                if d.order() == 0 {
                    fields[f].clone()
                } else {
                    format!("{}_{}", fields[f], d.suffix(&names))
                }
            })
            .collect();
        let reduction = match &spec.reduction {
            solver::pinn::Reduction::MeanSquare => String::new(),
            solver::pinn::Reduction::Norm { scales } => format!(" x norms {scales:?}"),
        };
        println!(
            "  term        {:<28} {:>6} points, weight {}{reduction}, needs {}",
            spec.name,
            t.len(),
            spec.weight,
            partials.join(" ")
        );
    }
    let characteristic = match &p.lagrangian {
        Some(_) => format!(
            " + characteristic mlp {:?}",
            p.spec.method.lagrangian.characteristic_hidden
        ),
        None => String::new(),
    };
    println!(
        "  model       {} {:?}{characteristic}, {} parameters ({} network)",
        p.spec.model.kind,
        p.spec.model.hidden,
        params.len(),
        loss.field.n_params()
    );
    let t = &p.spec.training;
    println!(
        "  training    Adam {} steps (lr {}), L-BFGS {} iterations, {}",
        t.adam_steps, t.learning_rate, t.lbfgs_steps, t.precision
    );
    match solver::run::output_grid(&p) {
        Ok((grid, reference)) => {
            println!(
                "  output grid {:?} points along {}",
                grid.coords.iter().map(Vec::len).collect::<Vec<_>>(),
                p.axes.join(", ")
            );
            if let Some(r) = reference {
                println!(
                    "  reference   {} on {:?} points",
                    r.source,
                    r.grid.coords.iter().map(Vec::len).collect::<Vec<_>>()
                );
            }
            Ok(())
        }
        Err(e) => Err(format!("{}: {e}", file.display())),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::List => {
            for (file, text) in LIBRARY {
                let table: toml::Table = toml::from_str(text).expect("bundled problems parse");
                let desc = table
                    .get("description")
                    .and_then(|d| d.as_str())
                    .unwrap_or("");
                println!("problems/{file:<24} {desc}");
            }
            Ok(())
        }
        Command::Check { file, sets } => check(&file, &sets),
        Command::Eval { run_dir } => solver::run::evaluate(&run_dir)
            .map(|v| println!("{}", serde_json::to_string_pretty(&v).expect("JSON")))
            .map_err(|e| e.to_string()),
        Command::Export {
            run_dir,
            grid,
            times,
            out,
        } => (|| {
            let grid = grid
                .map(|g| {
                    g.split('x')
                        .map(|n| {
                            n.trim()
                                .parse::<usize>()
                                .map_err(|_| format!("--grid {g}: expected e.g. 256x256"))
                        })
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            let out = out.unwrap_or_else(|| run_dir.join("export"));
            solver::run::export(&run_dir, &out, grid.as_deref(), times)
                .map_err(|e| e.to_string())?;
            println!(
                "wrote {} (open {} in ParaView)",
                out.display(),
                out.join("solution.pvd").display()
            );
            Ok(())
        })(),
        Command::Run {
            file,
            out,
            sets,
            threads,
            seed,
            resume,
            quiet,
        } => (|| {
            let p = load(&file, &sets)?;
            if let Some(n) = threads {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build_global()
                    .map_err(|e| e.to_string())?;
            }
            let out = out.unwrap_or_else(|| PathBuf::from("runs").join(&p.spec.name));
            let summary = run(
                &p,
                &RunOptions {
                    out: out.clone(),
                    seed,
                    resume,
                    quiet,
                },
            )
            .map_err(|e| e.to_string())?;
            if !quiet {
                println!("{}", serde_json::to_string_pretty(&summary).expect("JSON"));
                println!(
                    "run directory: {}  (open {} in ParaView)",
                    out.display(),
                    out.join("solution.pvd").display()
                );
            }
            Ok(())
        })(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
