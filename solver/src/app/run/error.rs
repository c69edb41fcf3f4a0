//! What can stop a run of a problem file.

use crate::app::output::ReferenceError;
use crate::TrainError;
use problems::ProblemError;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Problem(#[from] ProblemError),
    #[error("reference: {0}")]
    Reference(#[from] ReferenceError),
    #[error("{path}: {message}")]
    Output { path: String, message: String },
    #[error("{0}")]
    Diverged(#[from] TrainError),
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
