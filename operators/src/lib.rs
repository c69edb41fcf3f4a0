//! # operators
//!
//! The mathematics of Ansatz: exact input derivatives of neural fields by Taylor-mode
//! jets, their hand-derived reverse mode to every parameter, and residual expressions
//! compiled from text. Nothing here knows about files, problems or training.

#![warn(missing_docs)]

pub mod activation;
mod batch;
pub mod expr;
pub mod jet;
pub mod model;
mod rng;
mod scalar;
pub mod vmath;

pub use activation::Activation;
pub use batch::{Batched, ChunkView, Points};
pub use jet::{JetLayout, Partial};
pub use model::{Embedding, Field, Init, Mlp, MlpConfig, Model, ParamView, Pig, PigConfig};
pub use rng::Rng;
pub use scalar::Real;
