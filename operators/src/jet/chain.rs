//! Faà di Bruno: a scalar function applied to a batch of jets, and its adjoint.
//!
//! One unit's jets are a column of `slots · n` values, slot-major: slot `s` of point `p`
//! at `s·n + p`. Every loop below runs over the `n` points of one slot, so it vectorizes.

use super::layout::{ChainTerm, JetLayout};
use crate::activation::Activation;
use crate::Real;

/// Scratch for one column: the activation's derivatives σ⁽¹⁾…σ⁽ᴷ⁺¹⁾ at the value slot.
#[derive(Clone, Debug, Default)]
pub struct ChainScratch<T> {
    derivatives: Vec<T>,
}

impl<T: Real> ChainScratch<T> {
    pub fn new(layout: &JetLayout, n: usize) -> Self {
        ChainScratch {
            derivatives: vec![T::zero(); (layout.max_order() + 1) * n],
        }
    }

    /// Fills σ⁽¹⁾..σ⁽ᵏ⁾ at the value slot; row i of the result holds σ⁽ⁱ⁺¹⁾.
    fn fill(&mut self, act: &Activation, z0: &[T], y0: &[T], k: usize) -> Rows<'_, T> {
        let n = z0.len();
        act.derivatives(z0, y0, &mut self.derivatives[..k * n]);
        Rows {
            data: &self.derivatives[..k * n],
            n,
        }
    }
}

/// Row access into a flat buffer of rows of length n.
#[derive(Clone, Copy)]
struct Rows<'a, T> {
    data: &'a [T],
    n: usize,
}

impl<T> core::ops::Index<usize> for Rows<'_, T> {
    type Output = [T];
    fn index(&self, i: usize) -> &[T] {
        &self.data[i * self.n..(i + 1) * self.n]
    }
}

/// Up to six factor rows of one product term, without allocating.
struct Factors<'a, T> {
    rows: [&'a [T]; 6],
    len: usize,
}

impl<'a, T> Factors<'a, T> {
    fn new() -> Self {
        Factors {
            rows: [&[]; 6],
            len: 0,
        }
    }
    fn clear(&mut self) {
        self.len = 0;
    }
    fn extend(&mut self, rows: impl IntoIterator<Item = &'a [T]>) {
        for r in rows {
            self.rows[self.len] = r;
            self.len += 1;
        }
    }
    fn rows(&self) -> &[&'a [T]] {
        &self.rows[..self.len]
    }
}

/// out[p] += c · Π_j f[j][p], for 2 to 6 factors (a constant count lets the loop vectorize).
fn accumulate<T: Real>(out: &mut [T], c: T, f: &[&[T]]) {
    match f.len() {
        2 => product_into::<T, 2>(out, c, f),
        3 => product_into::<T, 3>(out, c, f),
        4 => product_into::<T, 4>(out, c, f),
        5 => product_into::<T, 5>(out, c, f),
        6 => product_into::<T, 6>(out, c, f),
        k => unreachable!("{k} factors"),
    }
}

#[inline(always)]
fn product_into<T: Real, const K: usize>(out: &mut [T], c: T, f: &[&[T]]) {
    let n = out.len();
    let f: [&[T]; K] = core::array::from_fn(|j| &f[j][..n]);
    for p in 0..n {
        let mut acc = c;
        for fj in &f {
            acc *= fj[p];
        }
        out[p] += acc;
    }
}

/// The Faà di Bruno terms of a slot of an order ≤ 2 layout: `σ'·z_s`, plus `c·σ''·z_a·z_b`
/// for a second-order slot (c, a, b returned).
fn second_order_term(terms: &[ChainTerm]) -> Option<(f64, usize, usize)> {
    debug_assert!(terms[0].order == 1 && terms.len() <= 2);
    terms.get(1).map(|t| (t.coef, t.factors[0], t.factors[1]))
}

