//! The optional ansatz that makes the initial condition exact (methods.md §E):
//! u = u0(x) + (t − t0)·Σ_k w_k φ_k(x, t). At t = t0 the experts' coefficients have no say, so
//! the initial values leave the constraint and the outer loss; the basis the experts combine
//! is B = (t − t0)·Φ, and u0 is a fixed offset whose jets come exactly from its expression.

use operators::expr::Program;
use operators::{JetLayout, Partial, Points};

/// An ansatz that satisfies the initial values exactly: u = u0(x) + (t − t0)·Φw.
pub struct InitialAnsatz {
    /// The loss term of the initial values, which the ansatz replaces.
    pub term: usize,
    /// Which input is time.
    pub time_axis: usize,
    /// The initial time.
    pub t0: f64,
    /// u0, an expression of the coordinates (none: zero).
    pub value: Option<Program>,
}

impl InitialAnsatz {
    /// For each slot α, the slot of α − e_t (when α has a time derivative) and that of
    /// α + e_t (when the layout holds it).
    fn time_neighbours(&self, layout: &JetLayout) -> Vec<(Option<usize>, Option<usize>)> {
        let dt = Partial::axis(self.time_axis);
        layout
            .slots()
            .iter()
            .map(|alpha| {
                let lower = alpha.minus(&dt).and_then(|p| layout.slot(&p));
                let upper = layout
                    .slots()
                    .iter()
                    .position(|p| p.minus(&dt) == Some(*alpha));
                (lower, upper)
            })
            .collect()
    }

    /// t − t0 at each of the `n` points `x` (`n × dims`, column-major).
    fn elapsed<'a>(&self, x: &'a [f64], n: usize) -> impl Iterator<Item = f64> + 'a {
        let t0 = self.t0;
        x[self.time_axis * n..(self.time_axis + 1) * n]
            .iter()
            .map(move |t| t - t0)
    }

    /// Overwrites the jets of every basis column (`layout.len()·n` each) at points `x` with
    /// those of (t − t0)·φ: ∂^α((t − t0)·φ) = (t − t0)·∂^α φ + α_t·∂^(α − e_t) φ.
    pub fn basis(&self, layout: &JetLayout, x: &[f64], basis: &mut [f64]) {
        let n = x.len() / layout.dims();
        let neighbours = self.time_neighbours(layout);
        for column in basis.chunks_mut(layout.len() * n) {
            // Highest slots first: each reads a lower slot not yet overwritten.
            for (s, &(lower, _)) in neighbours.iter().enumerate().rev() {
                let (below, slot) = column.split_at_mut(s * n);
                let slot = &mut slot[..n];
                slot.iter_mut()
                    .zip(self.elapsed(x, n))
                    .for_each(|(v, e)| *v *= e);
                if let Some(l) = lower {
                    let c = layout.slots()[s].count(self.time_axis) as f64;
                    let from = &below[l * n..(l + 1) * n];
                    slot.iter_mut().zip(from).for_each(|(v, f)| *v += c * f);
                }
            }
        }
    }

    /// The adjoint of [`basis`](Self::basis), in place: the bars of (t − t0)·φ's jets become
    /// those of φ's, ∂̄^β φ = (t − t0)·∂̄^β B + (β_t + 1)·∂̄^(β + e_t) B.
    pub fn adjoint(&self, layout: &JetLayout, x: &[f64], bar: &mut [f64]) {
        let n = x.len() / layout.dims();
        let neighbours = self.time_neighbours(layout);
        for column in bar.chunks_mut(layout.len() * n) {
            // Lowest slots first: each reads a higher slot not yet overwritten.
            for (s, &(_, upper)) in neighbours.iter().enumerate() {
                let (slot, above) = column.split_at_mut((s + 1) * n);
                let slot = &mut slot[s * n..];
                slot.iter_mut()
                    .zip(self.elapsed(x, n))
                    .for_each(|(v, e)| *v *= e);
                if let Some(u) = upper {
                    let c = (layout.slots()[s].count(self.time_axis) + 1) as f64;
                    let from = &above[(u - s - 1) * n..(u - s) * n];
                    slot.iter_mut().zip(from).for_each(|(v, f)| *v += c * f);
                }
            }
        }
    }

    /// The jets of u0 at points `x` in `layout` (none when u0 is zero).
    pub fn offset(&self, layout: &JetLayout, x: &[f64]) -> Option<Vec<f64>> {
        let points = Points::new(layout.dims(), x.to_vec());
        Some(self.value.as_ref()?.jets_at_points(&points, layout))
    }
}
