//! Sweeps and batch runs: a problem file expanded over swept settings and seeds into a
//! manifest of runs (`ansatz sweep`), run on this machine or as a SLURM job array
//! (`ansatz batch`), and gathered into one table (`ansatz collect`).
//!
//! A run's state lives only in its run directory (summary.json marks it completed, FAILED
//! failed, a checkpoint without a summary interrupted), so any executor can pick up where
//! another stopped: completed runs are skipped and interrupted ones resume.

mod collect;
mod error;
mod local;
mod manifest;
mod slurm;
mod status;
mod task;

pub use crate::app::output::table::{Column, Table};
pub use collect::collect;
pub use error::BatchError;
pub use local::{run_local, LocalOptions};
pub use manifest::{sweep, Entry, Manifest, SweepOptions, Vary};
pub use slurm::{slurm, SlurmOptions};
pub use task::run_entry;
