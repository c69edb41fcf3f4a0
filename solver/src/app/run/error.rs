//! What can stop a run of a problem file.

use crate::app::output::ReferenceError;
use crate::TrainError;
use problems::ProblemError;
use std::path::Path;

/// What can stop a run of a problem file.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The problem file is wrong.
    #[error(transparent)]
    Problem(#[from] ProblemError),
    /// Its reference cannot be used.
    #[error("reference: {0}")]
    Reference(#[from] ReferenceError),
    /// An output file could not be written.
    #[error("{path}: {message}")]
    Output {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Training stopped at a non-finite loss.
    #[error("{0}")]
    Diverged(#[from] TrainError),
    /// A wrong argument or run directory, said in words.
    #[error("{0}")]
    Usage(String),
    /// Another process holds the run directory.
    #[error("{0}")]
    Busy(String),
}

pub(crate) fn out_err(path: &Path, e: impl std::fmt::Display) -> RunError {
    RunError::Output {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}
