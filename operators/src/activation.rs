//! Smooth activations and all their derivatives up to the order a jet needs.

use crate::{vmath, Real};

/// Highest derivative of an activation ever needed: order-4 jets need σ⁽⁴⁾ forward and σ⁽⁵⁾ backward.
pub const MAX_DERIVATIVE: usize = 5;

/// A smooth scalar nonlinearity.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// tanh(z); derivatives are polynomials in tanh(z).
    Tanh,
    /// sin(ω₀·z), SIREN's activation (ω₀ = 1 for a plain sine).
    Sin {
        /// The frequency ω₀.
        w0: f64,
    },
    /// 1/(1+e^(−z)); derivatives are polynomials in σ(z).
    Sigmoid,
    /// cos(z), used by Fourier and periodic embeddings.
    Cos,
    /// The identity: σ' = 1, higher derivatives 0.
    Identity,
}

impl Activation {
    /// y = σ(z), elementwise.
    #[inline(always)]
    pub fn eval<T: Real>(&self, z: &[T], y: &mut [T]) {
        match *self {
            Activation::Tanh => y.iter_mut().zip(z).for_each(|(y, &z)| *y = vmath::tanh(z)),
            Activation::Sigmoid => y
                .iter_mut()
                .zip(z)
                .for_each(|(y, &z)| *y = vmath::sigmoid(z)),
            Activation::Sin { w0 } => {
                let w0 = T::from_f64(w0);
                y.iter_mut().zip(z).for_each(|(y, &z)| *y = (w0 * z).sin())
            }
            Activation::Cos => y.iter_mut().zip(z).for_each(|(y, &z)| *y = z.cos()),
            Activation::Identity => y.copy_from_slice(z),
        }
    }

    /// σ at a block of points, for loops that keep a block's jets in registers (the fused
    /// order-2 chain passes).
    #[inline(always)]
    pub fn eval_block<T: Real, const B: usize>(&self, z: &[T; B]) -> [T; B] {
        let mut y = [T::zero(); B];
        self.eval(z, &mut y);
        y
    }

    /// σ′, σ″, σ‴ at a block of points, given y = σ(z) there: the block form of
    /// [`Activation::derivatives`], one `match` per block.
    #[inline(always)]
    pub fn first_three_block<T: Real, const B: usize>(
        &self,
        z: &[T; B],
        y: &[T; B],
    ) -> [[T; B]; 3] {
        match *self {
            Activation::Tanh => per_point(z, y, |_, y| polynomials_at(&TANH, y)),
            Activation::Sigmoid => per_point(z, y, |_, y| polynomials_at(&SIGMOID, y)),
            Activation::Sin { w0 } => {
                let w = T::from_f64(w0);
                per_point(z, y, |z, y| {
                    let c = (w * z).cos();
                    [w * c, -w * w * y, -w * w * w * c]
                })
            }
            Activation::Cos => per_point(z, y, |z, y| {
                let s = z.sin();
                [-s, -y, s]
            }),
            Activation::Identity => [[T::one(); B], [T::zero(); B], [T::zero(); B]],
        }
    }

    /// σ⁽ᵏ⁾(z) for k = 1..=K into `d` (K rows of z.len(), row k−1 holds σ⁽ᵏ⁾), given y = σ(z).
    pub fn derivatives<T: Real>(&self, z: &[T], y: &[T], d: &mut [T]) {
        let rows = d.len() / z.len().max(1);
        let d = &mut d[..rows * z.len()];
        assert!(d.len() <= MAX_DERIVATIVE * z.len());
        let mut d: [&mut [T]; MAX_DERIVATIVE] = split_rows(d, z.len());
        let d = &mut d[..];
        match *self {
            Activation::Tanh => polynomial_derivatives(&TANH, y, d),
            Activation::Sigmoid => polynomial_derivatives(&SIGMOID, y, d),
            Activation::Sin { w0 } => {
                let w = T::from_f64(w0);
                for (i, dk) in d.iter_mut().enumerate() {
                    // σ⁽ᵏ⁾ = w0^k · sin(w0 z + kπ/2): cycles cos, −sin, −cos, sin.
                    let scale = w.powi(i as i32 + 1);
                    match i % 4 {
                        0 => dk
                            .iter_mut()
                            .zip(z)
                            .for_each(|(d, &z)| *d = scale * (w * z).cos()),
                        1 => dk.iter_mut().zip(y).for_each(|(d, &y)| *d = -scale * y),
                        2 => dk
                            .iter_mut()
                            .zip(z)
                            .for_each(|(d, &z)| *d = -scale * (w * z).cos()),
                        _ => dk.iter_mut().zip(y).for_each(|(d, &y)| *d = scale * y),
                    }
                }
            }
            Activation::Cos => {
                for (i, dk) in d.iter_mut().enumerate() {
                    match i % 4 {
                        0 => dk.iter_mut().zip(z).for_each(|(d, &z)| *d = -z.sin()),
                        1 => dk.iter_mut().zip(y).for_each(|(d, &y)| *d = -y),
                        2 => dk.iter_mut().zip(z).for_each(|(d, &z)| *d = z.sin()),
                        _ => dk.iter_mut().zip(y).for_each(|(d, &y)| *d = y),
                    }
                }
            }
            Activation::Identity => {
                for (i, dk) in d.iter_mut().enumerate() {
                    dk.fill(if i == 0 { T::one() } else { T::zero() });
                }
            }
        }
    }
}

