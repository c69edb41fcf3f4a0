//! One set of residual rows of the constraint solve, and what its expression reads.

use operators::expr::{Inputs, Program};
use operators::JetLayout;

/// One set of residual rows, `√(weight/n)·(P(u)(x_i) − target_i)` at n points.
pub struct Rows<'a> {
    /// An expression of u's jets (field 0), coordinates and numbers.
    pub program: &'a Program,
    /// Which jets `program` reads, and where they are in `basis`.
    pub layout: &'a JetLayout,
    /// The points, `n × dims` column-major.
    pub x: &'a [f64],
    /// Jets of the N basis functions at the points: `layout.len()·n × N` column-major.
    pub basis: &'a [f64],
    /// Values P should take (zero when absent).
    pub target: Option<&'a [f64]>,
    /// Jets of u that do not depend on w (an ansatz's fixed part): u = offset + Φ·w.
    pub offset: Option<&'a [f64]>,
    /// The rows' weight in the cost.
    pub weight: f64,
}

impl Rows<'_> {
    pub(super) fn n(&self) -> usize {
        self.x.len() / self.layout.dims()
    }

    pub(super) fn scale(&self) -> f64 {
        (self.weight / self.n().max(1) as f64).sqrt()
    }

    /// What the expression reads at these points, with u's jets `u`.
    pub(super) fn inputs<'u>(&'u self, u: &'u [f64]) -> Inputs<'u, f64> {
        Inputs {
            n: self.n(),
            layout: self.layout,
            jets: u,
            x: self.x,
            params: &[],
        }
    }
}
