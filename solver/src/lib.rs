//! # solver
//!
//! How to solve: the numerical engine (methods, optimizers, the training loop, prediction)
//! and, behind the `app` feature (on by default), the application around it in [`app`]: run
//! directories, output files, sweeps and SLURM, progress. The engine never imports the
//! application, so `solver = { default-features = false }` builds without hdf5, vtkio,
//! plotters, clap and indicatif.

#![warn(missing_docs)]

mod grid;
pub mod insr;
pub mod march;
pub mod methods;
pub mod moe;
pub mod network;
pub mod optim;
pub mod pinn;
mod predict;
pub mod setup;
pub mod train;

#[cfg(feature = "app")]
pub mod app;

pub use grid::Grid;
pub use predict::{predict, predict_partials, relative_l2};
pub use train::TrainError;
