//! # solver
//!
//! How to solve: optimizers, the PINN loss with causal weights, and the training loop.

pub mod optim;
pub mod pinn;
pub mod train;
