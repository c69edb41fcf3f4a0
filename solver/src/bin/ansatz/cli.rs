//! The command line: every subcommand, its options and its help.

use clap::{Parser, Subcommand};
use solver::app::compare::Contender;
use std::path::PathBuf;

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
  ansatz collect sweeps/heat                    # one table of all runs: CSV, HDF5, PNG
  ansatz compare problems/convection_diffusion.toml   # all five methods on one problem"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Train on a problem file and write the run directory.
    Run {
        /// The problem file.
        #[arg(required_unless_present = "manifest")]
        file: Option<PathBuf>,
        /// Run directory (default: runs/<problem name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a setting, e.g. --set training.adam_steps=2000 or --set training.phases[1].steps=500 (repeatable).
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
    /// Solve one problem by every method that applies and put them side by side.
    #[command(
        long_about = "Solve one problem by every method that applies and put them side by side.

Each method runs into DIR/<method> on the problem file as written (after --set), adapted where the
method needs it: pinn, lpinn and moe_hc train the file's network (an MLP where the file asks for
Gaussians); moe_hc keeps only Adam phases; pig replaces the network by Gaussians (a periodic
embedding becomes a periodic condition); insr steps from one output frame to the next, with the
file's [method.insr] if it has one, else quick settings (semi-Lagrangian where the file gives a
speed for one field in 1-D, else the midpoint rule; 1000 samples, 200 iterations a step).
A method the problem does not suit gets the checker's reason instead of a run. Finished runs
are reused and interrupted ones resume, so calling compare again completes a comparison.

Writes DIR/compare.csv and DIR/compare.md (relative L2 over space-time and at the final time,
wall time, parameters, steps), DIR/compare.png (reference, each solution and its error) and
DIR/error_over_time.png.

Examples:
  ansatz compare problems/convection_diffusion.toml --threads 2
  ansatz compare problems/convection_diffusion.toml --methods pinn,lpinn --out compare/cd
  ansatz compare problems/burgers.toml --set training.lbfgs_steps=0 --methods pinn,pig,moe_hc"
    )]
    Compare {
        /// The problem file.
        file: PathBuf,
        /// The methods to run, in the table's order.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "pinn,lpinn,insr,pig,moe_hc"
        )]
        methods: Vec<Contender>,
        /// Override a setting for every method, e.g. --set training.adam_steps=500 (repeatable).
        #[arg(long = "set", value_name = "KEY.PATH=VALUE")]
        sets: Vec<String>,
        /// The comparison's directory (default: compare/<problem name>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Random seed of every method (overrides training.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// No progress output.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Gather a sweep's runs into one table: DIR/collect.csv, collect.h5 and collect.png.
    Collect {
        /// The sweep directory.
        dir: PathBuf,
    },
}
