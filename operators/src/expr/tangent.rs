//! Second-order reverse mode of a compiled expression: Hessian-vector products with respect
//! to the jets, as forward-over-reverse (the tangent of every register, then of every adjoint).
//! The hard-constraint layer needs them for the exact Hessian of its least-squares problem.

use super::program::{add_row, zip2, Func, Inputs, Op, Program};
use crate::Real;

impl Func {
    /// f''(a), given a and f(a) (`one` is 1, to keep the match arms short).
    pub(super) fn second_derivative<T: Real>(self, a: T, fa: T, one: T) -> T {
        let two = one + one;
        match self {
            Func::Sin | Func::Cos => -fa,
            Func::Tan => two * fa * (one + fa * fa),
            Func::Exp | Func::Sinh | Func::Cosh => fa,
            Func::Log => -one / (a * a),
            Func::Sqrt => -one / (two * two * fa * fa * fa),
            Func::Abs => T::zero(),
            Func::Tanh => -two * fa * (one - fa * fa),
        }
    }
}

impl Program {
    /// The second-order companion of [`adjoint`](Self::adjoint): the change of its ∂/∂jets
    /// when the jets move along `jets_dot` (same shape as `inp.jets`), i.e. Hessian-vector
    /// products ∂²(seed·P)/∂jets² · jets_dot per point, added to `jets_bar_dot`. `regs` and
    /// `bars` are those left by `eval` and `adjoint`; `dregs` and `dbars` are scratch like them.
    /// Trainable parameters are held fixed.
    #[allow(clippy::too_many_arguments)]
    pub fn adjoint_tangent<T: Real>(
        &self,
        inp: &Inputs<'_, T>,
        regs: &[T],
        bars: &[T],
        jets_dot: &[T],
        dregs: &mut [T],
        dbars: &mut [T],
        jets_bar_dot: &mut [T],
    ) {
        let n = inp.n;
        let one = T::one();
        // Forward: the tangent of every register.
        for (i, op) in self.ops().iter().enumerate() {
            let (done, rest) = dregs.split_at_mut(i * n);
            let out = &mut rest[..n];
            let d = |k: usize| &done[k * n..(k + 1) * n];
            let r = |k: usize| &regs[k * n..(k + 1) * n];
            let ri = r(i);
            match *op {
                Op::Const(_) | Op::Coord(_) | Op::Param(_) => out.fill(T::zero()),
                Op::Jet { field, partial } => {
                    out.copy_from_slice(&jets_dot[inp.jet_range(field, &partial)])
                }
                Op::Add(a, b) => zip2(out, d(a), d(b), |x, y| x + y),
                Op::Sub(a, b) => zip2(out, d(a), d(b), |x, y| x - y),
                Op::Neg(a) => out.iter_mut().zip(d(a)).for_each(|(o, &x)| *o = -x),
                _ => {
                    for p in 0..n {
                        out[p] = match *op {
                            Op::Mul(a, b) => d(a)[p] * r(b)[p] + r(a)[p] * d(b)[p],
                            Op::Div(a, b) => (d(a)[p] - ri[p] * d(b)[p]) / r(b)[p],
                            Op::PowI(a, e) => T::from_f64(e as f64) * r(a)[p].powi(e - 1) * d(a)[p],
                            Op::Pow(a, b) => {
                                ri[p] * (d(b)[p] * r(a)[p].ln() + r(b)[p] * d(a)[p] / r(a)[p])
                            }
                            Op::Call(f, a) => f.derivative(r(a)[p], ri[p]) * d(a)[p],
                            _ => unreachable!(),
                        }
                    }
                }
            }
        }
        // Reverse: the tangent of every adjoint, from the last instruction's (the seed's, zero).
        dbars.fill(T::zero());
        for (i, op) in self.ops().iter().enumerate().rev() {
            let (before, rest) = dbars.split_at_mut(i * n);
            let gd = &rest[..n];
            let g = &bars[i * n..(i + 1) * n];
            let r = |k: usize| &regs[k * n..(k + 1) * n];
            let d = |k: usize| &dregs[k * n..(k + 1) * n];
            let (ri, di) = (r(i), d(i));
            let mut add = |k: usize, f: &dyn Fn(usize) -> T| add_row(before, k, n, f);
            match *op {
                Op::Const(_) | Op::Coord(_) | Op::Param(_) => {}
                Op::Jet { field, partial } => {
                    jets_bar_dot[inp.jet_range(field, &partial)]
                        .iter_mut()
                        .zip(gd)
                        .for_each(|(b, &g)| *b += g);
                }
                Op::Add(a, b) => {
                    add(a, &|p| gd[p]);
                    add(b, &|p| gd[p]);
                }
                Op::Sub(a, b) => {
                    add(a, &|p| gd[p]);
                    add(b, &|p| -gd[p]);
                }
                Op::Neg(a) => add(a, &|p| -gd[p]),
                Op::Mul(a, b) => {
                    add(a, &|p| gd[p] * r(b)[p] + g[p] * d(b)[p]);
                    add(b, &|p| gd[p] * r(a)[p] + g[p] * d(a)[p]);
                }
                Op::Div(a, b) => {
                    // ā += g/b, b̄ −= g·r/b.
                    add(a, &|p| {
                        let rb = r(b)[p];
                        gd[p] / rb - g[p] * d(b)[p] / (rb * rb)
                    });
                    add(b, &|p| {
                        let rb = r(b)[p];
                        -(gd[p] * ri[p] + g[p] * di[p]) / rb + g[p] * ri[p] * d(b)[p] / (rb * rb)
                    });
                }
                Op::PowI(a, e) => {
                    let ef = T::from_f64(e as f64);
                    add(a, &|p| {
                        let x = r(a)[p];
                        ef * (gd[p] * x.powi(e - 1)
                            + g[p] * T::from_f64((e - 1) as f64) * x.powi(e - 2) * d(a)[p])
                    });
                }
                Op::Pow(a, b) => {
                    // ā += g·b·r/a, b̄ += g·r·ln a.
                    add(a, &|p| {
                        let (x, y) = (r(a)[p], r(b)[p]);
                        let dpa = (d(b)[p] * ri[p] + y * di[p]) / x - y * ri[p] * d(a)[p] / (x * x);
                        gd[p] * y * ri[p] / x + g[p] * dpa
                    });
                    add(b, &|p| {
                        let x = r(a)[p];
                        gd[p] * ri[p] * x.ln() + g[p] * (di[p] * x.ln() + ri[p] * d(a)[p] / x)
                    });
                }
                Op::Call(f, a) => {
                    add(a, &|p| {
                        let x = r(a)[p];
                        gd[p] * f.derivative(x, ri[p])
                            + g[p] * f.second_derivative(x, ri[p], one) * d(a)[p]
                    });
                }
            }
        }
    }
}
