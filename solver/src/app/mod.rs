//! The application around the engine: a problem file's run directory (checkpoints, fields
//! as VTK and HDF5, plots, the summary), sweeps and SLURM job arrays, comparisons of the methods on one problem, progress on a
//! terminal. Everything here may touch files; nothing in the engine depends on it.

pub mod batch;
pub mod compare;
pub mod memory;
pub mod output;
pub mod overrides;
pub mod progress;
pub mod run;
