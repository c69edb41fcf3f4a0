//! Derivatives of a program along a coordinate, written out as programs: forward mode turned
//! into instructions (∂(a·b) = ∂a·b + a·∂b, ∂u_x = u_xx, ...). A derived program evaluates
//! and differentiates like any other, in every scalar type, through the one residual kernel:
//! that is how an output transform or an input feature gets the jets a residual reads.

use super::program::{Func, Op, Program};
use super::ExprError;
use crate::Partial;

/// Instructions being written, with constants folded and zeros and ones simplified away
/// (`None` stands for an exact zero).
struct Tape {
    ops: Vec<Op>,
}

impl Tape {
    fn push(&mut self, op: Op) -> usize {
        self.ops.push(op);
        self.ops.len() - 1
    }

    fn constant(&self, k: usize) -> Option<f64> {
        match self.ops[k] {
            Op::Const(v) => Some(v),
            _ => None,
        }
    }

    fn number(&mut self, v: f64) -> Option<usize> {
        (v != 0.0).then(|| self.push(Op::Const(v)))
    }

    fn add(&mut self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        match (a, b) {
            (None, x) | (x, None) => x,
            (Some(a), Some(b)) => match (self.constant(a), self.constant(b)) {
                (Some(x), Some(y)) => self.number(x + y),
                _ => Some(self.push(Op::Add(a, b))),
            },
        }
    }

    fn neg(&mut self, a: Option<usize>) -> Option<usize> {
        let a = a?;
        match self.constant(a) {
            Some(x) => self.number(-x),
            None => Some(self.push(Op::Neg(a))),
        }
    }

    fn sub(&mut self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        match (a, b) {
            (x, None) => x,
            (None, b) => self.neg(b),
            (Some(a), Some(b)) => match (self.constant(a), self.constant(b)) {
                (Some(x), Some(y)) => self.number(x - y),
                _ => Some(self.push(Op::Sub(a, b))),
            },
        }
    }

    fn mul(&mut self, a: Option<usize>, b: Option<usize>) -> Option<usize> {
        let (a, b) = (a?, b?);
        match (self.constant(a), self.constant(b)) {
            (Some(x), Some(y)) => self.number(x * y),
            (Some(1.0), _) => Some(b),
            (_, Some(1.0)) => Some(a),
            _ => Some(self.push(Op::Mul(a, b))),
        }
    }

    fn div(&mut self, a: Option<usize>, b: usize) -> Option<usize> {
        let a = a?;
        match (self.constant(a), self.constant(b)) {
            (Some(x), Some(y)) => self.number(x / y),
            (_, Some(1.0)) => Some(a),
            _ => Some(self.push(Op::Div(a, b))),
        }
    }

    fn call(&mut self, f: Func, a: usize) -> Option<usize> {
        Some(self.push(Op::Call(f, a)))
    }

    fn powi(&mut self, a: usize, e: i32) -> Option<usize> {
        match e {
            0 => self.number(1.0),
            1 => Some(a),
            _ => Some(self.push(Op::PowI(a, e))),
        }
    }

    /// f'(a) as instructions, given `i` = f(a).
    fn derivative_of(&mut self, f: Func, a: usize, i: usize) -> Result<Option<usize>, Func> {
        let one = self.number(1.0);
        Ok(match f {
            Func::Sin => self.call(Func::Cos, a),
            Func::Cos => {
                let s = self.call(Func::Sin, a);
                self.neg(s)
            }
            Func::Tan => {
                let sq = self.powi(i, 2);
                self.add(one, sq)
            }
            Func::Exp => Some(i),
            Func::Log => self.div(one, a),
            Func::Sqrt => {
                let half = self.number(0.5);
                self.div(half, i)
            }
            Func::Tanh => {
                let sq = self.powi(i, 2);
                self.sub(one, sq)
            }
            Func::Sinh => self.call(Func::Cosh, a),
            Func::Cosh => self.call(Func::Sinh, a),
            Func::Abs => return Err(f),
        })
    }
}

