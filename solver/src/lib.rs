//! # solver
//!
//! How to solve: optimizers, the PINN loss with causal weights, and the training loop.

pub mod optim;
pub mod pinn;
mod predict;
pub mod train;

pub use predict::{predict, relative_l2};
pub mod burgers;
pub mod march;
pub mod output;
pub mod overrides;
pub mod progress;
pub mod run;
pub mod setup;
