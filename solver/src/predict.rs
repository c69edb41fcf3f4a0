//! Evaluating a trained field on points (values or derivatives), e.g. on an output grid.

use operators::model::Field;
use operators::{Batched, JetLayout, Partial, Points, Real};

/// The network's outputs at `points`, one `Vec` per output.
pub fn predict<T: Real, F: Field<T>>(field: &F, params: &[T], points: &Points<T>) -> Vec<Vec<f64>> {
    predict_partials(field, params, points, &[Partial::VALUE]).remove(0)
}

/// Partial derivatives of the network's outputs at `points`: `[partial][output][point]`.
pub fn predict_partials<T: Real, F: Field<T>>(
    field: &F,
    params: &[T],
    points: &Points<T>,
    partials: &[Partial],
) -> Vec<Vec<Vec<f64>>> {
    let layout = JetLayout::new(points.dims(), partials);
    let slots: Vec<usize> = partials
        .iter()
        .map(|p| {
            layout
                .slot(p)
                .expect("the layout holds what it was built from")
        })
        .collect();
    let len = layout.len();
    let mut batch = Batched::new(field, layout, points, Batched::<T, F>::DEFAULT_CHUNK);
    batch.forward(field, &params[..field.n_params()]);
    let mut out = vec![vec![Vec::with_capacity(points.len()); field.outputs()]; partials.len()];
    for chunk in batch.map_chunks(field, |c, ()| {
        c.jets.iter().map(|v| v.to_f64()).collect::<Vec<_>>()
    }) {
        // Output o, slot s of the chunk's n points: [(o·len + s)·n ..].
        let n = chunk.len() / (field.outputs() * len);
        for (per_output, &s) in out.iter_mut().zip(&slots) {
            for (o, col) in per_output.iter_mut().enumerate() {
                let start = (o * len + s) * n;
                col.extend_from_slice(&chunk[start..start + n]);
            }
        }
    }
    out
}

/// ‖a − b‖₂ / ‖b‖₂.
pub fn relative_l2(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
    let den: f64 = b.iter().map(|y| y * y).sum();
    (num / den).sqrt()
}
