//! The space-time jets the PDE's expressions read, assembled from a spatial network's jets:
//! spatial partials as θ-blends of the new and previous fields, u_t as the integrator's
//! difference quotient, and the time as a coordinate column; and the transpose, from the
//! expressions' adjoints back to the network's outputs.

use crate::pinn::layout_read_by;
use operators::expr::Program;
use operators::{JetLayout, Partial, Points, Real};

/// Where a space-time jet slot is read from.
#[derive(Clone, Copy)]
pub(super) enum Slot {
    /// A spatial partial: slot of the network's layout.
    Space(usize),
    /// u_t: the integrator's difference quotient.
    Rate,
}

/// The layout of what `programs` read over space and time, the network's (space only), and
/// where each space-time slot comes from.
pub(super) fn space_time(
    programs: &[Program],
    dims: usize,
    t_axis: usize,
) -> (JetLayout, JetLayout, Vec<Slot>) {
    let full = layout_read_by(programs, dims);
    let spatial: Vec<Partial> = full
        .slots()
        .iter()
        .filter(|q| q.count(t_axis) == 0)
        .copied()
        .collect();
    let layout = JetLayout::new(dims - 1, &spatial);
    let slots = full
        .slots()
        .iter()
        .map(|q| match q.count(t_axis) {
            0 => Slot::Space(layout.slot(q).expect("every spatial partial")),
            _ => Slot::Rate,
        })
        .collect();
    (full, layout, slots)
}

/// Coordinates (space, then the time column at `time`) of points `offset..offset + n`.
pub(super) fn fill_coords<T: Real>(
    x: &mut [T],
    points: &Points<T>,
    offset: usize,
    n: usize,
    time: f64,
) {
    let dims = points.dims();
    for a in 0..dims {
        x[a * n..(a + 1) * n].copy_from_slice(&points.axis(a)[offset..offset + n]);
    }
    x[dims * n..(dims + 1) * n].fill(T::from_f64(time));
}

/// The space-time jets a program reads: θ-blends of the new and previous fields' spatial
/// jets, and (u − u_prev at the departure points)/dt for u_t (zero without a previous field).
#[allow(clippy::too_many_arguments)]
pub(super) fn fill_jets<T: Real>(
    jets: &mut [T],
    slots: &[Slot],
    space_len: usize,
    current: &[T],
    previous: &[T],
    rate_from: Option<&[T]>,
    theta: f64,
    dt: f64,
    n: usize,
) {
    let fields = current.len() / (space_len * n);
    let (theta, rest, inv_dt) = (
        T::from_f64(theta),
        T::from_f64(1.0 - theta),
        T::from_f64(1.0 / dt),
    );
    for f in 0..fields {
        let column = |s: usize| (f * space_len + s) * n;
        for (s, slot) in slots.iter().enumerate() {
            let out = &mut jets[(f * slots.len() + s) * n..(f * slots.len() + s + 1) * n];
            match (*slot, rate_from) {
                (Slot::Space(q), _) => {
                    let a = column(q);
                    for (p, o) in out.iter_mut().enumerate() {
                        *o = theta * current[a + p] + rest * previous[a + p];
                    }
                }
                (Slot::Rate, Some(from)) => {
                    // Departure values carry only the value slot.
                    let from_len = from.len() / fields / n;
                    let (a, b) = (column(0), f * from_len * n);
                    for (p, o) in out.iter_mut().enumerate() {
                        *o = (current[a + p] - from[b + p]) * inv_dt;
                    }
                }
                (Slot::Rate, None) => out.fill(T::zero()),
            }
        }
    }
}

/// The network's output adjoint from the space-time jets' adjoint (the transpose of
/// [`fill_jets`] with respect to the new field).
#[allow(clippy::too_many_arguments)]
pub(super) fn spread_adjoint<T: Real>(
    bar: &mut [T],
    jets_bar: &[T],
    slots: &[Slot],
    space_len: usize,
    theta: f64,
    dt: f64,
    n: usize,
    fields: usize,
) {
    bar.fill(T::zero());
    let (theta, inv_dt) = (T::from_f64(theta), T::from_f64(1.0 / dt));
    for f in 0..fields {
        for (s, slot) in slots.iter().enumerate() {
            let from = &jets_bar[(f * slots.len() + s) * n..(f * slots.len() + s + 1) * n];
            let (q, factor) = match *slot {
                Slot::Space(q) => (q, theta),
                Slot::Rate => (0, inv_dt),
            };
            let to = &mut bar[(f * space_len + q) * n..(f * space_len + q + 1) * n];
            to.iter_mut().zip(from).for_each(|(b, &g)| *b += factor * g);
        }
    }
}

/// The points of `parts`, in order.
pub(super) fn concat<T: Real>(parts: &[Points<T>]) -> Points<T> {
    let dims = parts[0].dims();
    let coords = (0..dims)
        .flat_map(|a| parts.iter().flat_map(move |p| p.axis(a).iter().copied()))
        .collect();
    Points::new(dims, coords)
}
