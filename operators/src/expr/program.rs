//! A compiled expression: a tape of operations over per-point registers.

use super::parse::{parse, Ast, BinOp};
use super::{ExprError, Symbols};
use crate::{ChunkView, JetLayout, Partial, Points, Real};

/// Elementary functions an expression may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// Sin.
    Sin,
    /// Cos.
    Cos,
    /// Tan.
    Tan,
    /// Exp.
    Exp,
    /// The natural logarithm `log`.
    Log,
    /// Sqrt.
    Sqrt,
    /// Abs (its derivative at 0 is taken as 0).
    Abs,
    /// Tanh.
    Tanh,
    /// Sinh.
    Sinh,
    /// Cosh.
    Cosh,
}

impl Func {
    fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            "tan" => Func::Tan,
            "exp" => Func::Exp,
            "log" | "ln" => Func::Log,
            "sqrt" => Func::Sqrt,
            "abs" => Func::Abs,
            "tanh" => Func::Tanh,
            "sinh" => Func::Sinh,
            "cosh" => Func::Cosh,
            _ => return None,
        })
    }

    pub(super) fn apply<T: Real>(self, a: T) -> T {
        match self {
            Func::Sin => a.sin(),
            Func::Cos => a.cos(),
            Func::Tan => a.tan(),
            Func::Exp => a.exp(),
            Func::Log => a.ln(),
            Func::Sqrt => a.sqrt(),
            Func::Abs => a.abs(),
            Func::Tanh => a.tanh(),
            Func::Sinh => a.sinh(),
            Func::Cosh => a.cosh(),
        }
    }

    /// f'(a), given a and f(a).
    pub(super) fn derivative<T: Real>(self, a: T, fa: T) -> T {
        let one = T::one();
        match self {
            Func::Sin => a.cos(),
            Func::Cos => -a.sin(),
            Func::Tan => one + fa * fa,
            Func::Exp => fa,
            Func::Log => one / a,
            Func::Sqrt => one / (T::from_f64(2.0) * fa),
            Func::Abs => {
                if a > T::zero() {
                    one
                } else if a < T::zero() {
                    -one
                } else {
                    T::zero()
                }
            }
            Func::Tanh => one - fa * fa,
            Func::Sinh => a.cosh(),
            Func::Cosh => a.sinh(),
        }
    }
}

/// One instruction; operands are indices of earlier instructions.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// A number.
    Const(f64),
    /// A derivative of a network output.
    Jet {
        /// Which network output.
        field: usize,
        /// Which derivative of it.
        partial: Partial,
    },
    /// A coordinate of the point (by axis).
    Coord(usize),
    /// A trainable parameter (inverse problems).
    Param(usize),
    /// The sum of two earlier values.
    Add(usize, usize),
    /// Their difference.
    Sub(usize, usize),
    /// Their product.
    Mul(usize, usize),
    /// Their quotient.
    Div(usize, usize),
    /// The negation of an earlier value.
    Neg(usize),
    /// An earlier value to an integer power.
    PowI(usize, i32),
    /// An earlier value to the power of another.
    Pow(usize, usize),
    /// An elementary function of an earlier value.
    Call(Func, usize),
}

/// What a program reads for one chunk of `n` points.
pub struct Inputs<'a, T> {
    /// Number of points in the chunk.
    pub n: usize,
    /// Which derivatives the jets hold, and where.
    pub layout: &'a JetLayout,
    /// Output jets of the chunk (`layout.len()·n × fields`).
    pub jets: &'a [T],
    /// Coordinates of the chunk (`n × dims`).
    pub x: &'a [T],
    /// Values of the trainable parameters.
    pub params: &'a [T],
}

impl<'a, T: Real> Inputs<'a, T> {
    /// What a program reads on one chunk of a batch, with trainable parameters `params`.
    pub fn of_chunk(chunk: &ChunkView<'a, T>, layout: &'a JetLayout, params: &'a [T]) -> Self {
        Inputs {
            n: chunk.n,
            layout,
            jets: chunk.jets,
            x: chunk.x,
            params,
        }
    }

