//! Leibniz: the product of two batches of jets, and its adjoint (one column each).

use super::layout::JetLayout;
use crate::Real;

/// out = a ⊙ b (as jets): out_α = Σ_β C(α,β) a_β b_{α−β}.
pub fn product_forward<T: Real>(layout: &JetLayout, a: &[T], b: &[T], out: &mut [T]) {
    let n = a.len() / layout.len();
    for s in 0..layout.len() {
        let o = &mut out[s * n..(s + 1) * n];
        o.fill(T::zero());
        for t in layout.product_terms(s) {
            let c = T::from_f64(t.coef);
            let (l, r) = (
                &a[t.left * n..(t.left + 1) * n],
                &b[t.right * n..(t.right + 1) * n],
            );
            for p in 0..n {
                o[p] += c * l[p] * r[p];
            }
        }
    }
}

/// abar += ∂(ōut·out)/∂a, bbar += ∂(ōut·out)/∂b.
pub fn product_backward<T: Real>(
    layout: &JetLayout,
    a: &[T],
    b: &[T],
    out_bar: &[T],
    abar: &mut [T],
    bbar: &mut [T],
) {
    let n = a.len() / layout.len();
    for s in 0..layout.len() {
        let ob = &out_bar[s * n..(s + 1) * n];
        for t in layout.product_terms(s) {
            let c = T::from_f64(t.coef);
            let (l, r) = (t.left * n..(t.left + 1) * n, t.right * n..(t.right + 1) * n);
            let (al, br) = (&a[l.clone()], &b[r.clone()]);
            let ab = &mut abar[l];
            for p in 0..n {
                ab[p] += c * ob[p] * br[p];
            }
            let bb = &mut bbar[r];
            for p in 0..n {
                bb[p] += c * ob[p] * al[p];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jet::Partial;

    /// (sin x · e^x) derivatives in closed form, through jets of sin and exp.
    #[test]
    fn product_of_known_functions() {
        let layout = JetLayout::new(1, &[Partial::from_axes(&[0, 0, 0])]);
        let x = 0.4f64;
        let a = [x.sin(), x.cos(), -x.sin(), -x.cos()];
        let b = [x.exp(); 4];
        let mut out = [0.0; 4];
        product_forward(&layout, &a, &b, &mut out);
        // (sin·exp)' = e(sin+cos), '' = 2e cos, ''' = 2e(cos − sin)
        let e = x.exp();
        let exact = [
            e * x.sin(),
            e * (x.sin() + x.cos()),
            2.0 * e * x.cos(),
            2.0 * e * (x.cos() - x.sin()),
        ];
        for s in 0..4 {
            assert!((out[s] - exact[s]).abs() < 1e-14);
        }
        // Adjoint identity: <ōut, d out> = <ā, da> + <b̄, db> (bilinear, so exact).
        let (da, db, ob) = (
            [0.3, -0.2, 0.5, 0.1],
            [0.7, 0.1, -0.4, 0.2],
            [1.0, -2.0, 0.5, 3.0],
        );
        let mut o1 = [0.0; 4];
        let mut o2 = [0.0; 4];
        product_forward(&layout, &da, &b, &mut o1);
        product_forward(&layout, &a, &db, &mut o2);
        let lhs: f64 = (0..4).map(|s| ob[s] * (o1[s] + o2[s])).sum();
        let (mut abar, mut bbar) = ([0.0; 4], [0.0; 4]);
        product_backward(&layout, &a, &b, &ob, &mut abar, &mut bbar);
        let rhs: f64 = (0..4).map(|s| abar[s] * da[s] + bbar[s] * db[s]).sum();
        assert!((lhs - rhs).abs() < 1e-13);
    }
}
