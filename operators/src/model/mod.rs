//! Neural fields: networks whose input jets give the derivatives a PDE needs.

mod any;
mod branches;
mod constrained;
mod dense;
mod embedding;
mod gaussians;
mod mlp;
mod pig;

pub use any::{Model, ModelTape};
pub use branches::{Branches, BranchesTape};
pub use constrained::{Constrained, ConstrainedTape};
pub use embedding::Embedding;
pub use gaussians::{truncation_bound, GaussianConfig};
pub use mlp::{Init, Mlp, MlpConfig, MlpTape};
pub use pig::{Pig, PigConfig, PigTape};

use crate::{JetLayout, Real, Rng};

/// A named block of the flat parameter vector (so optimizers and checkpoints are model-agnostic).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamView {
    /// The block's name (`layer0.weight`, say).
    pub name: String,
    /// Where it starts in the flat vector.
    pub offset: usize,
    /// Rows of the block as a matrix.
    pub rows: usize,
    /// Columns of the block as a matrix.
    pub cols: usize,
}

impl ParamView {
    /// Number of parameters in the block.
    pub fn len(&self) -> usize {
        self.rows * self.cols
    }
    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Where the block lies in the flat vector.
    pub fn range(&self) -> core::ops::Range<usize> {
        self.offset..self.offset + self.len()
    }
}

/// A network u_θ: R^inputs → R^outputs, evaluated on batches of jets.
///
/// Points come as `n × inputs` column-major; output jets are `layout.len()·n × outputs`
/// column-major, slot-major within a column (slot `s` of point `p` at `s·n + p`).
pub trait Field<T: Real>: Send + Sync {
    /// Everything one batch needs between forward and backward, allocated once per batch shape.
    type Tape: Send + Sync;

    /// Number of input coordinates.
    fn inputs(&self) -> usize;
    /// Number of outputs (fields).
    fn outputs(&self) -> usize;
    /// The named blocks of the flat parameter vector, in order.
    fn param_views(&self) -> &[ParamView];
    /// Length of the flat parameter vector.
    fn n_params(&self) -> usize {
        self.param_views().last().map_or(0, |v| v.offset + v.len())
    }
    /// Parameters drawn by the model's initialization.
    fn init_params(&self, rng: &mut Rng) -> Vec<T>;
    /// A tape for `n` points of `layout`.
    fn tape(&self, layout: &JetLayout, n: usize) -> Self::Tape;
    /// Makes `tape` one for `n` points of `layout`, as [`tape`](Self::tape) would, keeping
    /// its memory where the model can: a caller whose point counts change from call to call
    /// (the experts' blocks) then stops allocating once it has seen its largest.
    fn retape(&self, tape: &mut Self::Tape, layout: &JetLayout, n: usize) {
        *tape = self.tape(layout, n);
    }
    /// Evaluates the jets of `n` points; `x` is `n × inputs`, column-major.
    fn forward(&self, params: &[T], x: &[T], tape: &mut Self::Tape);
    /// The output jets of the last forward.
    fn output<'t>(&self, tape: &'t Self::Tape) -> &'t [T];
    /// Adds to `grad` the gradient of `<out_bar, output>` with respect to the parameters.
    fn backward(&self, params: &[T], out_bar: &[T], tape: &mut Self::Tape, grad: &mut [T]);
}
