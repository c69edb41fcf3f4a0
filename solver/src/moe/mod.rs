//! Mixture-of-experts hard constraints (methods.md §E): a network's outputs are basis
//! functions, and a least-squares layer picks, per expert block of the domain, the
//! combination of them that satisfies the PDE on constraint points.

pub mod least_squares;
