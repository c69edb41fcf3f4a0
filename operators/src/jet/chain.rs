//! Faà di Bruno: a scalar function applied to a batch of jets, and its adjoint.
//!
//! One unit's jets are a column of `slots · n` values, slot-major: slot `s` of point `p`
//! at `s·n + p`. Every loop below runs over the `n` points of one slot, so it vectorizes.

use super::layout::JetLayout;
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
    for (p, o) in out.iter_mut().enumerate() {
        let mut acc = c;
        for fj in &f {
            acc *= fj[p];
        }
        *o += acc;
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
    let slot = |s: usize| &z[s * n..(s + 1) * n];
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

/// The adjoint of [`chain_forward`]: `zbar += ∂(ȳ·y)/∂z` for one column.
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
    let mut f = Factors::new();
    f.extend([&ybar[..n], &d[0]]);
    accumulate(&mut zbar[..n], T::one(), f.rows());
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

    /// <ȳ, J ż> = <Jᵀȳ, ż> with the Jacobian taken by finite differences.
    #[test]
    fn backward_is_the_adjoint_of_forward() {
        let layout = JetLayout::new(
            2,
            &[Partial::from_axes(&[0, 0, 1]), Partial::from_axes(&[1, 1])],
        );
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
}
