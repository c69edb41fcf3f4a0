//! Faà di Bruno: a scalar function applied to a batch of jets, and its adjoint.
//!
//! One unit's jets are a column of `slots · n` values, slot-major: slot `s` of point `p`
//! at `s·n + p`. Every loop below runs over points, so it vectorizes: layouts of order ≤ 2
//! (every second-order PDE) in blocks that visit all slots at once, higher orders one
//! slot and one Faà di Bruno term at a time.

use super::layout::{ChainTerm, JetLayout};
use crate::activation::Activation;
use crate::Real;

/// Scratch for one column: the activation's derivatives σ⁽¹⁾…σ⁽ᴷ⁺¹⁾ at the value slot
/// (layouts of order ≥ 3; the order-2 blocks keep theirs in registers).
#[derive(Clone, Debug, Default)]
pub struct ChainScratch<T> {
    derivatives: Vec<T>,
}

impl<T: Real> ChainScratch<T> {
    /// Scratch for `n` points of `layout`.
    pub fn new(layout: &JetLayout, n: usize) -> Self {
        let mut scratch = ChainScratch {
            derivatives: Vec::new(),
        };
        scratch.reshape(layout, n);
        scratch
    }

    /// Makes it scratch for `n` points of `layout`, zeroed, in the memory it has.
    pub fn reshape(&mut self, layout: &JetLayout, n: usize) {
        let rows = if layout.max_order() <= 2 {
            0
        } else {
            layout.max_order() + 1
        };
        self.derivatives.clear();
        self.derivatives.resize(rows * n, T::zero());
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

/// Points the fused order-≤2 passes take at once: a block's rows stay in the first-level
/// cache while every slot is visited, and the per-point loops are long enough to vectorize.
const BLOCK: usize = 64;
/// Block size for the points left over, before the last few go one by one.
const TAIL: usize = 16;

/// A pass over a column's points, block by block (`B` points from `p`).
trait BlockPass {
    fn run<const B: usize>(&mut self, p: usize);
}

/// Runs `pass` over `n` points: in blocks of [`BLOCK`], then of [`TAIL`], then one by one.
fn for_each_block(n: usize, pass: &mut impl BlockPass) {
    let (whole, tail) = (n - n % BLOCK, n - n % TAIL);
    (0..whole).step_by(BLOCK).for_each(|p| pass.run::<BLOCK>(p));
    (whole..tail)
        .step_by(TAIL)
        .for_each(|p| pass.run::<TAIL>(p));
    (tail..n).for_each(|p| pass.run::<1>(p));
}

/// `B` values of `row` from point `p`.
#[inline(always)]
fn block<T: Copy, const B: usize>(row: &[T], p: usize) -> &[T; B] {
    row[p..p + B].try_into().expect("B values")
}

#[inline(always)]
fn block_mut<T, const B: usize>(row: &mut [T], p: usize) -> &mut [T; B] {
    (&mut row[p..p + B]).try_into().expect("B values")
}

/// The Faà di Bruno terms of a slot of an order ≤ 2 layout: `σ'·z_s`, plus `c·σ''·z_a·z_b`
/// for a second-order slot (c, a, b returned).
fn second_order_term(terms: &[ChainTerm]) -> Option<(f64, usize, usize)> {
    debug_assert!(terms[0].order == 1 && terms.len() <= 2);
    terms.get(1).map(|t| (t.coef, t.factors[0], t.factors[1]))
}

/// The slots after the value (`ys`) of `B` points from `p`, for an order ≤ 2 layout, given
/// σ′ and σ″ there: every slot in one visit of the block.
#[inline(always)]
fn second_order_forward<T: Real, const B: usize>(
    layout: &JetLayout,
    [d1, d2]: [&[T; B]; 2],
    z: &[T],
    ys: &mut [T],
    p: usize,
) {
    let n = z.len() / layout.len();
    let slot = |s: usize| block::<T, B>(z, s * n + p);
    for s in 1..layout.len() {
        let (zs, out) = (slot(s), block_mut::<T, B>(ys, (s - 1) * n + p));
        match second_order_term(layout.chain_terms(s)) {
            None => {
                for l in 0..B {
                    out[l] = d1[l] * zs[l];
                }
            }
            Some((c, a, b)) => {
                let (c, za, zb) = (T::from_f64(c), slot(a), slot(b));
                for l in 0..B {
                    out[l] = d1[l] * zs[l] + c * d2[l] * za[l] * zb[l];
                }
            }
        }
    }
}

/// [`compose`] for an order ≤ 2 layout, with σ′ and σ″ given as rows.
struct Compose<'a, T> {
    layout: &'a JetLayout,
    derivatives: [&'a [T]; 2],
    z: &'a [T],
    ys: &'a mut [T],
}

impl<T: Real> BlockPass for Compose<'_, T> {
    #[inline(always)]
    fn run<const B: usize>(&mut self, p: usize) {
        let d = self.derivatives.map(|r| block::<T, B>(r, p));
        second_order_forward(self.layout, d, self.z, self.ys, p);
    }
}

/// [`chain_forward`] for an order ≤ 2 layout.
struct ActivationForward<'a, T> {
    layout: &'a JetLayout,
    act: &'a Activation,
    z: &'a [T],
    y: &'a mut [T],
}

