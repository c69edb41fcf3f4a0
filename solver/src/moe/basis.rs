//! The basis jets Φ on one point set, in memory kept from one step to the next.
//!
//! A step evaluates the backbone on every expert's row sets and outer points; at a few MB
//! a tape, buffers allocated per step go back to the system when freed and fault in again
//! at the next step (1.5 million page faults in the experts bench). Each point set keeps
//! its tape and buffers instead, reshaped when its point count changes.

use super::InitialAnsatz;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use operators::model::Field;
use operators::{JetLayout, Model, Real};

type Tape<T> = <Model<T> as Field<T>>::Tape;

/// The basis on one point set, with the backbone's tape and the adjoint's buffers.
pub(super) struct BasisAt<T: Real> {
    tape: Option<Tape<T>>,
    x: Vec<T>,
    /// `layout.len()·n × N`, f64 (what the least-squares solves read): the network's
    /// outputs, times t − t0 under an initial ansatz.
    pub values: Vec<f64>,
    /// The adjoint of `values`, f64 then in the network's precision.
    bar: Vec<f64>,
    bar_t: Vec<T>,
}

impl<T: Real> Default for BasisAt<T> {
    fn default() -> Self {
        BasisAt {
            tape: None,
            x: Vec::new(),
            values: Vec::new(),
            bar: Vec::new(),
            bar_t: Vec::new(),
        }
    }
}

/// Where a basis is evaluated: the backbone, its parameters, and the initial ansatz.
#[derive(Clone, Copy)]
pub(super) struct Backbone<'a, T: Real> {
    pub field: &'a Model<T>,
    pub params: &'a [T],
    pub ansatz: Option<&'a InitialAnsatz>,
}

impl<T: Real> BasisAt<T> {
    /// Evaluates the basis jets of `layout` at points `x` (`n × dims`, column-major).
    pub fn eval(&mut self, net: Backbone<'_, T>, layout: &JetLayout, x: &[f64]) {
        let n = x.len() / net.field.inputs();
        match &mut self.tape {
            Some(tape) => net.field.retape(tape, layout, n),
            None => self.tape = Some(net.field.tape(layout, n)),
        }
        let tape = self.tape.as_mut().expect("a tape");
        self.x.clear();
        self.x.extend(x.iter().map(|&v| T::from_f64(v)));
        net.field.forward(net.params, &self.x, tape);
        self.values.clear();
        self.values
            .extend(net.field.output(tape).iter().map(|v| v.to_f64()));
        if let Some(a) = net.ansatz {
            a.basis(layout, x, &mut self.values);
        }
    }

    /// The adjoint of the jets u = Φ·w at the last [`eval`](Self::eval): w̄ += Φᵀ·ū, and
    /// φ̄_k = ū·w_k through the network into `grad`.
    pub fn pull_back(
        &mut self,
        net: Backbone<'_, T>,
        at: (&JetLayout, &[f64]),
        (u_bar, w): (&[f64], &[f64]),
        w_bar: &mut [f64],
        grad: &mut [T],
    ) {
        let (len, nb) = (u_bar.len(), w.len());
        matmul(
            MatMut::from_column_major_slice_mut(w_bar, nb, 1),
            Accum::Add,
            MatRef::from_column_major_slice(&self.values, len, nb).transpose(),
            MatRef::from_column_major_slice(u_bar, len, 1),
            1.0,
            Par::Seq,
        );
        self.bar.clear();
        self.bar
            .extend(w.iter().flat_map(|&wk| u_bar.iter().map(move |&b| b * wk)));
        self.backward(net, at, grad);
    }

    /// Adds ∂L/∂params to `grad`, given the basis jets' adjoint from `add_bar`'s sums.
    pub fn backward_from(
        &mut self,
        net: Backbone<'_, T>,
        at: (&JetLayout, &[f64]),
        add_bar: impl FnOnce(&mut [f64]),
        grad: &mut [T],
    ) {
        self.bar.clear();
        self.bar.resize(self.values.len(), 0.0);
        add_bar(&mut self.bar);
        self.backward(net, at, grad);
    }

    /// The network's backward pass from the basis adjoint in `bar`.
    fn backward(
        &mut self,
        net: Backbone<'_, T>,
        (layout, x): (&JetLayout, &[f64]),
        grad: &mut [T],
    ) {
        if let Some(a) = net.ansatz {
            a.adjoint(layout, x, &mut self.bar);
        }
        self.bar_t.clear();
        self.bar_t.extend(self.bar.iter().map(|&v| T::from_f64(v)));
        let tape = self.tape.as_mut().expect("a backward after a forward");
        net.field.backward(net.params, &self.bar_t, tape, grad);
    }
}
