//! Jets of the input coordinates themselves: x has ∂x/∂x_a = e_a and no higher derivatives.

use super::layout::JetLayout;
use crate::Real;

/// Writes the jets of `n` points (`x`: n × dims, column-major) into `jets` (slots·n × dims).
pub fn input_jets<T: Real>(layout: &JetLayout, x: &[T], n: usize, jets: &mut [T]) {
    let s_len = layout.len();
    let dims = layout.dims();
    for a in 0..dims {
        let col = &mut jets[a * s_len * n..(a + 1) * s_len * n];
        col[..n].copy_from_slice(&x[a * n..(a + 1) * n]);
        for (s, p) in layout.slots().iter().enumerate().skip(1) {
            let v = if p.order() == 1 && p.count(a) == 1 {
                T::one()
            } else {
                T::zero()
            };
            col[s * n..(s + 1) * n].fill(v);
        }
    }
}
