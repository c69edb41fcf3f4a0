//! `ansatz`: solve PDE problems described in TOML files with physics-informed neural fields.

use clap::{Parser, Subcommand};
use solver::batch::{self, LocalOptions, SlurmOptions, SweepOptions};
use solver::overrides::load_with_overrides as load;
use solver::run::{run, RunError, RunOptions, BUSY_EXIT};
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
  ansatz run problems/burgers.toml --out runs/burgers --resume     # after an interruption
  ansatz run problems/advection_insr.toml     # INSR: one optimization per time step, a frame per step
  ansatz sweep problems/heat.toml --vary parameters.k=[0.05,0.1] --seeds 2 --out sweeps/heat
  ansatz batch sweeps/heat --local -j 2         # or: --slurm --submit (a SLURM job array)
  ansatz collect sweeps/heat                    # one table of all runs: CSV, HDF5, PNG"
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
        #[arg(required_unless_present = "manifest")]
        file: Option<PathBuf>,
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
        /// Run one run of a sweep instead (what each SLURM array task does): its problem,
        /// run directory and thread count come from DIR/manifest.json; it resumes from its
        /// checkpoint if it was interrupted, and does nothing if it completed.
        #[arg(long, value_name = "DIR", requires = "index",
              conflicts_with_all = ["file", "out", "sets", "threads", "seed", "resume"])]
        manifest: Option<PathBuf>,
        /// Which run of the sweep (with --manifest).
        #[arg(long, requires = "manifest")]
        index: Option<usize>,
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
    /// Expand a problem over swept settings and seeds into a sweep directory (checked, not run).
    #[command(
        long_about = "Expand a problem over swept settings and seeds into a sweep directory.

Every combination of the --vary values (cartesian product), times --seeds seeds, becomes one run
with its own resolved problem file (DIR/problems/NNNN.toml) and run directory (DIR/runs/NNNN),
listed in DIR/manifest.json. Every run's problem is checked before anything is written. Run the
sweep with `ansatz batch`, gather it with `ansatz collect`.

Examples:
  ansatz sweep problems/heat.toml --vary parameters.k=[0.05,0.1,0.2] --seeds 2 --out sweeps/heat
  ansatz sweep problems/burgers.toml --vary model.hidden=[[20,20],[40,40]] --vary model.kind=mlp,siren \\
      --set training.lbfgs_steps=0 --out sweeps/burgers"
    )]
    Sweep {
        /// The problem file.
        file: PathBuf,
        /// A setting and its values, e.g. --vary parameters.nu=[0.01,0.1] (repeatable).
        #[arg(long, value_name = "KEY.PATH=[V1,V2,...]")]
        vary: Vec<String>,
        /// A setting for every run, e.g. --set training.adam_steps=2000 (repeatable).
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        sets: Vec<String>,
        /// Seeds per combination: training.seed, training.seed + 1, ...
        #[arg(long, default_value_t = 1)]
        seeds: usize,
        /// Worker threads of each run. Fixed in the manifest, so that a run gives the same
        /// result wherever it runs (this machine or a cluster node).
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// The sweep directory (default: sweeps/<problem name>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Run a sweep's runs that have not completed: here, or as a SLURM job array.
    #[command(
        long_about = "Run a sweep's runs that have not completed, here (--local) or as a SLURM
job array (--slurm). Completed runs are skipped; interrupted ones resume from their checkpoints,
so calling batch again after a crash, a kill or a time limit finishes the sweep.

Examples:
  ansatz batch sweeps/heat --local -j 2
  ansatz batch sweeps/heat --slurm --partition debug --time 1:00:00      # writes batch.sbatch
  ansatz batch sweeps/heat --slurm --throttle 4 --preamble 'module load hdf5'
  ansatz batch sweeps/heat --slurm --submit --wait                       # submits, then waits"
    )]
    Batch {
        /// The sweep directory.
        dir: PathBuf,
        /// Run on this machine, -j at a time; logs in DIR/logs.
        #[arg(long, conflicts_with = "slurm", required_unless_present = "slurm")]
        local: bool,
        /// Write DIR/batch.sbatch, a job array with one task per run still to do.
        #[arg(long)]
        slurm: bool,
        /// Runs at a time with --local (default: cores / threads per run).
        #[arg(short, long, requires = "local")]
        jobs: Option<usize>,
        /// Restarts of a run whose process fails, before it is recorded as failed (--local).
        #[arg(long, default_value_t = 0, requires = "local")]
        retries: usize,
        /// SLURM partition.
        #[arg(long, requires = "slurm")]
        partition: Option<String>,
        /// SLURM account to charge.
        #[arg(long, requires = "slurm")]
        account: Option<String>,
        /// SLURM time limit per run, e.g. 2:00:00.
        #[arg(long, requires = "slurm")]
        time: Option<String>,
        /// CPUs per run (default: the sweep's threads per run).
        #[arg(long, requires = "slurm")]
        cpus_per_task: Option<usize>,
        /// Memory per run, e.g. 4G.
        #[arg(long, requires = "slurm")]
        mem: Option<String>,
        /// At most N runs at once (the array's %N), to leave room on a shared cluster.
        #[arg(long, value_name = "N", requires = "slurm")]
        throttle: Option<usize>,
        /// A shell line each run executes first, e.g. "module load hdf5" (repeatable).
        #[arg(long, value_name = "LINE", requires = "slurm")]
        preamble: Vec<String>,
        /// Submit the script with sbatch and print the job id.
        #[arg(long, requires = "slurm")]
        submit: bool,
        /// After submitting, wait for the array to finish, reporting runs as they end.
        #[arg(long, requires = "submit")]
        wait: bool,
    },
    /// Gather a sweep's runs into one table: DIR/collect.csv, collect.h5 and collect.png.
    Collect {
        /// The sweep directory.
        dir: PathBuf,
    },
}

