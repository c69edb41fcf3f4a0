//! Evaluating a trained field on points (values only), e.g. on an output grid.

use operators::model::Field;
use operators::{Batched, JetLayout, Points, Real};

/// The network's outputs at `points`, one `Vec` per output.
pub fn predict<T: Real, F: Field<T>>(field: &F, params: &[T], points: &Points<T>) -> Vec<Vec<f64>> {
    let layout = JetLayout::value_only(points.dims());
    let mut batch = Batched::new(field, layout, points, Batched::<T, F>::DEFAULT_CHUNK);
    batch.forward(field, &params[..field.n_params()]);
    let mut out = vec![Vec::with_capacity(points.len()); field.outputs()];
    for chunk in batch.map_chunks(field, |c| {
        c.jets.iter().map(|v| v.to_f64()).collect::<Vec<_>>()
    }) {
        let n = chunk.len() / field.outputs();
        for (o, col) in out.iter_mut().enumerate() {
            col.extend_from_slice(&chunk[o * n..(o + 1) * n]);
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
