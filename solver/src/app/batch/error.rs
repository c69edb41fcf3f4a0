//! What can stop a sweep.

use crate::app::run::RunError;
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

pub(super) fn io_err(path: &Path, e: impl std::fmt::Display) -> BatchError {
    BatchError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}
