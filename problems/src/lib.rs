//! # problems
//!
//! What to solve: the problem-file schema, its validation into a [`Problem`], domains and
//! the points sampled in them. Nothing in this crate knows about training.

#![warn(missing_docs)]

mod domain;
mod error;
mod geometry;
mod problem;
mod sampling;
mod sobol;
pub mod spec;

pub use domain::{BoxDomain, Face};
pub use error::ProblemError;
pub use geometry::{BoundaryPoint, Region};
pub use problem::{
    Condition, Insr, Integrator, Lagrangian, Method, ModelExpressions, Problem, Reference, AXES,
    DISPLACEMENT, DRIFT, FACE_NAMES,
};
pub use sampling::Sampling;
pub use sobol::Sobol;
