//! Jets of an expression of the coordinates: the program run on Taylor jets instead of
//! numbers, so that a function given as text (an initial value u0(x), say) has exact
//! derivatives of every order a layout carries.

use super::program::{zip2, Func, Op, Program};
use crate::jet::{compose_forward, product_forward, MAX_ORDER};
use crate::{JetLayout, Partial, Points};

impl Func {
    /// f⁽¹⁾(a)…f⁽⁴⁾(a), given a and f(a).
    fn derivatives(self, a: f64, fa: f64) -> [f64; MAX_ORDER] {
        let y2 = fa * fa;
        match self {
            Func::Sin => [a.cos(), -fa, -a.cos(), fa],
            Func::Cos => [-a.sin(), -fa, a.sin(), fa],
            // tan' = 1 + tan², so every derivative is a polynomial in tan.
            Func::Tan => [
                1.0 + y2,
                2.0 * fa * (1.0 + y2),
                2.0 + 8.0 * y2 + 6.0 * y2 * y2,
                (16.0 * fa + 24.0 * fa * y2) * (1.0 + y2),
            ],
            Func::Exp => [fa; MAX_ORDER],
            Func::Log => {
                let r = 1.0 / a;
                [r, -r * r, 2.0 * r * r * r, -6.0 * r * r * r * r]
            }
            Func::Sqrt => (power(0.5).1)(a),
            Func::Abs => [a.signum() * f64::from(a != 0.0), 0.0, 0.0, 0.0],
            // tanh' = 1 − tanh².
            Func::Tanh => [
                1.0 - y2,
                -2.0 * fa * (1.0 - y2),
                -2.0 + 8.0 * y2 - 6.0 * y2 * y2,
                (16.0 * fa - 24.0 * fa * y2) * (1.0 - y2),
            ],
            Func::Sinh => [a.cosh(), fa, a.cosh(), fa],
            Func::Cosh => [a.sinh(), fa, a.sinh(), fa],
        }
    }
}

/// a ↦ a^p and its derivatives p(p−1)…(p−k+1)·a^(p−k); integer powers by repeated products,
/// so that negative bases work.
fn power(p: f64) -> (impl Fn(f64) -> f64, impl Fn(f64) -> [f64; MAX_ORDER]) {
    let pow = move |a: f64, e: f64| {
        if e.fract() == 0.0 && e.abs() < i32::MAX as f64 {
            a.powi(e as i32)
        } else {
            a.powf(e)
        }
    };
    let derivatives = move |a: f64| {
        let mut c = 1.0;
        core::array::from_fn(|k| {
            c *= p - k as f64;
            c * pow(a, p - k as f64 - 1.0)
        })
    };
    (move |a| pow(a, p), derivatives)
}

/// out = f(z) for one register of jets, with f's value and its derivatives at z's values.
fn apply(
    layout: &JetLayout,
    z: &[f64],
    f: impl Fn(f64) -> f64,
    derivatives: impl Fn(f64, f64) -> [f64; MAX_ORDER],
    out: &mut [f64],
) {
    let n = z.len() / layout.len();
    let k = layout.max_order();
    let (out0, rest) = out.split_at_mut(n);
    let mut d = vec![0.0; k * n];
    for p in 0..n {
        out0[p] = f(z[p]);
        let dp = derivatives(z[p], out0[p]);
        for (i, v) in dp.iter().take(k).enumerate() {
            d[i * n + p] = *v;
        }
    }
    if layout.len() > 1 {
        compose_forward(layout, &d, z, rest);
    }
}

impl Program {
    /// The jets in `layout` (`layout.len()·n`, slot-major) at `points` of a program that reads
    /// only coordinates and numbers.
    pub fn jets_at_points(&self, points: &Points<f64>, layout: &JetLayout) -> Vec<f64> {
        let (n, size) = (points.len(), layout.len() * points.len());
        let mut regs = vec![0.0; self.ops().len() * size];
        for (i, op) in self.ops().iter().enumerate() {
            let (done, rest) = regs.split_at_mut(i * size);
            let out = &mut rest[..size];
            let r = |k: usize| &done[k * size..(k + 1) * size];
            match *op {
                Op::Const(v) => {
                    out.fill(0.0);
                    out[..n].fill(v);
                }
                Op::Coord(a) => {
                    out.fill(0.0);
                    out[..n].copy_from_slice(points.axis(a));
                    if let Some(s) = layout.slot(&Partial::axis(a)) {
                        out[s * n..(s + 1) * n].fill(1.0);
                    }
                }
                Op::Jet { .. } | Op::Param(_) => {
                    panic!("`{}` reads more than coordinates", self.source())
                }
                Op::Add(a, b) => zip2(out, r(a), r(b), |x, y| x + y),
                Op::Sub(a, b) => zip2(out, r(a), r(b), |x, y| x - y),
                Op::Neg(a) => out.iter_mut().zip(r(a)).for_each(|(o, &x)| *o = -x),
                Op::Mul(a, b) => product_forward(layout, r(a), r(b), out),
                Op::Div(a, b) => {
                    let mut recip = vec![0.0; size];
                    let (f, d) = power(-1.0);
                    apply(layout, r(b), f, |x, _| d(x), &mut recip);
                    product_forward(layout, r(a), &recip, out);
                }
                Op::PowI(a, e) => {
                    let (f, d) = power(f64::from(e));
                    apply(layout, r(a), f, |x, _| d(x), out);
                }
                Op::Pow(a, b) => match self.ops()[b] {
                    Op::Const(p) => {
                        let (f, d) = power(p);
                        apply(layout, r(a), f, |x, _| d(x), out);
                    }
                    // a^b = exp(b·ln a).
                    _ => {
                        let (mut ln, mut exponent) = (vec![0.0; size], vec![0.0; size]);
                        let log = Func::Log;
                        apply(
                            layout,
                            r(a),
                            f64::ln,
                            |x, fx| log.derivatives(x, fx),
                            &mut ln,
                        );
                        product_forward(layout, r(b), &ln, &mut exponent);
                        apply(layout, &exponent, f64::exp, |_, fx| [fx; MAX_ORDER], out);
                    }
                },
                Op::Call(f, a) => apply(
                    layout,
                    r(a),
                    |x| f.apply(x),
                    |x, fx| f.derivatives(x, fx),
                    out,
                ),
            }
        }
        regs.split_off((self.ops().len() - 1) * size)
    }
}
