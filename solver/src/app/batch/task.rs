//! One entry of a sweep, run: what each array task (or local worker) does.

use super::error::BatchError;
use super::manifest::Manifest;
use super::status::Status;
use crate::app::output::write_atomic;
use crate::app::run::{run, RunError, RunOptions};
use problems::Problem;
use std::path::Path;

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