    /// Where the values of a field's partial derivative sit in `jets`.
    pub(super) fn jet_range(&self, field: usize, partial: &Partial) -> core::ops::Range<usize> {
        let slot = self
            .layout
            .slot(partial)
            .expect("layout carries every partial the program reads");
        let start = field * self.layout.len() * self.n + slot * self.n;
        start..start + self.n
    }
}

/// A compiled expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    source: String,
    ops: Vec<Op>,
}

impl Program {
    /// Parses and resolves `source` against `symbols`.
    pub fn compile(source: &str, symbols: &Symbols) -> Result<Program, ExprError> {
        Self::compile_tree(&parse(source)?, source, symbols)
    }

    /// Compiles a syntax tree, such as one rewritten from a parsed expression (a Lagrangian
    /// residual), without printing and parsing it again; its printed form is the source.
    pub fn from_ast(ast: &Ast, symbols: &Symbols) -> Result<Program, ExprError> {
        Self::compile_tree(ast, &ast.to_string(), symbols)
    }

    /// A program of given instructions (derived ones), each reading only earlier ones.
    pub(super) fn from_ops(source: String, ops: Vec<Op>) -> Program {
        Program { source, ops }
    }

    fn compile_tree(ast: &Ast, source: &str, symbols: &Symbols) -> Result<Program, ExprError> {
        let mut c = Compiler {
            src: source,
            symbols,
            ops: Vec::new(),
        };
        c.emit(ast)?;
        Ok(Program {
            source: source.to_string(),
            ops: c.ops,
        })
    }

    /// The text the program was compiled from (for messages and reports).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The instructions, each reading only earlier ones.
    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Registers needed per point (one per instruction).
    pub fn registers(&self) -> usize {
        self.ops.len()
    }

