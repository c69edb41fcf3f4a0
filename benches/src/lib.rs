//! What the benchmarks and examples share; the benchmarks themselves live in benches/.

pub mod burgers;