impl Program {
    /// ∂/∂x_axis of the program, as a program. Fails on `abs`, which has no derivative at 0:
    /// what is differentiated (an output transform, an input feature) must be smooth.
    /// Jets read are one order higher along `axis`; panics past [`MAX_ORDER`](crate::jet::MAX_ORDER).
    pub fn derivative(&self, axis: usize) -> Result<Program, ExprError> {
        let mut t = Tape {
            ops: self.ops().to_vec(),
        };
        let mut d: Vec<Option<usize>> = Vec::with_capacity(self.ops().len());
        for (i, op) in self.ops().iter().enumerate() {
            let di = match *op {
                Op::Const(_) | Op::Param(_) => None,
                Op::Coord(a) => t.number(f64::from(u8::from(a == axis))),
                Op::Jet { field, partial } => {
                    let mut axes = partial.axes();
                    axes.push(axis);
                    Some(t.push(Op::Jet {
                        field,
                        partial: Partial::from_axes(&axes),
                    }))
                }
                Op::Add(a, b) => t.add(d[a], d[b]),
                Op::Sub(a, b) => t.sub(d[a], d[b]),
                Op::Neg(a) => t.neg(d[a]),
                Op::Mul(a, b) => {
                    let (l, r) = (t.mul(d[a], Some(b)), t.mul(Some(a), d[b]));
                    t.add(l, r)
                }
                // (a/b)' = (a' − (a/b)·b')/b.
                Op::Div(a, b) => {
                    let ib = t.mul(Some(i), d[b]);
                    let num = t.sub(d[a], ib);
                    t.div(num, b)
                }
                Op::PowI(a, e) => {
                    let p = t.powi(a, e - 1);
                    let e = t.number(f64::from(e));
                    let f = t.mul(e, p);
                    t.mul(f, d[a])
                }
                Op::Pow(a, b) => match t.constant(b) {
                    // (a^p)' = p·a^(p−1)·a'.
                    Some(p) => {
                        let pm1 = t.push(Op::Const(p - 1.0));
                        let pw = Some(t.push(Op::Pow(a, pm1)));
                        let p = t.number(p);
                        let f = t.mul(p, pw);
                        t.mul(f, d[a])
                    }
                    // (a^b)' = a^b·(b'·ln a + b·a'/a).
                    None => {
                        let ln = t.call(Func::Log, a);
                        let l = t.mul(d[b], ln);
                        let ba = t.mul(Some(b), d[a]);
                        let r = t.div(ba, a);
                        let s = t.add(l, r);
                        t.mul(Some(i), s)
                    }
                },
                Op::Call(f, a) => match d[a] {
                    None => None,
                    da => {
                        let fp = t.derivative_of(f, a, i).map_err(|_| {
                            ExprError::new(
                                self.source(),
                                1,
                                "`abs` has no derivative at 0; an expression that is differentiated (an output or an input feature) must be smooth, e.g. sqrt(x^2 + 1e-12)".into(),
                            )
                        })?;
                        t.mul(fp, da)
                    }
                },
            };
            d.push(di);
        }
        let result = match d.last().copied().flatten() {
            Some(r) => r,
            None => t.push(Op::Const(0.0)),
        };
        Ok(Program::from_ops(
            format!("d/dx{axis}({})", self.source()),
            live(&t.ops, result),
        ))
    }
}

/// The instructions `result` depends on, renumbered, `result` last.
fn live(ops: &[Op], result: usize) -> Vec<Op> {
    let mut used = vec![false; result + 1];
    used[result] = true;
    for i in (0..=result).rev() {
        if used[i] {
            operands(&ops[i])
                .into_iter()
                .flatten()
                .for_each(|k| used[k] = true);
        }
    }
    let mut index = vec![usize::MAX; result + 1];
    let mut out = Vec::new();
    for i in 0..=result {
        if used[i] {
            index[i] = out.len();
            out.push(renumber(&ops[i], &index));
        }
    }
    out
}

fn operands(op: &Op) -> [Option<usize>; 2] {
    match *op {
        Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::Pow(a, b) => {
            [Some(a), Some(b)]
        }
        Op::Neg(a) | Op::PowI(a, _) | Op::Call(_, a) => [Some(a), None],
        Op::Const(_) | Op::Coord(_) | Op::Param(_) | Op::Jet { .. } => [None, None],
    }
}

