//! One error type for everything that can be wrong with a problem file.

use std::path::PathBuf;

/// A problem file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ProblemError {
    /// The file could not be read.
    #[error("{}: cannot read the problem file: {source}", path.display())]
    Read {
        /// The problem file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// Located at a line and column of the file.
    #[error("{}:{line}:{column}: {message}", path.display())]
    At {
        /// The problem file.
        path: PathBuf,
        /// Line (1-based).
        line: usize,
        /// Column (1-based).
        column: usize,
        /// What is wrong, or what was expected.
        message: String,
    },
    /// About a key path (e.g. `reference.file`) when no finer location exists.
    #[error("{}: {key}: {message}", path.display())]
    Key {
        /// The problem file.
        path: PathBuf,
        /// The key path, dotted (`conditions[2].value`).
        key: String,
        /// What is wrong, or what was expected.
        message: String,
    },
}

/// Line and column (1-based) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, column)
}
