//! Mixture-of-experts hard constraints (methods.md §E): a network's outputs are basis
//! functions, and a least-squares layer picks, per expert block of the domain, the
//! combination of them that satisfies the PDE on constraint points.

mod ansatz;
mod basis;
mod blocks;
pub mod least_squares;
mod loss;
mod points;
mod schedule;
mod seams;

pub use ansatz::InitialAnsatz;
pub use blocks::{Blocks, Interface};
pub use loss::{HardConstraintLoss, SolveReport};
pub use points::ExpertPoints;