/// [`chain_forward`] of one slot when the layout has order ≤ 2: one fused pass.
fn second_order_forward<'a, T: Real>(
    terms: &[ChainTerm],
    d: Rows<'_, T>,
    zs: &[T],
    slot: impl Fn(usize) -> &'a [T],
    ys: &mut [T],
) {
    let n = ys.len();
    let (d1, zs) = (&d[0][..n], &zs[..n]);
    match second_order_term(terms) {
        None => (0..n).for_each(|p| ys[p] = d1[p] * zs[p]),
        Some((c, a, b)) => {
            let c = T::from_f64(c);
            let (d2, za, zb) = (&d[1][..n], &slot(a)[..n], &slot(b)[..n]);
            for p in 0..n {
                ys[p] = d1[p] * zs[p] + c * d2[p] * za[p] * zb[p];
            }
        }
    }
}

/// [`chain_backward`] of one slot `s` when the layout has order ≤ 2: one fused pass that adds
/// the slot's adjoint into the value slot, the slot itself and its first-order factors.
fn second_order_backward<'a, T: Real>(
    terms: &[ChainTerm],
    s: usize,
    d: Rows<'_, T>,
    ybs: &[T],
    slot: impl Fn(usize) -> &'a [T],
    zbar: &mut [T],
) {
    let n = ybs.len();
    let (d1, d2, zs) = (&d[0][..n], &d[1][..n], &slot(s)[..n]);
    let (lower, upper) = zbar.split_at_mut(s * n);
    let zbar_s = &mut upper[..n];
    match second_order_term(terms) {
        None => first_order_adjoint(&mut lower[..n], zbar_s, ybs, d1, d2, zs),
        Some((c, a, b)) => {
            let c = T::from_f64(c);
            let (d3, za, zb) = (&d[2][..n], &slot(a)[..n], &slot(b)[..n]);
            // 0 < a ≤ b < s: the value slot and both factors' adjoints are disjoint from zbar_s.
            let (lower, zbar_b) = lower.split_at_mut(b * n);
            let (zbar0, zbar_a) = lower.split_at_mut(a * n);
            let zbar = [&mut zbar0[..n], zbar_s, &mut zbar_b[..n]];
            let (d, z) = ([d1, d2, d3], [zs, za, zb]);
            if a == b {
                second_order_adjoint(zbar, None, ybs, d, z, c);
            } else {
                second_order_adjoint(zbar, Some(&mut zbar_a[..n]), ybs, d, z, c);
            }
        }
    }
}

/// zbar0 += ȳ·σ''·z_s, zbar_s = ȳ·σ' (separate slices, so the loop vectorizes).
fn first_order_adjoint<T: Real>(
    zbar0: &mut [T],
    zbar_s: &mut [T],
    ybs: &[T],
    d1: &[T],
    d2: &[T],
    zs: &[T],
) {
    let n = zbar0.len();
    let (zbar_s, ybs, d1, d2, zs) = (&mut zbar_s[..n], &ybs[..n], &d1[..n], &d2[..n], &zs[..n]);
    for p in 0..n {
        zbar0[p] += ybs[p] * d2[p] * zs[p];
        zbar_s[p] = ybs[p] * d1[p];
    }
}

