//! What a run leaves on disk: fields on a grid (VTK for ParaView, HDF5 for programs),
//! the loss history, a summary, checkpoints and plots.

pub mod h5;
pub mod plot;
mod reference;
pub mod table;
pub mod vtk;

pub use reference::{load_reference, ReferenceData, ReferenceError};

use std::path::Path;

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("")
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
