//! The optional ansatz that makes the initial condition exact (methods.md §E):
//! u = u0(x) + (t − t0)·Σ_k w_k φ_k(x, t). At t = t0 the experts' coefficients have no say, so
//! the initial values leave the constraint and the outer loss; the basis the experts combine
//! is B = (t − t0)·Φ, and u0 is a fixed offset whose jets come exactly from its expression.

use operators::expr::Program;
use operators::{JetLayout, Partial, Points};

pub struct InitialAnsatz {
    /// The loss term of the initial values, which the ansatz replaces.
    pub term: usize,
    pub time_axis: usize,
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

#[cfg(test)]
mod tests {
    use super::*;
    use operators::expr::Symbols;
    use operators::Rng;

    fn symbols() -> Symbols {
        Symbols {
            coords: vec!["x".into(), "t".into()],
            time_axis: Some(1),
            fields: vec!["u".into()],
            ..Default::default()
        }
    }

    fn jets(text: &str, layout: &JetLayout, x: &[f64]) -> Vec<f64> {
        let program = Program::compile(text, &symbols()).unwrap();
        program.jets_at_points(&Points::new(2, x.to_vec()), layout)
    }

    fn setup() -> (InitialAnsatz, JetLayout, Vec<f64>) {
        let ansatz = InitialAnsatz {
            term: 1,
            time_axis: 1,
            t0: 0.25,
            value: None,
        };
        let partials = [
            vec![0, 0],
            vec![0, 1],
            vec![1, 1],
            vec![0, 0, 1, 1],
            vec![1, 1, 1],
        ];
        let partials: Vec<Partial> = partials.iter().map(|a| Partial::from_axes(a)).collect();
        let layout = JetLayout::new(2, &partials);
        // Three points: x then t.
        let x = vec![0.1, -0.4, 0.9, 0.3, 0.7, 1.2];
        (ansatz, layout, x)
    }

    #[test]
    fn basis_times_elapsed_time_has_the_jets_of_the_product() {
        let (ansatz, layout, x) = setup();
        let mut basis = [
            jets("sin(x)*exp(t)", &layout, &x),
            jets("x^2*t^3", &layout, &x),
        ]
        .concat();
        ansatz.basis(&layout, &x, &mut basis);
        let exact = [
            jets("(t - 0.25)*sin(x)*exp(t)", &layout, &x),
            jets("(t - 0.25)*x^2*t^3", &layout, &x),
        ]
        .concat();
        for (i, (b, e)) in basis.iter().zip(&exact).enumerate() {
            assert!(
                (b - e).abs() < 1e-12 * (1.0 + e.abs()),
                "entry {i}: {b} vs {e}"
            );
        }
    }

    #[test]
    fn adjoint_is_the_transpose() {
        let (ansatz, layout, x) = setup();
        let len = 2 * layout.len() * 3;
        let mut rng = Rng::new(3);
        let phi: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
        let bar: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
        let (mut b, mut phi_bar) = (phi.clone(), bar.clone());
        ansatz.basis(&layout, &x, &mut b);
        ansatz.adjoint(&layout, &x, &mut phi_bar);
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
        let (left, right) = (dot(&b, &bar), dot(&phi, &phi_bar));
        assert!(
            (left - right).abs() < 1e-12 * left.abs(),
            "{left} vs {right}"
        );
    }
}
