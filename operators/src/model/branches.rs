//! Independent networks side by side: each reads the same inputs, their outputs are stacked.
//! A Lagrangian PINN is two branches (the state and the characteristic displacement); a plain
//! PINN is one.

use super::{Field, ParamView};
use crate::{JetLayout, Real, Rng};

/// Named branches; outputs in branch order, parameters in branch order in one flat vector.
#[derive(Clone, Debug)]
pub struct Branches<F> {
    branches: Vec<F>,
    /// First parameter of each branch, and one past the last.
    offsets: Vec<usize>,
    views: Vec<ParamView>,
}

/// The branches' tapes and, with more than one branch, their stacked outputs.
pub struct BranchesTape<Tape, T> {
    tapes: Vec<Tape>,
    out: Vec<T>,
}

impl<F> Branches<F> {
    /// `(name, network)` pairs; parameter views are named `name/view` (a single branch keeps
    /// its own names, so a one-branch model reads like the bare network).
    pub fn new<T: Real>(branches: Vec<(String, F)>) -> Self
    where
        F: Field<T>,
    {
        assert!(!branches.is_empty(), "at least one branch");
        let inputs = branches[0].1.inputs();
        assert!(
            branches.iter().all(|(_, f)| f.inputs() == inputs),
            "branches read the same inputs"
        );
        let single = branches.len() == 1;
        let mut offsets = vec![0];
        let mut views = Vec::new();
        for (name, f) in &branches {
            let base = *offsets.last().unwrap();
            views.extend(f.param_views().iter().map(|v| ParamView {
                name: if single {
                    v.name.clone()
                } else {
                    format!("{name}/{}", v.name)
                },
                offset: base + v.offset,
                ..v.clone()
            }));
            offsets.push(base + f.n_params());
        }
        Branches {
            branches: branches.into_iter().map(|(_, f)| f).collect(),
            offsets,
            views,
        }
    }

    /// The branches, in the order of their outputs.
    pub fn branches(&self) -> &[F] {
        &self.branches
    }

    /// The parameters of branch `i` within the flat vector.
    pub fn branch_params<'p, T>(&self, i: usize, params: &'p [T]) -> &'p [T] {
        &params[self.offsets[i]..self.offsets[i + 1]]
    }
}

impl<T: Real, F: Field<T>> Field<T> for Branches<F> {
    type Tape = BranchesTape<F::Tape, T>;

    fn inputs(&self) -> usize {
        self.branches[0].inputs()
    }

    fn outputs(&self) -> usize {
        self.branches.iter().map(|b| b.outputs()).sum()
    }

    fn param_views(&self) -> &[ParamView] {
        &self.views
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        self.branches
            .iter()
            .flat_map(|b| b.init_params(rng))
            .collect()
    }

    fn tape(&self, layout: &JetLayout, n: usize) -> Self::Tape {
        let stacked = if self.branches.len() > 1 {
            layout.len() * n * self.outputs()
        } else {
            0
        };
        BranchesTape {
            tapes: self.branches.iter().map(|b| b.tape(layout, n)).collect(),
            out: vec![T::zero(); stacked],
        }
    }

    fn forward(&self, params: &[T], x: &[T], tape: &mut Self::Tape) {
        let mut at = 0;
        for (i, (b, t)) in self.branches.iter().zip(&mut tape.tapes).enumerate() {
            b.forward(self.branch_params(i, params), x, t);
            if self.branches.len() > 1 {
                // Output columns are contiguous, so stacking outputs is one copy per branch.
                let out = b.output(t);
                tape.out[at..at + out.len()].copy_from_slice(out);
                at += out.len();
            }
        }
    }

    fn output<'t>(&self, tape: &'t Self::Tape) -> &'t [T] {
        match self.branches.as_slice() {
            [only] => only.output(&tape.tapes[0]),
            _ => &tape.out,
        }
    }

    fn backward(&self, params: &[T], out_bar: &[T], tape: &mut Self::Tape, grad: &mut [T]) {
        let mut at = 0;
        for (i, (b, t)) in self.branches.iter().zip(&mut tape.tapes).enumerate() {
            let len = b.output(t).len();
            let range = self.offsets[i]..self.offsets[i + 1];
            b.backward(
                &params[range.clone()],
                &out_bar[at..at + len],
                t,
                &mut grad[range],
            );
            at += len;
        }
    }
}
