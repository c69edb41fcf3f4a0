//! Batched Taylor jets: which derivatives are carried and how functions act on them.

mod chain;
mod input;
mod layout;
mod partial;
mod product;

pub use chain::{chain_backward, chain_forward, compose_forward, ChainScratch};
pub use input::input_jets;
pub use layout::{ChainTerm, JetLayout, ProductTerm};
pub use partial::{Partial, MAX_AXES, MAX_ORDER};
pub use product::{product_backward, product_forward};
