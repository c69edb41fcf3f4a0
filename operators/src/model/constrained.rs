//! A network whose outputs pass through expressions (`[model] output`): u = −sin(πx) + t·N
//! holds the initial condition by construction, whatever the network N. The expressions'
//! jets are derived programs ([`JetProgram`]), so every derivative a residual reads is exact
//! and the adjoint flows back to the network through the same instructions.

use super::{Field, ParamView};
use crate::expr::{ExprError, Inputs, JetProgram, Program};
use crate::{JetLayout, Real, Rng};

/// `inner` followed by one expression per output, each reading the coordinates, constants
/// and the inner network's outputs as fields (its raw outputs, N).
#[derive(Clone, Debug)]
pub struct Constrained<F> {
    inner: F,
    outputs: Vec<Program>,
}

/// The inner network's tape, the expressions' jets in the tape's layout, and scratch.
pub struct ConstrainedTape<Tape, T> {
    inner: Tape,
    layout: JetLayout,
    n: usize,
    jets: Vec<JetProgram>,
    x: Vec<T>,
    out: Vec<T>,
    raw_bar: Vec<T>,
    regs: Vec<T>,
    bars: Vec<T>,
}

impl<F> Constrained<F> {
    /// `inner` with its outputs transformed by `outputs`. Fails on an expression that has
    /// no derivative along some axis (`abs` of something that varies).
    pub fn new<T: Real>(inner: F, outputs: Vec<Program>) -> Result<Self, ExprError>
    where
        F: Field<T>,
    {
        for p in &outputs {
            for axis in 0..inner.inputs() {
                p.derivative(axis)?;
            }
        }
        Ok(Constrained { inner, outputs })
    }

    /// The network inside.
    pub fn inner(&self) -> &F {
        &self.inner
    }
}

impl<T: Real, F: Field<T>> Field<T> for Constrained<F> {
    type Tape = ConstrainedTape<F::Tape, T>;

    fn inputs(&self) -> usize {
        self.inner.inputs()
    }

    fn outputs(&self) -> usize {
        self.outputs.len()
    }

    fn param_views(&self) -> &[ParamView] {
        self.inner.param_views()
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        self.inner.init_params(rng)
    }

    fn tape(&self, layout: &JetLayout, n: usize) -> Self::Tape {
        let jets: Vec<JetProgram> = self
            .outputs
            .iter()
            .map(|p| JetProgram::new(p, layout).expect("checked in Constrained::new"))
            .collect();
        let registers = jets.iter().map(JetProgram::registers).max().unwrap_or(1);
        let rows = layout.len() * n;
        ConstrainedTape {
            inner: self.inner.tape(layout, n),
            layout: layout.clone(),
            n,
            jets,
            x: vec![T::zero(); n * self.inputs()],
            out: vec![T::zero(); rows * self.outputs.len()],
            raw_bar: vec![T::zero(); rows * self.inner.outputs()],
            regs: vec![T::zero(); registers * n],
            bars: vec![T::zero(); registers * n],
        }
    }

    fn forward(&self, params: &[T], x: &[T], t: &mut Self::Tape) {
        self.inner.forward(params, x, &mut t.inner);
        t.x.copy_from_slice(x);
        let inp = raw(&t.layout, t.n, self.inner.output(&t.inner), &t.x);
        let rows = t.layout.len() * t.n;
        for (jet, out) in t.jets.iter().zip(t.out.chunks_mut(rows)) {
            jet.eval(&inp, &mut t.regs, out);
        }
    }

    fn output<'t>(&self, tape: &'t Self::Tape) -> &'t [T] {
        &tape.out
    }

    fn backward(&self, params: &[T], out_bar: &[T], t: &mut Self::Tape, grad: &mut [T]) {
        t.raw_bar.fill(T::zero());
        let inp = raw(&t.layout, t.n, self.inner.output(&t.inner), &t.x);
        let rows = t.layout.len() * t.n;
        for (jet, bar) in t.jets.iter().zip(out_bar.chunks(rows)) {
            jet.adjoint(&inp, &mut t.regs, &mut t.bars, bar, &mut t.raw_bar);
        }
        self.inner.backward(params, &t.raw_bar, &mut t.inner, grad);
    }
}

/// What the output expressions read: the raw outputs' jets at the points `x`.
fn raw<'a, T>(layout: &'a JetLayout, n: usize, jets: &'a [T], x: &'a [T]) -> Inputs<'a, T> {
    Inputs {
        n,
        layout,
        jets,
        x,
        params: &[],
    }
}