impl<T: Real> BlockPass for ActivationForward<'_, T> {
    #[inline(always)]
    fn run<const B: usize>(&mut self, p: usize) {
        let n = self.z.len() / self.layout.len();
        let z0 = block::<T, B>(self.z, p);
        let y0 = self.act.eval_block(z0);
        let [d1, d2, _] = self.act.first_three_block(z0, &y0);
        *block_mut::<T, B>(self.y, p) = y0;
        second_order_forward(self.layout, [&d1, &d2], self.z, &mut self.y[n..], p);
    }
}

/// [`chain_backward`] for an order ≤ 2 layout: one visit of a block writes every slot's
/// adjoint, the value slot's from registers. Slots come in increasing order, so a
/// first-order slot's adjoint is written before second-order slots add to it.
struct ActivationBackward<'a, T> {
    layout: &'a JetLayout,
    act: &'a Activation,
    /// z, y and ȳ.
    jets: [&'a [T]; 3],
    zbar: &'a mut [T],
}

impl<T: Real> BlockPass for ActivationBackward<'_, T> {
    #[inline(always)]
    fn run<const B: usize>(&mut self, p: usize) {
        let ([z, y, ybar], zbar) = (self.jets, &mut *self.zbar);
        let n = z.len() / self.layout.len();
        let slot = |s: usize| block::<T, B>(z, s * n + p);
        let (z0, y0, ybar0) = (slot(0), block::<T, B>(y, p), block::<T, B>(ybar, p));
        let [d1, d2, d3] = self.act.first_three_block(z0, y0);
        let mut zbar0 = [T::zero(); B];
        for l in 0..B {
            zbar0[l] = ybar0[l] * d1[l];
        }
        for s in 1..self.layout.len() {
            let (zs, ybs) = (slot(s), block::<T, B>(ybar, s * n + p));
            let zbar_s = block_mut::<T, B>(zbar, s * n + p);
            for l in 0..B {
                zbar_s[l] = ybs[l] * d1[l];
            }
            match second_order_term(self.layout.chain_terms(s)) {
                None => {
                    for l in 0..B {
                        zbar0[l] += ybs[l] * d2[l] * zs[l];
                    }
                }
                Some((c, a, b)) => {
                    let (c, za, zb) = (T::from_f64(c), slot(a), slot(b));
                    let w = ybs.map(|v| c * v);
                    for l in 0..B {
                        zbar0[l] += ybs[l] * d2[l] * zs[l] + w[l] * d3[l] * za[l] * zb[l];
                    }
                    // a = b is u_xx: both factors' terms go to the same slot, one after the other.
                    let zbar_a = block_mut::<T, B>(zbar, a * n + p);
                    for l in 0..B {
                        zbar_a[l] += w[l] * d2[l] * zb[l];
                    }
                    let zbar_b = block_mut::<T, B>(zbar, b * n + p);
                    for l in 0..B {
                        zbar_b[l] += w[l] * d2[l] * za[l];
                    }
                }
            }
        }
        *block_mut::<T, B>(zbar, p) = zbar0;
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
    if layout.len() == 1 {
        act.eval(z, y);
        return;
    }
    if layout.max_order() <= 2 {
        for_each_block(n, &mut ActivationForward { layout, act, z, y });
        return;
    }
    let (y0, ys) = y.split_at_mut(n);
    act.eval(&z[..n], y0);
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
        // σ″ is only read by second-order slots, so a first-order layout passes σ′ twice.
        let derivatives = [&d[0], &d[layout.max_order() - 1]];
        for_each_block(
            n,
            &mut Compose {
                layout,
                derivatives,
                z,
                ys,
            },
        );
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
    if layout.max_order() <= 2 {
        let jets = [z, y, ybar];
        for_each_block(
            n,
            &mut ActivationBackward {
                layout,
                act,
                jets,
                zbar,
            },
        );
        return;
    }
    let d = scratch.fill(act, &z[..n], &y[..n], layout.max_order() + 1);
    let slot = |s: usize| &z[s * n..(s + 1) * n];
    let (zbar0, ybar0, d1) = (&mut zbar[..n], &ybar[..n], &d[0][..n]);
    (0..n).for_each(|p| zbar0[p] = ybar0[p] * d1[p]);
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

    const ALL: [Activation; 5] = [
        Activation::Tanh,
        Activation::Sin { w0: 2.0 },
        Activation::Sigmoid,
        Activation::Cos,
        Activation::Identity,
    ];

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
        // 64 + 16 + 3 points: the fused passes take a block of each size.
        let n = 83;
        let mut rng = crate::Rng::new(3);
        let z: Vec<f64> = (0..s * n).map(|_| rng.normal() * 0.7).collect();
        let ybar: Vec<f64> = (0..s * n).map(|_| rng.normal()).collect();
        let dz: Vec<f64> = (0..s * n).map(|_| rng.normal()).collect();
        for act in ALL {
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
        let n = 83;
        let mut rng = crate::Rng::new(5);
        let zg: Vec<f64> = (0..general.len() * n).map(|_| rng.normal()).collect();
        let mut zf = vec![0.0; fused.len() * n];
        for (s, p) in fused.slots().iter().enumerate() {
            let g = general.slot(p).unwrap();
            zf[s * n..(s + 1) * n].copy_from_slice(&zg[g * n..(g + 1) * n]);
        }
        for act in ALL {
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
