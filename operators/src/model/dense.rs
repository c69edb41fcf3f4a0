//! A dense layer acting on jets: every Taylor coefficient of every point goes through
//! ONE GEMM, `Z = H·W`; the bias touches only the value slot.

use crate::Real;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// `z (rows × out) = h (rows × in) · w (in × out)`, plus `b` on the first `n` rows (the value slot).
pub fn dense_forward<T: Real>(h: &[T], w: &[T], b: &[T], z: &mut [T], rows: usize, n: usize) {
    let (din, dout) = (h.len() / rows, b.len());
    matmul(
        MatMut::from_column_major_slice_mut(z, rows, dout),
        Accum::Replace,
        MatRef::from_column_major_slice(h, rows, din),
        MatRef::from_column_major_slice(w, din, dout),
        T::one(),
        Par::Seq,
    );
    for (j, &bj) in b.iter().enumerate() {
        z[j * rows..j * rows + n].iter_mut().for_each(|v| *v += bj);
    }
}

/// Accumulates `gw += hᵀ·z̄`, `gb += Σ_value-rows z̄`, and if asked writes `h̄ = z̄·wᵀ`.
#[allow(clippy::too_many_arguments)]
pub fn dense_backward<T: Real>(
    h: &[T],
    w: &[T],
    zbar: &[T],
    gw: &mut [T],
    gb: &mut [T],
    hbar: Option<&mut [T]>,
    rows: usize,
    n: usize,
) {
    let (din, dout) = (h.len() / rows, gb.len());
    let zbar_m = MatRef::from_column_major_slice(zbar, rows, dout);
    matmul(
        MatMut::from_column_major_slice_mut(gw, din, dout),
        Accum::Add,
        MatRef::from_column_major_slice(h, rows, din).transpose(),
        zbar_m,
        T::one(),
        Par::Seq,
    );
    for (j, g) in gb.iter_mut().enumerate() {
        *g += sum(&zbar[j * rows..j * rows + n]);
    }
    if let Some(hbar) = hbar {
        matmul(
            MatMut::from_column_major_slice_mut(hbar, rows, din),
            Accum::Replace,
            zbar_m,
            MatRef::from_column_major_slice(w, din, dout).transpose(),
            T::one(),
            Par::Seq,
        );
    }
}

/// Σ x in a fixed order with 16 partial sums (vectorizes; deterministic).
fn sum<T: Real>(x: &[T]) -> T {
    let mut acc = [T::zero(); 16];
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    acc.iter().copied().sum::<T>() + chunks.remainder().iter().copied().sum::<T>()
}