/// The rows of a flat buffer (unused rows empty).
fn split_rows<T>(mut d: &mut [T], n: usize) -> [&mut [T]; MAX_DERIVATIVE] {
    core::array::from_fn(|_| {
        let take = n.min(d.len());
        let (row, rest) = core::mem::take(&mut d).split_at_mut(take);
        d = rest;
        row
    })
}

/// Coefficients (ascending powers of y) of σ⁽ᵏ⁾ as a polynomial in y = σ(z), k = 1..=5.
type DerivativePolys = [[f64; MAX_DERIVATIVE + 2]; MAX_DERIVATIVE];

/// tanh: P₁ = 1 − y², P_{k+1} = P_k'(y)·(1 − y²).
const TANH: DerivativePolys = derivative_polys([1.0, 0.0, -1.0]);
/// sigmoid: P₁ = y − y², P_{k+1} = P_k'(y)·(y − y²).
const SIGMOID: DerivativePolys = derivative_polys([0.0, 1.0, -1.0]);

/// The derivative polynomials of a function whose derivative is the quadratic `g(y)`.
const fn derivative_polys(g: [f64; 3]) -> DerivativePolys {
    let mut out = [[0.0; MAX_DERIVATIVE + 2]; MAX_DERIVATIVE];
    out[0][0] = g[0];
    out[0][1] = g[1];
    out[0][2] = g[2];
    let mut k = 1;
    while k < MAX_DERIVATIVE {
        // P_{k+1} = P_k' · g
        let mut dp = [0.0; MAX_DERIVATIVE + 2];
        let mut i = 1;
        while i < MAX_DERIVATIVE + 2 {
            dp[i - 1] = out[k - 1][i] * i as f64;
            i += 1;
        }
        let mut i = 0;
        while i < MAX_DERIVATIVE + 2 {
            let mut j = 0;
            while j < 3 {
                if i + j < MAX_DERIVATIVE + 2 {
                    out[k][i + j] += dp[i] * g[j];
                }
                j += 1;
            }
            i += 1;
        }
        k += 1;
    }
    out
}

fn polynomial_derivatives<T: Real>(polys: &DerivativePolys, y: &[T], d: &mut [&mut [T]]) {
    for (k, dk) in d.iter_mut().enumerate().filter(|(_, dk)| !dk.is_empty()) {
        let mut c = [T::zero(); MAX_DERIVATIVE + 2];
        c.iter_mut()
            .zip(&polys[k])
            .for_each(|(c, &p)| *c = T::from_f64(p));
        // σ⁽ᵏ⁾ (k = index + 1) has degree k + 1 in y, so k + 2 coefficients; a constant
        // count lets the point loop vectorize.
        match k {
            0 => horner::<T, 3>(&c, y, dk),
            1 => horner::<T, 4>(&c, y, dk),
            2 => horner::<T, 5>(&c, y, dk),
            3 => horner::<T, 6>(&c, y, dk),
            _ => horner::<T, 7>(&c, y, dk),
        }
    }
}

/// `f(z, y)` (three derivatives) at each point of a block, as three rows.
#[inline(always)]
fn per_point<T: Real, const B: usize>(
    z: &[T; B],
    y: &[T; B],
    f: impl Fn(T, T) -> [T; 3],
) -> [[T; B]; 3] {
    let mut d = [[T::zero(); B]; 3];
    for l in 0..B {
        let v = f(z[l], y[l]);
        d[0][l] = v[0];
        d[1][l] = v[1];
        d[2][l] = v[2];
    }
    d
}

