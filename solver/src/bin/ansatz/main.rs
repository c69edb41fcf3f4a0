//! `ansatz`: solve PDE problems described in TOML files with physics-informed neural fields.

mod check;
mod cli;

use check::check;
use clap::Parser;
use cli::{Cli, Command};
use solver::app::batch::{self, LocalOptions, SlurmOptions, SweepOptions};
use solver::app::compare::{compare, CompareOptions};
use solver::app::overrides::load_with_overrides as load;
use solver::app::run::{run, RunError, RunOptions, BUSY_EXIT};
use std::path::PathBuf;
use std::process::ExitCode;

include!(concat!(env!("OUT_DIR"), "/library.rs"));

/// The summary without its per-step series (INSR's; they stay in summary.json).
fn headline(mut summary: serde_json::Value) -> serde_json::Value {
    if let Some(map) = summary.as_object_mut() {
        map.retain(|k, _| !k.ends_with("_per_step"));
    }
    summary
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
        Command::Eval { run_dir } => solver::app::run::evaluate(&run_dir)
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
            solver::app::run::export(&run_dir, &out, grid.as_deref(), times)
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
        Command::Compare {
            file,
            methods,
            sets,
            out,
            threads,
            seed,
            quiet,
        } => (|| {
            if let Some(n) = threads {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build_global()
                    .map_err(|e| e.to_string())?;
            }
            let name = load(&file, &sets)?.spec.name;
            let out = out.unwrap_or_else(|| PathBuf::from("compare").join(name));
            let opts = CompareOptions {
                file,
                sets,
                methods,
                out: out.clone(),
                seed,
                quiet,
            };
            let (_, table) = compare(&opts).map_err(exit_if_busy)?;
            println!("{}", table.pretty());
            println!(
                "wrote {0}/compare.csv, {0}/compare.md, {0}/compare.png, {0}/error_over_time.png",
                out.display()
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