/// The summary without its per-step series (INSR's; they stay in summary.json).
fn headline(mut summary: serde_json::Value) -> serde_json::Value {
    if let Some(map) = summary.as_object_mut() {
        map.retain(|k, _| !k.ends_with("_per_step"));
    }
    summary
}

/// What `check` says of an INSR problem: the stepping, its networks and each solve.
fn describe_insr(p: &problems::Problem, insr: &problems::Insr) {
    let s = &p.spec.method.insr;
    if let Some(e) = &insr.energy {
        println!("  energy      {}", e.source());
    }
    let form = match insr.integrator {
        problems::Integrator::Splitting => {
            "splitting: advect, pressure Poisson, project (velocity and pressure networks; walls)"
                .to_string()
        }
        problems::Integrator::IncrementalPotential => format!(
            "incremental potential of implicit Euler (density {}, gravity {:?})",
            s.density, s.gravity
        ),
        problems::Integrator::SemiLagrangian => format!(
            "semi-Lagrangian along c = {}, the rest implicit",
            p.spec.method.speed.as_ref().map_or("", |c| c.get_ref())
        ),
        i => format!("{i:?} (theta = {})", i.theta()),
    };
    println!("  method      INSR, {form}");
    println!(
        "  steps       {} of dt = {}, a frame every {}",
        insr.steps, insr.dt, s.output_every
    );
    let mut rng = operators::Rng::new(p.spec.training.seed);
    let stepper = solver::insr::stepper::<f64>(p, &mut rng);
    println!(
        "  model       {} {:?} of space, {} parameters",
        p.spec.model.kind,
        p.spec.model.hidden,
        stepper.network_params()
    );
    println!(
        "  each solve  Adam at most {} iterations (lr {}, tenfold drop after {} without progress) on {} fresh points, then L-BFGS {} iterations; the initial fit {} iterations",
        s.iterations,
        s.learning_rate,
        s.patience,
        s.samples,
        s.lbfgs_iterations,
        if s.initial_iterations > 0 { s.initial_iterations } else { s.iterations }
    );
}

