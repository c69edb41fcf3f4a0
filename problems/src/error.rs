//! One error type for everything that can be wrong with a problem file.

use std::path::PathBuf;

/// A problem file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum ProblemError {
    #[error("{}: cannot read the problem file: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Located at a line and column of the file.
    #[error("{}:{line}:{column}: {message}", path.display())]
    At {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// About a key path (e.g. `reference.file`) when no finer location exists.
    #[error("{}: {key}: {message}", path.display())]
    Key {
        path: PathBuf,
        key: String,
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
