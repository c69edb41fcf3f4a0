//! # problems
//!
//! What to solve: domains and the points sampled in them. (The TOML schema,
//! geometry and conditions grow here; nothing in this crate knows about training.)

mod domain;
mod sampling;
mod sobol;

pub use domain::{BoxDomain, Face};
pub use sampling::Sampling;
pub use sobol::Sobol;