fn renumber(op: &Op, index: &[usize]) -> Op {
    let r = |k: usize| index[k];
    match *op {
        Op::Add(a, b) => Op::Add(r(a), r(b)),
        Op::Sub(a, b) => Op::Sub(r(a), r(b)),
        Op::Mul(a, b) => Op::Mul(r(a), r(b)),
        Op::Div(a, b) => Op::Div(r(a), r(b)),
        Op::Pow(a, b) => Op::Pow(r(a), r(b)),
        Op::Neg(a) => Op::Neg(r(a)),
        Op::PowI(a, e) => Op::PowI(r(a), e),
        Op::Call(f, a) => Op::Call(f, r(a)),
        ref leaf => leaf.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Inputs, Symbols};
    use crate::{JetLayout, Points};

    fn symbols() -> Symbols {
        Symbols {
            coords: vec!["x".into(), "t".into()],
            time_axis: Some(1),
            fields: vec!["N".into()],
            constants: vec![("k".into(), 1.7)],
            trainable: vec![],
        }
    }

    fn at(program: &Program, x: f64, t: f64) -> f64 {
        program.eval_at_points(&Points::new(2, vec![x, t]))[0]
    }

    #[test]
    fn derivatives_of_every_function_match_central_differences() {
        let s = symbols();
        let cases = [
            "sin(k*x)*cos(t) + tan(0.3*x)",
            "exp(-x*t)/(1 + x^2)",
            "log(2 + x) * sqrt(1 + t^2)",
            "tanh(x - t)^3 + sinh(x)*cosh(t)",
            "(1.5 + x)^t + (2 + x)^0.5 - 1/(3 + t)",
        ];
        let (x, t, h) = (0.37, 0.61, 1e-5);
        for src in cases {
            let p = Program::compile(src, &s).unwrap();
            for (axis, (dx, dt)) in [(0, (h, 0.0)), (1, (0.0, h))] {
                let exact = at(&p.derivative(axis).unwrap(), x, t);
                let fd = (at(&p, x + dx, t + dt) - at(&p, x - dx, t - dt)) / (2.0 * h);
                assert!(
                    (exact - fd).abs() < 1e-8,
                    "{src} along {axis}: {exact} vs {fd}"
                );
            }
        }
    }

    #[test]
    fn second_derivative_of_a_closed_form() {
        // ∂²/∂x² of x³·sin(x) = 6x·sin x + 6x²·cos x − x³·sin x.
        let p = Program::compile("x^3*sin(x)", &symbols()).unwrap();
        let pxx = p.derivative(0).unwrap().derivative(0).unwrap();
        let x: f64 = 0.8;
        let exact = 6.0 * x * x.sin() + 6.0 * x * x * x.cos() - x.powi(3) * x.sin();
        assert!((at(&pxx, x, 0.0) - exact).abs() < 1e-13);
    }

    #[test]
    fn network_outputs_become_their_derivatives() {
        // ∂x(−sin(πx) + t·N) = −π cos(πx) + t·N_x: reads N_x, not N.
        let p = Program::compile("-sin(pi*x) + t*N", &symbols()).unwrap();
        let px = p.derivative(0).unwrap();
        assert_eq!(px.partials(), vec![(0, Partial::axis(0))]);
        let pt = p.derivative(1).unwrap();
        assert_eq!(
            pt.partials(),
            vec![(0, Partial::VALUE), (0, Partial::axis(1))]
        );
        let layout = JetLayout::new(2, &[Partial::axis(0), Partial::axis(1)]);
        // One point: N = 2, N_x = 3, N_t = 5 (slot order from the layout).
        let mut jets = vec![0.0; layout.len()];
        jets[layout.slot(&Partial::VALUE).unwrap()] = 2.0;
        jets[layout.slot(&Partial::axis(0)).unwrap()] = 3.0;
        jets[layout.slot(&Partial::axis(1)).unwrap()] = 5.0;
        let (x, t) = (0.25, 0.5);
        let inp = Inputs {
            n: 1,
            layout: &layout,
            jets: &jets,
            x: &[x, t],
            params: &[],
        };
        let mut regs = vec![0.0; px.registers().max(pt.registers())];
        let pi = core::f64::consts::PI;
        let want_x = -pi * (pi * x).cos() + t * 3.0;
        assert!((px.eval(&inp, &mut regs)[0] - want_x).abs() < 1e-15);
        assert!((pt.eval(&inp, &mut regs)[0] - (2.0 + t * 5.0)).abs() < 1e-15);
    }

    #[test]
    fn constants_differentiate_to_a_zero_program() {
        let p = Program::compile("k*t + 2", &symbols()).unwrap();
        assert_eq!(p.derivative(0).unwrap().constant(), Some(0.0));
        assert_eq!(p.derivative(1).unwrap().constant(), Some(1.7));
    }

    #[test]
    fn abs_is_refused() {
        let p = Program::compile("abs(x)", &symbols()).unwrap();
        assert!(p.derivative(0).unwrap_err().message.contains("abs"));
    }
}
