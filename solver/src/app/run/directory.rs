//! A run directory before training: locked, checked, the resolved problem written into it,
//! and the grid its fields are written on.

use super::error::{out_err, RunError};
use super::lock::RunLock;
use crate::app::output::{load_reference, vtk, write_atomic, ReferenceData};
use crate::Grid;
use problems::Problem;
use std::path::{Path, PathBuf};

/// How a problem file is run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// The run directory.
    pub out: PathBuf,
    /// Overrides `training.seed`.
    pub seed: Option<u64>,
    /// Continue from `checkpoint.h5` in `out`.
    pub resume: bool,
    /// No progress or messages on stderr.
    pub quiet: bool,
}

impl RunOptions {
    /// The seed the run uses: `seed` if given, else the problem's `training.seed`.
    pub fn seed(&self, p: &Problem) -> u64 {
        self.seed.unwrap_or(p.spec.training.seed)
    }
}

/// The grid fields are written on, and the reference (on its own grid) if any.
pub fn output_grid(p: &Problem) -> Result<(Grid, Option<ReferenceData>), RunError> {
    let default_n = match p.dims() {
        1 | 2 => 201,
        3 => 65,
        _ => 33,
    };
    let uniform = |n: &[usize]| Grid::uniform(&p.axes, &p.domain.lo, &p.domain.hi, n, p.time_axis);
    let requested = p.spec.output.grid.as_ref().map(|n| uniform(n));
    let fallback = requested
        .clone()
        .unwrap_or_else(|| uniform(&vec![default_n; p.dims()]));
    let reference = load_reference(p, &fallback)?;
    let grid = match (&requested, &reference) {
        (Some(g), _) => g.clone(),
        (None, Some(r)) if r.grid.coords.iter().all(|c| vtk::is_uniform(c)) => r.grid.clone(),
        _ => fallback,
    };
    Ok((grid, reference))
}

/// Locks `opts.out`, checks it and writes the resolved problem into it; returns the lock
/// (hold it for the run), the output grid, the reference and the seed.
pub(crate) fn prepare(
    p: &Problem,
    opts: &RunOptions,
) -> Result<(RunLock, Grid, Option<ReferenceData>, u64), RunError> {
    let out = &opts.out;
    // Checked before the lock, so that a bad problem leaves no directory behind.
    let (grid, reference) = output_grid(p)?;
    let lock = RunLock::acquire(out)?;
    if out.join("summary.json").exists() && !opts.resume {
        return Err(RunError::Usage(format!(
            "{} already holds a finished run; choose another --out or remove it",
            out.display()
        )));
    }
    let fields_dir = out.join("fields");
    std::fs::create_dir_all(&fields_dir).map_err(|e| out_err(&fields_dir, e))?;
    let _ = std::fs::remove_file(out.join("FAILED"));
    let seed = opts.seed(p);
    let resolved = resolved_toml(p, seed).map_err(|e| out_err(out, e))?;
    write_atomic(
        &out.join("problem.toml"),
        format!(
            "# {} as resolved by ansatz {} (defaults filled in)\n{resolved}",
            p.path.display(),
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    )
    .map_err(|e| out_err(out, e))?;
    Ok((lock, grid, reference, seed))
}

/// The text of [`resolved_spec`], short arrays on one line as a person writes them (not
/// `to_string_pretty`, which puts every element on its own line).
pub fn resolved_toml(p: &Problem, seed: u64) -> Result<String, toml::ser::Error> {
    toml::to_string(&resolved_spec(p, seed))
}

/// The spec as run: the seed actually used, and file paths made absolute so that the run
/// directory's problem.toml works from anywhere (`ansatz eval`, `ansatz export`).
fn resolved_spec(p: &Problem, seed: u64) -> problems::spec::ProblemSpec {
    let mut spec = p.spec.clone();
    spec.training.seed = seed;
    let base = p.path.parent().unwrap_or(Path::new("."));
    let absolute = |f: &str| {
        std::fs::canonicalize(base.join(f))
            .unwrap_or_else(|_| base.join(f))
            .display()
            .to_string()
    };
    if let Some(file) = spec.reference.as_mut().and_then(|r| r.file.as_mut()) {
        *file = absolute(file);
    }
    for c in &mut spec.conditions {
        if let Some(file) = c.file.as_mut() {
            *file = absolute(file);
        }
    }
    spec
}
