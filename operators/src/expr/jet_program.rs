//! The jet of an expression in a layout: one derived program per slot (the slot's partial
//! derivative of the expression), so that an expression of coordinates and network outputs
//! (an output transform, an input feature) hands on exact jets and takes adjoints back.

use super::{ExprError, Inputs, Program};
use crate::{JetLayout, Real};

/// Per slot of a layout, the program of that partial derivative of one expression.
#[derive(Clone, Debug, PartialEq)]
pub struct JetProgram {
    slots: Vec<Program>,
}

impl JetProgram {
    /// The slot programs of `program` in `layout`, each derived from a lower slot's.
    pub fn new(program: &Program, layout: &JetLayout) -> Result<JetProgram, ExprError> {
        let mut slots: Vec<Program> = vec![program.clone()];
        for alpha in &layout.slots()[1..] {
            let axis = alpha.axes()[0];
            let parent = alpha
                .minus(&crate::Partial::axis(axis))
                .and_then(|p| layout.slot(&p))
                .expect("a layout holds every sub-derivative");
            let derived = slots[parent].derivative(axis)?;
            slots.push(derived);
        }
        Ok(JetProgram { slots })
    }

    /// Registers per point of the largest slot program.
    pub fn registers(&self) -> usize {
        self.slots.iter().map(Program::registers).max().unwrap_or(1)
    }

    /// Writes the expression's jets of the chunk into `out` (`slots·n`, slot-major); `regs`
    /// holds `registers()·n` values.
    pub fn eval<T: Real>(&self, inp: &Inputs<'_, T>, regs: &mut [T], out: &mut [T]) {
        let n = inp.n;
        for (program, out) in self.slots.iter().zip(out.chunks_mut(n)) {
            out.copy_from_slice(program.eval(inp, &mut regs[..program.registers() * n]));
        }
    }

    /// Adds to `jets_bar` (the adjoint of `inp.jets`) what `out_bar`, the adjoint of the
    /// expression's jets, sends back. `regs` and `bars` are scratch of `registers()·n`.
    pub fn adjoint<T: Real>(
        &self,
        inp: &Inputs<'_, T>,
        regs: &mut [T],
        bars: &mut [T],
        out_bar: &[T],
        jets_bar: &mut [T],
    ) {
        let n = inp.n;
        for (program, seed) in self.slots.iter().zip(out_bar.chunks(n)) {
            let len = program.registers() * n;
            program.eval(inp, &mut regs[..len]);
            program.adjoint(inp, &regs[..len], seed, &mut bars[..len], jets_bar, &mut []);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Symbols;
    use crate::{Partial, Points};

    #[test]
    fn jets_of_a_coordinate_expression_match_taylor_arithmetic() {
        let s = Symbols {
            coords: vec!["x".into(), "t".into()],
            time_axis: Some(1),
            ..Default::default()
        };
        let p = Program::compile("exp(-t)*sin(2*x) + x^2*t", &s).unwrap();
        let layout = JetLayout::new(
            2,
            &[Partial::from_axes(&[0, 0]), Partial::from_axes(&[0, 1])],
        );
        let points = Points::new(2, vec![0.1, -0.4, 0.7, 0.3, 0.5, 0.9]);
        let n = points.len();
        let jp = JetProgram::new(&p, &layout).unwrap();
        let inp = Inputs {
            n,
            layout: &layout,
            jets: &[],
            x: points.coords(),
            params: &[],
        };
        let mut regs = vec![0.0; jp.registers() * n];
        let mut out = vec![0.0; layout.len() * n];
        jp.eval(&inp, &mut regs, &mut out);
        let taylor = p.jets_at_points(&points, &layout);
        for (a, b) in out.iter().zip(&taylor) {
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
    }
}
