//! The residual kernel that every loss over expressions runs (PINN terms, INSR's objectives,
//! the experts' outer loss): evaluate a program on a chunk, seed each point's result with
//! ∂loss/∂r, and carry the adjoint back onto the jets and the trainable parameters. How the
//! residuals become a loss (mean squares, causal bins, norms, pairs) is the seed the caller
//! gives; spreading the jets' adjoint onto a network's outputs is the caller's too.

use super::{Inputs, Program};
use crate::Real;

/// One chunk's scratch for the kernel: registers and their adjoints, the seed, and the
/// gradient of the trainable parameters, summed over every run until the caller takes it.
#[derive(Clone, Debug)]
pub struct Backprop<T> {
    regs: Vec<T>,
    bars: Vec<T>,
    seed: Vec<T>,
    params_bar: Vec<T>,
}

impl<T: Real> Backprop<T> {
    /// Scratch for any of `programs` on chunks of up to `n` points that read `n_params`
    /// trainable parameters.
    pub fn new<'p>(
        programs: impl IntoIterator<Item = &'p Program>,
        n: usize,
        n_params: usize,
    ) -> Self {
        let registers = programs
            .into_iter()
            .map(Program::registers)
            .max()
            .unwrap_or(1);
        Backprop {
            regs: vec![T::zero(); registers * n],
            bars: vec![T::zero(); registers * n],
            seed: vec![T::zero(); n],
            params_bar: vec![T::zero(); n_params],
        }
    }

    /// The program's value at each point of the chunk.
    pub fn eval(&mut self, program: &Program, inp: &Inputs<'_, T>) -> &[T] {
        program.eval(inp, &mut self.regs[..program.registers() * inp.n])
    }

    /// Evaluates `program` on the chunk, seeds point `p` with `seed(p, r_p)` = ∂loss/∂r_p,
    /// and adds the adjoint to `jets_bar` (the adjoint of `inp.jets`) and to the trainable
    /// parameters' gradient.
    pub fn run(
        &mut self,
        program: &Program,
        inp: &Inputs<'_, T>,
        jets_bar: &mut [T],
        mut seed: impl FnMut(usize, T) -> T,
    ) {
        let len = program.registers() * inp.n;
        let (regs, bars) = (&mut self.regs[..len], &mut self.bars[..len]);
        let r = program.eval(inp, regs);
        for (p, (s, &r)) in self.seed[..inp.n].iter_mut().zip(r).enumerate() {
            *s = seed(p, r);
        }
        program.adjoint(
            inp,
            regs,
            &self.seed[..inp.n],
            bars,
            jets_bar,
            &mut self.params_bar,
        );
    }

    /// Adds the trainable parameters' gradient summed since the last call to `grad`, and
    /// starts the sum again.
    pub fn take_params_bar(&mut self, grad: &mut [T]) {
        for (g, pb) in grad.iter_mut().zip(self.params_bar.iter_mut()) {
            *g += *pb;
            *pb = T::zero();
        }
    }
}
