//! Sweeps and batch runs: a problem file expanded over swept settings and seeds into a
//! manifest of runs (`ansatz sweep`), run on this machine or as a SLURM job array
//! (`ansatz batch`), and gathered into one table (`ansatz collect`).
//!
//! A run's state lives only in its run directory (summary.json marks it completed, FAILED
//! failed, a checkpoint without a summary interrupted), so any executor can pick up where
//! another stopped: completed runs are skipped and interrupted ones resume.

mod collect;
mod local;
mod manifest;
mod slurm;
mod status;

pub use collect::{collect, Column, Table};
pub use local::{run_local, LocalOptions};
pub use manifest::{sweep, Entry, Manifest, SweepOptions, Vary};
pub use slurm::{slurm, SlurmOptions};

use status::Status;

use crate::output::write_atomic;
use crate::run::{run, RunError, RunOptions};
use problems::Problem;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("{0}")]
    Run(#[from] RunError),
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> BatchError {
    BatchError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Runs entry `index` of `manifest`, the sweep in `dir` (what each array task does): resumes
/// from its checkpoint if one exists; returns `None` if the run had already completed.
pub fn run_entry(
    dir: &Path,
    manifest: &Manifest,
    index: usize,
    quiet: bool,
) -> Result<Option<serde_json::Value>, BatchError> {
    let entry = manifest.entry(index)?;
    let out = dir.join(&entry.out);
    if Status::of(dir, entry) == Status::Completed {
        return Ok(None);
    }
    let problem = Problem::load(dir.join(&entry.problem)).map_err(RunError::from)?;
    let opts = RunOptions {
        resume: out.join("checkpoint.h5").exists(),
        out,
        seed: None,
        quiet,
    };
    let failed = opts.out.join("FAILED");
    run(&problem, &opts).map(Some).map_err(|e| {
        // Diverged runs write their own FAILED; every other error is recorded here, but for a
        // directory another process holds: that run is not ours to mark.
        if !matches!(e, RunError::Busy(_)) && !failed.exists() && opts.out.exists() {
            let _ = write_atomic(&failed, format!("{e}\n").as_bytes());
        }
        e.into()
    })
}
