//! Vectorizable elementary functions over slices. The standard library's `exp` and
//! `tanh` are scalar calls; these loops compile to SIMD and keep activations from
//! dominating a training step.

use crate::Real;

/// exp(x): range reduction x = n·ln2 + r, |r| ≤ ln2/2, Taylor polynomial in r, then
/// scaling by 2^n through the exponent bits. Accurate to a few ulps; arguments beyond
/// the exponent range are clamped.
#[inline(always)]
pub fn exp<T: Real>(x: T) -> T {
    x.exp_vector()
}

/// tanh(x) = sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|); absolute error a few ulps.
#[inline(always)]
pub fn tanh<T: Real>(x: T) -> T {
    let e = exp(T::from_f64(-2.0) * x.abs());
    ((T::one() - e) / (T::one() + e)).copysign(x)
}

/// The logistic function 1/(1 + exp(−x)).
#[inline(always)]
pub fn sigmoid<T: Real>(x: T) -> T {
    T::one() / (T::one() + exp(-x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_tanh_match_std_f64() {
        for i in -4000..4000 {
            let x = i as f64 * 0.01 + 0.003;
            let e = exp(x);
            assert!(
                (e - x.exp()).abs() <= 4.0 * f64::EPSILON * x.exp(),
                "exp({x})"
            );
            assert!(
                (tanh(x) - x.tanh()).abs() <= 4.0 * f64::EPSILON,
                "tanh({x})"
            );
            assert!((sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs() <= 4.0 * f64::EPSILON);
        }
        assert_eq!(tanh(0.0f64), 0.0);
        assert_eq!(tanh(1e3f64), 1.0);
        assert!((exp(-1e4f64) / (-708.0f64).exp() - 1.0).abs() < 1e-14);
    }

    #[test]
    fn exp_and_tanh_match_std_f32() {
        for i in -2000..2000 {
            let x = i as f32 * 0.01 + 0.003;
            assert!(
                (exp(x) - x.exp()).abs() <= 4.0 * f32::EPSILON * x.exp(),
                "exp({x})"
            );
            assert!(
                (tanh(x) - x.tanh()).abs() <= 4.0 * f32::EPSILON,
                "tanh({x})"
            );
        }
    }
}
