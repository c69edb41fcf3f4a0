//! The floating-point types the engine runs on: `f64` (default) and `f32`.

use core::fmt::{Debug, Display};
use core::iter::Sum;
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A real scalar usable in jets, GEMMs (through faer) and optimizers.
pub trait Real:
    faer::traits::RealField
    + Copy
    + Default
    + Debug
    + Display
    + PartialOrd
    + Send
    + Sync
    + Sum
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + 'static
{
    /// Short name used in reports (`"f32"`, `"f64"`).
    const NAME: &'static str;
    /// `v` rounded to this precision.
    fn from_f64(v: f64) -> Self;
    /// The value in f64 (exact).
    fn to_f64(self) -> f64;
    /// e^self.
    fn exp(self) -> Self;
    /// The natural logarithm.
    fn ln(self) -> Self;
    /// The sine.
    fn sin(self) -> Self;
    /// The cosine.
    fn cos(self) -> Self;
    /// The tangent.
    fn tan(self) -> Self;
    /// The hyperbolic sine.
    fn sinh(self) -> Self;
    /// The hyperbolic cosine.
    fn cosh(self) -> Self;
    /// The hyperbolic tangent.
    fn tanh(self) -> Self;
    /// The square root.
    fn sqrt(self) -> Self;
    /// The absolute value.
    fn abs(self) -> Self;
    /// self^n for an integer n.
    fn powi(self, n: i32) -> Self;
    /// self^e.
    fn powf(self, e: Self) -> Self;
    /// Neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// The larger of the two (the other if one is NaN).
    fn max(self, other: Self) -> Self;
    /// The smaller of the two (the other if one is NaN).
    fn min(self, other: Self) -> Self;
    /// |self| with the sign of `sign`.
    fn copysign(self, sign: Self) -> Self;
    /// exp(x) by range reduction and a polynomial, written so that loops over it vectorize;
    /// see [`crate::vmath::exp`].
    fn exp_vector(self) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $name:literal, $mant:expr, $bias:expr, $lim:expr, $coefs:expr) => {
        impl Real for $t {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn copysign(self, sign: Self) -> Self {
                <$t>::copysign(self, sign)
            }
            #[inline(always)]
            fn exp_vector(self) -> Self {
                const LIM: $t = $lim;
                // Adding 1.5·2^mant rounds to an integer n that sits in the low mantissa bits.
                const SHIFTER: $t = 1.5 * (1u64 << $mant) as $t;
                const COEFS: &[$t] = &$coefs;
                let x = if self < -LIM {
                    -LIM
                } else if self > LIM {
                    LIM
                } else {
                    self
                };
                let k = x * core::f64::consts::LOG2_E as $t + SHIFTER;
                let n = k - SHIFTER;
                // Cody–Waite: ln2 = hi + lo with hi exact in the format.
                let r = x - n * LN2_HI as $t - n * LN2_LO as $t;
                let mut p = COEFS[COEFS.len() - 1];
                for &c in COEFS[..COEFS.len() - 1].iter().rev() {
                    p = p * r + c;
                }
                let scale = <$t>::from_bits(
                    (k.to_bits()
                        .wrapping_sub(SHIFTER.to_bits())
                        .wrapping_add($bias))
                        << $mant,
                );
                p * scale
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline(always)]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline(always)]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline(always)]
            fn tan(self) -> Self {
                <$t>::tan(self)
            }
            #[inline(always)]
            fn sinh(self) -> Self {
                <$t>::sinh(self)
            }
            #[inline(always)]
            fn cosh(self) -> Self {
                <$t>::cosh(self)
            }
            #[inline(always)]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn powi(self, n: i32) -> Self {
                <$t>::powi(self, n)
            }
            #[inline(always)]
            fn powf(self, e: Self) -> Self {
                <$t>::powf(self, e)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                <$t>::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                <$t>::min(self, other)
            }
        }
    };
}

/// ln 2 split for Cody–Waite range reduction: the high part has few enough bits that
/// n·LN2_HI is exact for every exponent n.
const LN2_HI: f64 = 0.693_145_751_953_125;
const LN2_LO: f64 = 1.428_606_820_309_417_2e-6;

/// 1/k! for k = 0..=n: Taylor coefficients of exp.
const fn inverse_factorials<const N: usize>() -> [f64; N] {
    let mut c = [1.0; N];
    let mut k = 1;
    while k < N {
        c[k] = c[k - 1] / k as f64;
        k += 1;
    }
    c
}
const EXP_F64: [f64; 13] = inverse_factorials::<13>();
const EXP_F32: [f64; 8] = inverse_factorials::<8>();

impl_real!(
    f32,
    "f32",
    23,
    127,
    87.0,
    [
        EXP_F32[0] as f32,
        EXP_F32[1] as f32,
        EXP_F32[2] as f32,
        EXP_F32[3] as f32,
        EXP_F32[4] as f32,
        EXP_F32[5] as f32,
        EXP_F32[6] as f32,
        EXP_F32[7] as f32
    ]
);
impl_real!(f64, "f64", 52, 1023, 708.0, EXP_F64);
