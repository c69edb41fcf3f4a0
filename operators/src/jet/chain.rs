//! Faà di Bruno: a scalar function applied to a batch of jets, and its adjoint.
//!
//! One unit's jets are a column of `slots · n` values, slot-major: slot `s` of point `p`
//! at `s·n + p`. Every loop below runs over the `n` points of one slot, so it vectorizes.

use super::layout::JetLayout;
use crate::activation::Activation;
use crate::Real;

/// Scratch for one column: the activation's derivatives and a row of ones
/// (used to pad products to four factors so one loop body serves every term).
#[derive(Clone, Debug, Default)]
pub struct ChainScratch<T> {
    derivatives: Vec<T>,
    ones: Vec<T>,
}

impl<T: Real> ChainScratch<T> {
    pub fn new(layout: &JetLayout, n: usize) -> Self {
        ChainScratch {
            derivatives: vec![T::zero(); (layout.max_order() + 1) * n],
            ones: vec![T::one(); n],
        }
    }

    /// Fills σ⁽¹⁾..σ⁽ᵏ⁾ at the value slot; returns them as slices of length n.
    fn fill(&mut self, act: &Activation, z0: &[T], y0: &[T], k: usize) -> Vec<&[T]> {
        let n = z0.len();
        let mut views: Vec<&mut [T]> = self.derivatives[..k * n].chunks_mut(n).collect();
        act.derivatives(z0, y0, &mut views);
        self.derivatives[..k * n].chunks(n).collect()
    }
}

/// The four factor slices of a term (padded with ones).
fn factors<'a, T>(z: &'a [T], n: usize, term: &[usize], ones: &'a [T]) -> [&'a [T]; 4] {
    let mut f = [ones; 4];
    for (j, &s) in term.iter().enumerate() {
        f[j] = &z[s * n..(s + 1) * n];
    }
    f
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
    let ones = std::mem::take(&mut scratch.ones);
    let d = scratch.fill(act, &z[..n], y0, layout.max_order());
    for s in 1..layout.len() {
        let ys = &mut ys[(s - 1) * n..s * n];
        ys.fill(T::zero());
        for term in layout.chain_terms(s) {
            let c = T::from_f64(term.coef);
            let dk = d[term.order - 1];
            let [f0, f1, f2, f3] = factors(z, n, &term.factors, &ones);
            for p in 0..n {
                ys[p] += c * dk[p] * f0[p] * f1[p] * f2[p] * f3[p];
            }
        }
    }
    drop(d);
    scratch.ones = ones;
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
    let ones = std::mem::take(&mut scratch.ones);
    let d = scratch.fill(act, &z[..n], &y[..n], layout.max_order() + 1);
    for p in 0..n {
        zbar[p] += ybar[p] * d[0][p];
    }
    for s in 1..layout.len() {
        let ybs = &ybar[s * n..(s + 1) * n];
        for term in layout.chain_terms(s) {
            let c = T::from_f64(term.coef);
            let f = factors(z, n, &term.factors, &ones);
            // Through σ⁽ᵏ⁾(z₀): the value slot.
            let dk1 = d[term.order];
            let [f0, f1, f2, f3] = f;
            let zb0 = &mut zbar[..n];
            for p in 0..n {
                zb0[p] += c * ybs[p] * dk1[p] * f0[p] * f1[p] * f2[p] * f3[p];
            }
            // Through each factor in turn.
            let dk = d[term.order - 1];
            for (j, &fs) in term.factors.iter().enumerate() {
                let mut others = f;
                others[j] = &ones;
                let [o0, o1, o2, o3] = others;
                let zb = &mut zbar[fs * n..(fs + 1) * n];
                for p in 0..n {
                    zb[p] += c * ybs[p] * dk[p] * o0[p] * o1[p] * o2[p] * o3[p];
                }
            }
        }
    }
    drop(d);
    scratch.ones = ones;
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