fn check(file: &Path, sets: &[String]) -> Result<(), String> {
    let p = load(file, sets)?;
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
    if let Some(insr) = &p.insr {
        describe_insr(&p, insr);
        return Ok(());
    }
    let (method, params, _) = solver::setup::build::<f64>(&p, p.spec.training.seed);
    // The loss terms as a PINN states them (hard constraints use the same terms outside).
    let (loss, _, _) = solver::setup::build_pinn::<f64>(&p, p.spec.training.seed);
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
    if let solver::method::Method::HardConstraint(h) = &method {
        let c = &p.spec.method.hard_constraint;
        println!(
            "  method      hard constraints: u = sum of {} basis functions times w_e; {} experts ({:?} blocks along {}), each solving for w_e on {} PDE points of its block plus every condition's points (Levenberg-Marquardt, at most {} iterations, ridge {})",
            c.basis,
            h.blocks.len(),
            h.blocks.splits,
            p.axes.join(", "),
            c.constraint_points,
            c.max_iterations,
            c.ridge
        );
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
        method.network_params()
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

/// A run's error as text, except that a run directory held by another process ends this one
/// at once with [`BUSY_EXIT`], so that `batch` can tell "left to the other process" from
/// "failed".
fn exit_if_busy(e: RunError) -> String {
    if let RunError::Busy(message) = &e {
        eprintln!("error: {message}");
        std::process::exit(i32::from(BUSY_EXIT));
    }
    e.to_string()
}

fn main() -> ExitCode {
    solver::memory::keep_freed_memory();
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
        Command::Sweep {
            file,
            vary,
            sets,
            seeds,
            threads,
            out,
        } => (|| {
            let opts = SweepOptions {
                file,
                vary,
                sets,
                seeds,
                threads,
            };
            let (out, m) = batch::sweep(&opts, out.as_deref()).map_err(|e| e.to_string())?;
            println!(
                "{}: {} runs ({} combinations x {} seeds), {} thread{} each",
                out.display(),
                m.runs.len(),
                m.runs.len() / m.seeds.len(),
                m.seeds.len(),
                m.threads,
                if m.threads == 1 { "" } else { "s" }
            );
            println!(
                "next: ansatz batch {0} --local   or   ansatz batch {0} --slurm --submit",
                out.display()
            );
            Ok(())
        })(),
        Command::Batch {
            dir,
            local,
            jobs,
            retries,
            partition,
            account,
            time,
            cpus_per_task,
            mem,
            throttle,
            preamble,
            submit,
            wait,
            ..
        } => (|| {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            if local {
                let t = batch::run_local(&dir, &LocalOptions { exe, jobs, retries })
                    .map_err(|e| e.to_string())?;
                if t.failed > 0 {
                    return Err(format!(
                        "{} runs failed; see {} (run batch again to retry them)",
                        t.failed,
                        dir.join("logs").display()
                    ));
                }
                return Ok(());
            }
            let opts = SlurmOptions {
                exe,
                partition,
                account,
                time,
                cpus_per_task,
                mem,
                throttle,
                preamble,
                submit,
                wait,
            };
            batch::slurm(&dir, &opts).map_err(|e| e.to_string())?;
            Ok(())
        })(),
        Command::Collect { dir } => (|| {
            let table = batch::collect(&dir).map_err(|e| e.to_string())?;
            println!("{}", table.pretty());
            if let Some(batch::Column::Text(status)) = table.column("status") {
                let completed = status.iter().filter(|s| *s == "completed").count();
                println!("{completed} of {} runs completed", status.len());
            }
            println!(
                "wrote {0}/collect.csv, {0}/collect.h5, {0}/collect.png",
                dir.display()
            );
            Ok(())
        })(),
        Command::Run {
            manifest: Some(dir),
            index,
            quiet,
            ..
        } => (|| {
            let m = batch::Manifest::load(&dir).map_err(|e| e.to_string())?;
            rayon::ThreadPoolBuilder::new()
                .num_threads(m.threads)
                .build_global()
                .map_err(|e| e.to_string())?;
            let index = index.expect("clap requires --index with --manifest");
            let done = batch::run_entry(&dir, &m, index, quiet).map_err(|e| match e {
                batch::BatchError::Run(e) => exit_if_busy(e),
                e => e.to_string(),
            })?;
            match done {
                None => println!(
                    "run {index} of {} had completed; nothing to do",
                    dir.display()
                ),
                Some(summary) if !quiet => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&headline(summary)).expect("JSON")
                    )
                }
                Some(_) => {}
            }
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
            ..
        } => (|| {
            let file = file.expect("clap requires FILE without --manifest");
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
            .map_err(exit_if_busy)?;
            if !quiet {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&headline(summary)).expect("JSON")
                );
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