/// The adjoint of `y_s = σ'·z_s + c·σ''·z_a·z_b` into `[zbar0, zbar_s, zbar_b]` and `zbar_a`
/// (`None` when a = b, whose two contributions then both go to `zbar_b`).
fn second_order_adjoint<T: Real>(
    [zbar0, zbar_s, zbar_b]: [&mut [T]; 3],
    zbar_a: Option<&mut [T]>,
    ybs: &[T],
    [d1, d2, d3]: [&[T]; 3],
    [zs, za, zb]: [&[T]; 3],
    c: T,
) {
    let n = zbar0.len();
    let (zbar_s, zbar_b, ybs) = (&mut zbar_s[..n], &mut zbar_b[..n], &ybs[..n]);
    let (d1, d2, d3) = (&d1[..n], &d2[..n], &d3[..n]);
    let (zs, za, zb) = (&zs[..n], &za[..n], &zb[..n]);
    match zbar_a {
        None => {
            let c2 = c + c;
            for p in 0..n {
                let w = c * ybs[p];
                zbar0[p] += ybs[p] * d2[p] * zs[p] + w * d3[p] * za[p] * zb[p];
                zbar_s[p] = ybs[p] * d1[p];
                zbar_b[p] += c2 * ybs[p] * d2[p] * za[p];
            }
        }
        Some(zbar_a) => {
            let zbar_a = &mut zbar_a[..n];
            for p in 0..n {
                let w = c * ybs[p];
                zbar0[p] += ybs[p] * d2[p] * zs[p] + w * d3[p] * za[p] * zb[p];
                zbar_s[p] = ybs[p] * d1[p];
                zbar_b[p] += w * d2[p] * za[p];
                zbar_a[p] += w * d2[p] * zb[p];
            }
        }
    }
}

/// y = σ(z) for one column of jets (`z`, `y`: `layout.len() · n`).
pub fn chain_forward<T: Real>(
    layout: &JetLayout,
    act: &Activation,
    z: &[T],
    y: &mut [T],
    scratch: &mut ChainScratch<T>,
) {
    let n = z.len() / layout.len();
    let (y0, ys) = y.split_at_mut(n);
    act.eval(&z[..n], y0);
    if layout.len() == 1 {
        return;
    }
    let d = scratch.fill(act, &z[..n], y0, layout.max_order());
    compose(layout, d, z, ys);
}

/// The slots after the value of y = f(z) for one column of jets, given f⁽¹⁾…f⁽ᴷ⁾ at z's
/// values in `derivatives` (K = `layout.max_order()` rows of n): Faà di Bruno for any f
/// whose derivatives the caller knows (the functions of an expression, say).
pub fn compose_forward<T: Real>(layout: &JetLayout, derivatives: &[T], z: &[T], ys: &mut [T]) {
    let n = z.len() / layout.len();
    let d = Rows {
        data: derivatives,
        n,
    };
    compose(layout, d, z, ys);
}

/// [`compose_forward`] with the derivatives as rows.
fn compose<T: Real>(layout: &JetLayout, d: Rows<'_, T>, z: &[T], ys: &mut [T]) {
    let n = d.n;
    let slot = |s: usize| &z[s * n..(s + 1) * n];
    if layout.max_order() <= 2 {
        for s in 1..layout.len() {
            let ys = &mut ys[(s - 1) * n..s * n];
            second_order_forward(layout.chain_terms(s), d, slot(s), slot, ys);
        }
        return;
    }
    let mut f = Factors::new();
    for s in 1..layout.len() {
        let ys = &mut ys[(s - 1) * n..s * n];
        ys.fill(T::zero());
        for term in layout.chain_terms(s) {
            f.clear();
            f.extend([&d[term.order - 1]]);
            f.extend(term.factors.iter().map(|&k| slot(k)));
            accumulate(ys, T::from_f64(term.coef), f.rows());
        }
    }
}

