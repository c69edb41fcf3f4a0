//! What can stop a sweep.

use crate::app::run::RunError;
use std::path::Path;

/// What can stop a sweep, a batch or a collection.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A wrong argument or sweep directory, said in words.
    #[error("{0}")]
    Usage(String),
    /// A file of the sweep could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// A run of the sweep failed.
    #[error("{0}")]
    Run(#[from] RunError),
}

pub(super) fn io_err(path: &Path, e: impl std::fmt::Display) -> BatchError {
    BatchError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}
