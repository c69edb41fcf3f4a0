//! # solver
//!
//! How to solve: optimizers, the PINN loss with causal weights, Lagrangian PINNs, the
//! training loop, and the runs and outputs of problem files.

pub mod optim;
pub mod pinn;
mod predict;
pub mod train;

pub use predict::{predict, predict_partials, relative_l2};
pub use train::TrainError;
pub mod batch;
pub mod burgers;
pub mod insr;
pub mod lagrangian;
pub mod march;
pub mod memory;
pub mod method;
pub mod moe;
pub mod output;
pub mod overrides;
pub mod progress;
pub mod run;
pub mod setup;
