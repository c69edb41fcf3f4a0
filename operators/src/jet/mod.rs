//! Batched Taylor jets: which derivatives are carried and how functions act on them.

mod chain;
mod layout;
mod partial;

pub use chain::{chain_backward, chain_forward, ChainScratch};
pub use layout::{ChainTerm, JetLayout, ProductTerm};
pub use partial::{Partial, MAX_AXES, MAX_ORDER};
