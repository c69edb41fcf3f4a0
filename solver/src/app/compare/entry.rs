//! One method's row of a comparison: how its turn ended, and its errors over time.

use crate::app::output::h5::StoredFields;
use crate::relative_l2;
use serde_json::Value;

use super::contender::Contender;

/// How one method's turn ended.
pub enum Outcome {
    /// The problem checker rejected the adapted problem, for this reason.
    DoesNotApply(String),
    /// The run stopped with this error.
    Failed(String),
    /// The run finished: its summary and its fields as results.h5 holds them.
    Completed(Box<(Value, StoredFields)>),
}

/// One row of the comparison.
pub struct Entry {
    /// The method.
    pub method: Contender,
    /// How its run went.
    pub outcome: Outcome,
}

impl Entry {
    /// The summary and fields, if the run completed.
    pub fn completed(&self) -> Option<&(Value, StoredFields)> {
        match &self.outcome {
            Outcome::Completed(done) => Some(done),
            _ => None,
        }
    }
}

/// Relative L2 error over the points where both are finite (outside a region is NaN).
pub(super) fn l2_where_finite(u: &[f64], v: &[f64]) -> f64 {
    let (a, b): (Vec<f64>, Vec<f64>) = u
        .iter()
        .zip(v)
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|(x, y)| (*x, *y))
        .unzip();
    relative_l2(&a, &b)
}

/// Each field's relative L2 error at every time of the grid (one value for steady problems).
pub fn error_over_time(stored: &StoredFields) -> Option<Vec<Vec<f64>>> {
    let reference = stored.reference.as_ref()?;
    let n = stored.grid.slice_len();
    Some(
        stored
            .fields
            .iter()
            .zip(reference)
            .map(|(u, v)| {
                u.chunks(n)
                    .zip(v.chunks(n))
                    .map(|(a, b)| l2_where_finite(a, b))
                    .collect()
            })
            .collect(),
    )
}
