//! One type for whichever network a problem file names, so every method takes every model.

use super::{Constrained, ConstrainedTape, Field, MlpTape, ParamView, Pig, PigTape};
use crate::{JetLayout, Mlp, Real, Rng};

/// Every model a problem file can name, behind one type.
#[derive(Clone, Debug)]
pub enum Model<T> {
    /// A multilayer perceptron (with embeddings, or a SIREN).
    Mlp(Mlp<T>),
    /// Physics-informed Gaussians with a small decoder MLP.
    Pig(Pig<T>),
    /// A model whose outputs pass through expressions (hard constraints by construction).
    Constrained(Box<Constrained<Model<T>>>),
}

/// Boxed: the tapes are large, made once per batch shape.
pub enum ModelTape<T> {
    /// An MLP's tape.
    Mlp(Box<MlpTape<T>>),
    /// A PIG's tape.
    Pig(Box<PigTape<T>>),
    /// A constrained model's tape.
    Constrained(Box<ConstrainedTape<ModelTape<T>, T>>),
}

impl<T> From<Mlp<T>> for Model<T> {
    fn from(m: Mlp<T>) -> Self {
        Model::Mlp(m)
    }
}

impl<T> From<Pig<T>> for Model<T> {
    fn from(m: Pig<T>) -> Self {
        Model::Pig(m)
    }
}

impl<T> From<Constrained<Model<T>>> for Model<T> {
    fn from(m: Constrained<Model<T>>) -> Self {
        Model::Constrained(Box::new(m))
    }
}

/// Calls `$f` on the network inside, whichever it is.
macro_rules! each {
    ($self:expr, $m:ident => $f:expr) => {
        match $self {
            Model::Mlp($m) => $f,
            Model::Pig($m) => $f,
            Model::Constrained($m) => $f,
        }
    };
}

impl<T: Real> Field<T> for Model<T> {
    type Tape = ModelTape<T>;

    fn inputs(&self) -> usize {
        each!(self, m => m.inputs())
    }

    fn outputs(&self) -> usize {
        each!(self, m => m.outputs())
    }

    fn param_views(&self) -> &[ParamView] {
        each!(self, m => m.param_views())
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        each!(self, m => m.init_params(rng))
    }

    fn tape(&self, layout: &JetLayout, n: usize) -> ModelTape<T> {
        match self {
            Model::Mlp(m) => ModelTape::Mlp(Box::new(m.tape(layout, n))),
            Model::Pig(m) => ModelTape::Pig(Box::new(m.tape(layout, n))),
            Model::Constrained(m) => ModelTape::Constrained(Box::new(m.tape(layout, n))),
        }
    }

    fn retape(&self, tape: &mut ModelTape<T>, layout: &JetLayout, n: usize) {
        match (self, tape) {
            (Model::Mlp(m), ModelTape::Mlp(t)) => m.retape(t, layout, n),
            (Model::Pig(m), ModelTape::Pig(t)) => m.retape(t, layout, n),
            (Model::Constrained(m), ModelTape::Constrained(t)) => m.retape(t, layout, n),
            _ => unreachable!("a tape comes from its own model"),
        }
    }

    fn forward(&self, params: &[T], x: &[T], tape: &mut ModelTape<T>) {
        match (self, tape) {
            (Model::Mlp(m), ModelTape::Mlp(t)) => m.forward(params, x, t),
            (Model::Pig(m), ModelTape::Pig(t)) => m.forward(params, x, t),
            (Model::Constrained(m), ModelTape::Constrained(t)) => m.forward(params, x, t),
            _ => unreachable!("a tape comes from its own model"),
        }
    }

    fn output<'t>(&self, tape: &'t ModelTape<T>) -> &'t [T] {
        match (self, tape) {
            (Model::Mlp(m), ModelTape::Mlp(t)) => m.output(t),
            (Model::Pig(m), ModelTape::Pig(t)) => m.output(t),
            (Model::Constrained(m), ModelTape::Constrained(t)) => m.output(t),
            _ => unreachable!("a tape comes from its own model"),
        }
    }

    fn backward(&self, params: &[T], out_bar: &[T], tape: &mut ModelTape<T>, grad: &mut [T]) {
        match (self, tape) {
            (Model::Mlp(m), ModelTape::Mlp(t)) => m.backward(params, out_bar, t, grad),
            (Model::Pig(m), ModelTape::Pig(t)) => m.backward(params, out_bar, t, grad),
            (Model::Constrained(m), ModelTape::Constrained(t)) => {
                m.backward(params, out_bar, t, grad)
            }
            _ => unreachable!("a tape comes from its own model"),
        }
    }
}