    /// The (field, partial) pairs the program reads: what the jets must carry.
    pub fn partials(&self) -> Vec<(usize, Partial)> {
        let mut out: Vec<(usize, Partial)> = self
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::Jet { field, partial } => Some((*field, *partial)),
                _ => None,
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Values at `points` of a program that reads only coordinates (targets, references).
    pub fn eval_at_points<T: Real>(&self, points: &Points<T>) -> Vec<T> {
        let n = points.len();
        let layout = JetLayout::value_only(points.dims());
        let inp = Inputs {
            n,
            layout: &layout,
            jets: &[],
            x: points.coords(),
            params: &[],
        };
        let mut regs = vec![T::zero(); self.registers() * n];
        self.eval(&inp, &mut regs).to_vec()
    }

    /// The value if the program does not depend on points or trainable parameters.
    pub fn constant(&self) -> Option<f64> {
        match self.ops.as_slice() {
            [Op::Const(v)] => Some(*v),
            _ => None,
        }
    }

    /// Evaluates over a chunk; `regs` holds `registers()·n` values; returns the result row.
    pub fn eval<'r, T: Real>(&self, inp: &Inputs<'_, T>, regs: &'r mut [T]) -> &'r [T] {
        let n = inp.n;
        for (i, op) in self.ops.iter().enumerate() {
            let (done, rest) = regs.split_at_mut(i * n);
            let out = &mut rest[..n];
            let r = |k: usize| &done[k * n..(k + 1) * n];
            match *op {
                Op::Const(v) => out.fill(T::from_f64(v)),
                Op::Jet { field, partial } => {
                    out.copy_from_slice(&inp.jets[inp.jet_range(field, &partial)])
                }
                Op::Coord(a) => out.copy_from_slice(&inp.x[a * n..(a + 1) * n]),
                Op::Param(k) => out.fill(inp.params[k]),
                Op::Add(a, b) => zip2(out, r(a), r(b), |x, y| x + y),
                Op::Sub(a, b) => zip2(out, r(a), r(b), |x, y| x - y),
                Op::Mul(a, b) => zip2(out, r(a), r(b), |x, y| x * y),
                Op::Div(a, b) => zip2(out, r(a), r(b), |x, y| x / y),
                Op::Pow(a, b) => zip2(out, r(a), r(b), |x, y| x.powf(y)),
                Op::Neg(a) => out.iter_mut().zip(r(a)).for_each(|(o, &x)| *o = -x),
                Op::PowI(a, e) => out.iter_mut().zip(r(a)).for_each(|(o, &x)| *o = x.powi(e)),
                Op::Call(f, a) => out.iter_mut().zip(r(a)).for_each(|(o, &x)| *o = f.apply(x)),
            }
        }
        let last = self.ops.len() - 1;
        &regs[last * n..(last + 1) * n]
    }

    /// Reverse mode after [`eval`](Self::eval): given `seed` = ∂L/∂result per point, adds
    /// ∂L/∂jets to `jets_bar` and ∂L/∂params to `params_bar`. `bars` is scratch like `regs`.
    pub fn adjoint<T: Real>(
        &self,
        inp: &Inputs<'_, T>,
        regs: &[T],
        seed: &[T],
        bars: &mut [T],
        jets_bar: &mut [T],
        params_bar: &mut [T],
    ) {
        let n = inp.n;
        let last = self.ops.len() - 1;
        bars.fill(T::zero());
        bars[last * n..(last + 1) * n].copy_from_slice(seed);
        for (i, op) in self.ops.iter().enumerate().rev() {
            let (before, rest) = bars.split_at_mut(i * n);
            let g = &rest[..n];
            let r = |k: usize| &regs[k * n..(k + 1) * n];
            let mut add = |k: usize, f: &dyn Fn(usize) -> T| add_row(before, k, n, f);
            match *op {
                Op::Const(_) | Op::Coord(_) => {}
                Op::Jet { field, partial } => {
                    jets_bar[inp.jet_range(field, &partial)]
                        .iter_mut()
                        .zip(g)
                        .for_each(|(b, &g)| *b += g);
                }
                Op::Param(k) => params_bar[k] += g.iter().copied().sum::<T>(),
                Op::Add(a, b) => {
                    add(a, &|p| g[p]);
                    add(b, &|p| g[p]);
                }
                Op::Sub(a, b) => {
                    add(a, &|p| g[p]);
                    add(b, &|p| -g[p]);
                }
                Op::Mul(a, b) => {
                    let (ra, rb) = (r(a), r(b));
                    add(a, &|p| g[p] * rb[p]);
                    add(b, &|p| g[p] * ra[p]);
                }
                Op::Div(a, b) => {
                    let (rb, ri) = (r(b), r(i));
                    add(a, &|p| g[p] / rb[p]);
                    add(b, &|p| -g[p] * ri[p] / rb[p]);
                }
                Op::Neg(a) => add(a, &|p| -g[p]),
                Op::PowI(a, e) => {
                    let ra = r(a);
                    add(a, &|p| g[p] * T::from_f64(e as f64) * ra[p].powi(e - 1));
                }
                Op::Pow(a, b) => {
                    let (ra, rb, ri) = (r(a), r(b), r(i));
                    add(a, &|p| g[p] * rb[p] * ra[p].powf(rb[p] - T::one()));
                    add(b, &|p| g[p] * ri[p] * ra[p].ln());
                }
                Op::Call(f, a) => {
                    let (ra, ri) = (r(a), r(i));
                    add(a, &|p| g[p] * f.derivative(ra[p], ri[p]));
                }
            }
        }
    }
}
/// Row k (of length n) of `rows` += f(p) for every point p.
pub(super) fn add_row<T: Real>(rows: &mut [T], k: usize, n: usize, f: &dyn Fn(usize) -> T) {
    rows[k * n..(k + 1) * n]
        .iter_mut()
        .enumerate()
        .for_each(|(p, b)| *b += f(p));
}

pub(super) fn zip2<T: Real>(out: &mut [T], a: &[T], b: &[T], f: impl Fn(T, T) -> T) {
    out.iter_mut()
        .zip(a.iter().zip(b))
        .for_each(|(o, (&x, &y))| *o = f(x, y));
}

struct Compiler<'a> {
    src: &'a str,
    symbols: &'a Symbols,
    ops: Vec<Op>,
}