/// The adjoint of [`chain_forward`]: `zbar = ∂(ȳ·y)/∂z` for one column (overwritten).
pub fn chain_backward<T: Real>(
    layout: &JetLayout,
    act: &Activation,
    z: &[T],
    y: &[T],
    ybar: &[T],
    zbar: &mut [T],
    scratch: &mut ChainScratch<T>,
) {
    let n = z.len() / layout.len();
    let d = scratch.fill(act, &z[..n], &y[..n], layout.max_order() + 1);
    let slot = |s: usize| &z[s * n..(s + 1) * n];
    let (zbar0, ybar0, d1) = (&mut zbar[..n], &ybar[..n], &d[0][..n]);
    (0..n).for_each(|p| zbar0[p] = ybar0[p] * d1[p]);
    // Slots come in increasing order, so a first-order slot's adjoint is written before
    // the second-order slots add to it.
    if layout.max_order() <= 2 {
        for s in 1..layout.len() {
            let ybs = &ybar[s * n..(s + 1) * n];
            second_order_backward(layout.chain_terms(s), s, d, ybs, slot, zbar);
        }
        return;
    }
    zbar[n..].fill(T::zero());
    let mut f = Factors::new();
    for s in 1..layout.len() {
        let ybs = &ybar[s * n..(s + 1) * n];
        for term in layout.chain_terms(s) {
            let c = T::from_f64(term.coef);
            // Through σ⁽ᵏ⁾(z₀): the value slot.
            f.clear();
            f.extend([ybs, &d[term.order]]);
            f.extend(term.factors.iter().map(|&k| slot(k)));
            accumulate(&mut zbar[..n], c, f.rows());
            // Through each factor in turn.
            for j in 0..term.factors.len() {
                f.clear();
                f.extend([ybs, &d[term.order - 1]]);
                f.extend(
                    term.factors
                        .iter()
                        .enumerate()
                        .filter(|&(i, _)| i != j)
                        .map(|(_, &k)| slot(k)),
                );
                let fs = term.factors[j];
                accumulate(&mut zbar[fs * n..(fs + 1) * n], c, f.rows());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jet::Partial;

    /// σ(g(x)) with g(x) = sin(2x) + x²: its jets against closed-form derivatives of the composition,
    /// via a fourth-order layout in one variable.
    #[test]
    fn composition_matches_finite_differences_to_fourth_order() {
        let layout = JetLayout::new(1, &[Partial::from_axes(&[0, 0, 0, 0])]);
        let g = |x: f64| {
            [
                (2.0 * x).sin() + x * x,
                2.0 * (2.0 * x).cos() + 2.0 * x,
                -4.0 * (2.0 * x).sin() + 2.0,
                -8.0 * (2.0 * x).cos(),
                16.0 * (2.0 * x).sin(),
            ]
        };
        let xs = [-0.7, 0.1, 0.9];
        let n = xs.len();
        let mut z = vec![0.0; 5 * n];
        for (p, &x) in xs.iter().enumerate() {
            for s in 0..5 {
                z[s * n + p] = g(x)[s];
            }
        }
        for act in [
            Activation::Tanh,
            Activation::Sin { w0: 1.5 },
            Activation::Sigmoid,
        ] {
            let mut y = vec![0.0; 5 * n];
            let mut scratch = ChainScratch::new(&layout, n);
            chain_forward(&layout, &act, &z, &mut y, &mut scratch);
            // k-th derivative of σ(g(x)) by finite differences of the (k-1)-th jet slot.
            let h = 1e-5;
            for (p, &x) in xs.iter().enumerate() {
                let jets_at = |x: f64| {
                    let zz: Vec<f64> = g(x).to_vec();
                    let mut yy = vec![0.0; 5];
                    let mut sc = ChainScratch::new(&layout, 1);
                    chain_forward(&layout, &act, &zz, &mut yy, &mut sc);
                    yy
                };
                let (yp, ym) = (jets_at(x + h), jets_at(x - h));
                for s in 1..5 {
                    let fd = (yp[s - 1] - ym[s - 1]) / (2.0 * h);
                    let exact = y[s * n + p];
                    assert!(
                        (fd - exact).abs() < 1e-5 * (1.0 + exact.abs()),
                        "{act:?} slot {s}: {fd} vs {exact}"
                    );
                }
            }
        }
    }

    /// <ȳ, J ż> = <Jᵀȳ, ż> with the Jacobian taken by finite differences, for an order-3
    /// layout (the general passes) and an order-2 one with pure and mixed second derivatives
    /// (the fused passes).
    #[test]
    fn backward_is_the_adjoint_of_forward() {
        let third = [Partial::from_axes(&[0, 0, 1]), Partial::from_axes(&[1, 1])];
        let second = [
            Partial::from_axes(&[0, 0]),
            Partial::from_axes(&[0, 1]),
            Partial::from_axes(&[2]),
        ];
        adjoint_check(JetLayout::new(2, &third));
        adjoint_check(JetLayout::new(3, &second));
    }

    fn adjoint_check(layout: JetLayout) {
        let s = layout.len();
        let n = 3;
        let mut rng = crate::Rng::new(3);
        let z: Vec<f64> = (0..s * n).map(|_| rng.normal() * 0.7).collect();
        let ybar: Vec<f64> = (0..s * n).map(|_| rng.normal()).collect();
        let dz: Vec<f64> = (0..s * n).map(|_| rng.normal()).collect();
        for act in [
            Activation::Tanh,
            Activation::Sin { w0: 2.0 },
            Activation::Sigmoid,
        ] {
            let mut scratch = ChainScratch::new(&layout, n);
            let f = |z: &[f64], sc: &mut ChainScratch<f64>| {
                let mut y = vec![0.0; s * n];
                chain_forward(&layout, &act, z, &mut y, sc);
                y
            };
            let y = f(&z, &mut scratch);
            let mut zbar = vec![0.0; s * n];
            chain_backward(&layout, &act, &z, &y, &ybar, &mut zbar, &mut scratch);
            let h = 1e-6;
            let zp: Vec<f64> = z.iter().zip(&dz).map(|(a, b)| a + h * b).collect();
            let zm: Vec<f64> = z.iter().zip(&dz).map(|(a, b)| a - h * b).collect();
            let (yp, ym) = (f(&zp, &mut scratch), f(&zm, &mut scratch));
            let lhs: f64 = (0..s * n)
                .map(|i| ybar[i] * (yp[i] - ym[i]) / (2.0 * h))
                .sum();
            let rhs: f64 = zbar.iter().zip(&dz).map(|(a, b)| a * b).sum();
            assert!(
                (lhs - rhs).abs() < 1e-6 * (1.0 + rhs.abs()),
                "{act:?}: {lhs} vs {rhs}"
            );
        }
    }

    /// The fused order-2 passes give the same jets as the general Faà di Bruno passes, which
    /// a layout with one third-order slot more takes.
    #[test]
    fn fused_second_order_forward_matches_the_general_passes() {
        let second = [
            Partial::from_axes(&[0, 0]),
            Partial::from_axes(&[0, 1]),
            Partial::from_axes(&[2]),
        ];
        let fused = JetLayout::new(3, &second);
        let mut requested = second.to_vec();
        requested.push(Partial::from_axes(&[0, 1, 1]));
        let general = JetLayout::new(3, &requested);
        assert_eq!((fused.max_order(), general.max_order()), (2, 3));
        let n = 37;
        let mut rng = crate::Rng::new(5);
        let zg: Vec<f64> = (0..general.len() * n).map(|_| rng.normal()).collect();
        let mut zf = vec![0.0; fused.len() * n];
        for (s, p) in fused.slots().iter().enumerate() {
            let g = general.slot(p).unwrap();
            zf[s * n..(s + 1) * n].copy_from_slice(&zg[g * n..(g + 1) * n]);
        }
        for act in [Activation::Tanh, Activation::Sin { w0: 2.0 }] {
            let mut yf = vec![0.0; zf.len()];
            let mut yg = vec![0.0; zg.len()];
            chain_forward(
                &fused,
                &act,
                &zf,
                &mut yf,
                &mut ChainScratch::new(&fused, n),
            );
            chain_forward(
                &general,
                &act,
                &zg,
                &mut yg,
                &mut ChainScratch::new(&general, n),
            );
            for (s, p) in fused.slots().iter().enumerate() {
                let g = general.slot(p).unwrap();
                for q in 0..n {
                    let (a, b) = (yf[s * n + q], yg[g * n + q]);
                    assert!(
                        (a - b).abs() <= 1e-14 * (1.0 + b.abs()),
                        "{act:?} {p:?}: {a} vs {b}"
                    );
                }
            }
        }
    }
}
