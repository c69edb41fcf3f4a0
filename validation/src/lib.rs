//! # validation
//!
//! Does Ansatz solve it: benchmark cases (a problem file, a reference, a target) run through
//! the public solver API, classical reference solvers for problems without data, and the
//! report that puts measured errors beside the published ones.

pub mod case;
pub mod comparison;
pub mod evolution;
pub mod finite_difference;
pub mod grid_advection;
pub mod report;
pub mod runner;
pub mod spectral;
pub mod stable_fluids;

use problems::ProblemError;

/// Everything that can go wrong while validating.
#[derive(Debug, thiserror::Error)]
pub enum ValidationError {
    #[error(transparent)]
    Problem(#[from] ProblemError),
    #[error("{0}")]
    Unsupported(String),
    #[error("{path}: {message}")]
    Case { path: String, message: String },
    #[error(transparent)]
    Run(#[from] solver::app::run::RunError),
}

impl ValidationError {
    /// Prefixes an `Unsupported` message with the solver that refused.
    pub fn in_solver(self, solver: &str) -> ValidationError {
        match self {
            ValidationError::Unsupported(m) => {
                ValidationError::Unsupported(format!("{solver}: {m}"))
            }
            e => e,
        }
    }
}