/// The first three derivative polynomials at one y (σ⁽ᵏ⁾ has degree k + 1 in y).
#[inline(always)]
fn polynomials_at<T: Real>(polys: &DerivativePolys, y: T) -> [T; 3] {
    [
        horner_at::<T, 3>(&polys[0], y),
        horner_at::<T, 4>(&polys[1], y),
        horner_at::<T, 5>(&polys[2], y),
    ]
}

/// Σ_{i<N} c[i]·y^i.
#[inline(always)]
fn horner_at<T: Real, const N: usize>(c: &[f64], y: T) -> T {
    let mut acc = T::from_f64(c[N - 1]);
    for i in (0..N - 1).rev() {
        acc = acc * y + T::from_f64(c[i]);
    }
    acc
}

/// d[p] = Σ_{i<N} c[i]·y[p]^i.
#[inline(always)]
fn horner<T: Real, const N: usize>(c: &[T], y: &[T], d: &mut [T]) {
    for (d, &y) in d.iter_mut().zip(y) {
        let mut acc = c[N - 1];
        for i in (0..N - 1).rev() {
            acc = acc * y + c[i];
        }
        *d = acc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every derivative against a central difference of the one below it.
    #[test]
    fn derivatives_match_finite_differences() {
        let acts = [
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Sin { w0: 3.0 },
            Activation::Cos,
            Activation::Identity,
        ];
        let z: Vec<f64> = (0..41).map(|i| -2.0 + 0.1 * i as f64 + 0.013).collect();
        let h = 1e-5;
        let all = |act: &Activation, z: &[f64]| {
            let mut y = vec![0.0; z.len()];
            act.eval(z, &mut y);
            let mut d = vec![0.0; z.len() * MAX_DERIVATIVE];
            act.derivatives(z, &y, &mut d);
            std::iter::once(y)
                .chain(d.chunks(z.len()).map(<[f64]>::to_vec))
                .collect::<Vec<_>>()
        };
        for act in &acts {
            let zp: Vec<f64> = z.iter().map(|z| z + h).collect();
            let zm: Vec<f64> = z.iter().map(|z| z - h).collect();
            let (d0, dp, dm) = (all(act, &z), all(act, &zp), all(act, &zm));
            for k in 1..=MAX_DERIVATIVE {
                for i in 0..z.len() {
                    let fd = (dp[k - 1][i] - dm[k - 1][i]) / (2.0 * h);
                    let scale = 1.0 + d0[k][i].abs();
                    assert!(
                        (fd - d0[k][i]).abs() < 1e-6 * scale * 30f64.powi(k as i32),
                        "{act:?} order {k} at {}",
                        z[i]
                    );
                }
            }
        }
    }

    /// The block forms the fused chain passes use give what the row forms give.
    #[test]
    fn block_forms_match_the_row_forms() {
        let z: [f64; 16] = core::array::from_fn(|i| -3.0 + 0.4 * i as f64 + 0.01);
        for act in [
            Activation::Tanh,
            Activation::Sigmoid,
            Activation::Sin { w0: 3.0 },
            Activation::Cos,
            Activation::Identity,
        ] {
            let y = act.eval_block(&z);
            let mut rows = [0.0; 48];
            act.derivatives(&z, &y, &mut rows);
            let blocks = act.first_three_block(&z, &y);
            for (k, block) in blocks.iter().enumerate() {
                for (l, &v) in block.iter().enumerate() {
                    let row = rows[k * 16 + l];
                    assert!(
                        (v - row).abs() <= 1e-14 * (1.0 + row.abs()),
                        "{act:?} σ^({}) at {}: {v} vs {row}",
                        k + 1,
                        z[l]
                    );
                }
            }
        }
    }

    #[test]
    fn tanh_closed_forms() {
        // σ'' = −2 t (1 − t²), σ''' = (1 − t²)(6t² − 2)
        let z = [0.3f64];
        let t = z[0].tanh();
        let mut y = [0.0];
        Activation::Tanh.eval(&z, &mut y);
        let mut d = [0.0; 3];
        Activation::Tanh.derivatives(&z, &y, &mut d);
        assert!((d[1] + 2.0 * t * (1.0 - t * t)).abs() < 1e-15);
        assert!((d[2] - (1.0 - t * t) * (6.0 * t * t - 2.0)).abs() < 1e-15);
    }
}