impl Compiler<'_> {
    fn push(&mut self, op: Op) -> usize {
        // Fold operations on constants.
        let c = |k: usize, ops: &[Op]| match ops[k] {
            Op::Const(v) => Some(v),
            _ => None,
        };
        let folded = match op {
            Op::Add(a, b) => c(a, &self.ops).zip(c(b, &self.ops)).map(|(x, y)| x + y),
            Op::Sub(a, b) => c(a, &self.ops).zip(c(b, &self.ops)).map(|(x, y)| x - y),
            Op::Mul(a, b) => c(a, &self.ops).zip(c(b, &self.ops)).map(|(x, y)| x * y),
            Op::Div(a, b) => c(a, &self.ops).zip(c(b, &self.ops)).map(|(x, y)| x / y),
            Op::Pow(a, b) => c(a, &self.ops).zip(c(b, &self.ops)).map(|(x, y)| x.powf(y)),
            Op::PowI(a, e) => c(a, &self.ops).map(|x| x.powi(e)),
            Op::Neg(a) => c(a, &self.ops).map(|x| -x),
            Op::Call(f, a) => c(a, &self.ops).map(|x| f.apply(x)),
            _ => None,
        };
        let Some(v) = folded else {
            self.ops.push(op);
            return self.ops.len() - 1;
        };
        // Operands of a folded op that sit at the tape's tail are referenced by nothing else.
        let operands: &[usize] = match &op {
            Op::Add(a, b) | Op::Sub(a, b) | Op::Mul(a, b) | Op::Div(a, b) | Op::Pow(a, b) => {
                &[*a, *b]
            }
            Op::PowI(a, _) | Op::Neg(a) | Op::Call(_, a) => &[*a],
            _ => &[],
        };
        let lowest = operands.iter().copied().min().unwrap_or(self.ops.len());
        if (lowest..self.ops.len()).all(|k| operands.contains(&k)) {
            self.ops.truncate(lowest);
        }
        self.ops.push(Op::Const(v));
        self.ops.len() - 1
    }

    fn err(&self, col: usize, msg: String) -> ExprError {
        ExprError::new(self.src, col, msg)
    }

    fn emit(&mut self, ast: &Ast) -> Result<usize, ExprError> {
        Ok(match ast {
            Ast::Num(v) => self.push(Op::Const(*v)),
            Ast::Name { name, col } => self.name(name, *col)?,
            Ast::Neg(a) => {
                let a = self.emit(a)?;
                self.push(Op::Neg(a))
            }
            Ast::Bin { op, lhs, rhs } => {
                if let (BinOp::Pow, Ast::Num(e)) = (op, rhs.as_ref()) {
                    if e.fract() == 0.0 && e.abs() <= 64.0 {
                        let a = self.emit(lhs)?;
                        return Ok(self.push(Op::PowI(a, *e as i32)));
                    }
                }
                let (a, b) = (self.emit(lhs)?, self.emit(rhs)?);
                self.push(match op {
                    BinOp::Add => Op::Add(a, b),
                    BinOp::Sub => Op::Sub(a, b),
                    BinOp::Mul => Op::Mul(a, b),
                    BinOp::Div => Op::Div(a, b),
                    BinOp::Pow => Op::Pow(a, b),
                })
            }
            Ast::Call { name, args, col } => self.call(name, args, *col)?,
        })
    }

    fn call(&mut self, name: &str, args: &[Ast], col: usize) -> Result<usize, ExprError> {
        if name == "laplace" {
            let field = match args {
                [Ast::Name { name: f, col: c }] => self.field(f).ok_or_else(|| {
                    self.err(
                        *c,
                        format!(
                            "`laplace` takes a field name; `{f}` is not a field (fields: {})",
                            self.symbols.fields.join(", ")
                        ),
                    )
                })?,
                _ => {
                    return Err(self.err(
                        col,
                        "`laplace` takes one argument, a field name, e.g. `laplace(u)`".into(),
                    ))
                }
            };
            let axes: Vec<usize> = (0..self.symbols.coords.len())
                .filter(|&a| Some(a) != self.symbols.time_axis)
                .collect();
            if axes.is_empty() {
                return Err(self.err(
                    col,
                    "`laplace` needs at least one spatial coordinate".into(),
                ));
            }
            let mut acc = self.push(Op::Jet {
                field,
                partial: Partial::from_axes(&[axes[0], axes[0]]),
            });
            for &a in &axes[1..] {
                let t = self.push(Op::Jet {
                    field,
                    partial: Partial::from_axes(&[a, a]),
                });
                acc = self.push(Op::Add(acc, t));
            }
            return Ok(acc);
        }
        let f = Func::from_name(name).ok_or_else(|| {
            self.err(col, format!("unknown function `{name}`; expected one of sin, cos, tan, exp, log, sqrt, abs, tanh, sinh, cosh, laplace"))
        })?;
        if args.len() != 1 {
            return Err(self.err(
                col,
                format!("`{name}` takes one argument, got {}", args.len()),
            ));
        }
        let a = self.emit(&args[0])?;
        Ok(self.push(Op::Call(f, a)))
    }

    fn field(&self, name: &str) -> Option<usize> {
        self.symbols.fields.iter().position(|f| f == name)
    }

    fn name(&mut self, name: &str, col: usize) -> Result<usize, ExprError> {
        let s = self.symbols;
        if let Some((_, v)) = s.constants.iter().find(|(n, _)| n == name) {
            return Ok(self.push(Op::Const(*v)));
        }
        if let Some(k) = s.trainable.iter().position(|n| n == name) {
            return Ok(self.push(Op::Param(k)));
        }
        if let Some(a) = s.coords.iter().position(|n| n == name) {
            return Ok(self.push(Op::Coord(a)));
        }
        if let Some(f) = self.field(name) {
            return Ok(self.push(Op::Jet {
                field: f,
                partial: Partial::VALUE,
            }));
        }
        if name == "pi" {
            return Ok(self.push(Op::Const(core::f64::consts::PI)));
        }
        if let Some((fname, suffix)) = name.split_once('_') {
            if let Some(f) = self.field(fname) {
                let mut axes = Vec::new();
                for (i, ch) in suffix.chars().enumerate() {
                    let a = s
                        .coords
                        .iter()
                        .position(|c| c.len() == 1 && c.starts_with(ch))
                        .ok_or_else(|| {
                            self.err(
                                col + fname.len() + 1 + i,
                                format!(
                                    "`{ch}` in `{name}` is not a coordinate (coordinates: {})",
                                    s.coords.join(", ")
                                ),
                            )
                        })?;
                    axes.push(a);
                }
                if axes.is_empty() || axes.len() > crate::jet::MAX_ORDER {
                    return Err(self.err(
                        col,
                        format!(
                            "`{name}`: derivatives of order 1 to {} are supported",
                            crate::jet::MAX_ORDER
                        ),
                    ));
                }
                return Ok(self.push(Op::Jet {
                    field: f,
                    partial: Partial::from_axes(&axes),
                }));
            }
        }
        let mut known: Vec<&str> = s
            .fields
            .iter()
            .chain(&s.coords)
            .chain(s.trainable.iter())
            .map(String::as_str)
            .collect();
        known.extend(s.constants.iter().map(|(n, _)| n.as_str()));
        Err(self.err(col, format!("unknown name `{name}`; expected a field, a derivative such as `{}_{}`, a coordinate, a parameter, or pi (known: {})", s.fields.first().map_or("u", String::as_str), s.coords.first().map_or("x", String::as_str), known.join(", "))))
    }
}
