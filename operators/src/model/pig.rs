//! PIG: Gaussian features decoded by a tiny MLP (Kang et al., ICLR 2025). The Gaussians carry
//! the resolution, so the decoder stays small (one hidden layer of 16 by default).

use super::gaussians::{GaussianConfig, GaussianTape, Gaussians};
use super::mlp::MlpTape;
use super::{Field, ParamView};
use crate::{Activation, JetLayout, Mlp, MlpConfig, Real, Rng};

/// The Gaussians and the decoder's shape.
#[derive(Clone, Debug, PartialEq)]
pub struct PigConfig {
    /// The adaptive Gaussian features.
    pub gaussians: GaussianConfig,
    /// Number of outputs.
    pub outputs: usize,
    /// Widths of the decoder's hidden layers.
    pub hidden: Vec<usize>,
    /// The decoder's nonlinearity.
    pub activation: Activation,
}

impl Default for PigConfig {
    fn default() -> Self {
        PigConfig {
            gaussians: GaussianConfig::default(),
            outputs: 1,
            hidden: vec![16],
            activation: Activation::Tanh,
        }
    }
}

/// Gaussian embedding, then decoder; parameters in that order.
#[derive(Clone, Debug)]
pub struct Pig<T> {
    gaussians: Gaussians,
    decoder: Mlp<T>,
    views: Vec<ParamView>,
}

/// What one batch keeps between forward and backward: the features' and the decoder's tapes.
pub struct PigTape<T> {
    gaussians: GaussianTape<T>,
    decoder: MlpTape<T>,
}

impl<T: Real> Pig<T> {
    /// A PIG of `config`; centres, widths and feature vectors drawn from `rng`.
    pub fn new(config: PigConfig, rng: &mut Rng) -> Self {
        let decoder = Mlp::new(
            MlpConfig {
                inputs: config.gaussians.channels,
                outputs: config.outputs,
                hidden: config.hidden,
                activation: config.activation,
                ..Default::default()
            },
            rng,
        );
        let gaussians = Gaussians::new(config.gaussians);
        let base = gaussians.n_params();
        let views = gaussians
            .views()
            .iter()
            .cloned()
            .chain(decoder.param_views().iter().map(|v| ParamView {
                name: format!("decoder.{}", v.name),
                offset: base + v.offset,
                ..v.clone()
            }))
            .collect();
        Pig {
            gaussians,
            decoder,
            views,
        }
    }

    /// The Gaussian features' configuration.
    pub fn gaussians(&self) -> &GaussianConfig {
        self.gaussians.config()
    }

    /// Gaussian parameters and decoder parameters.
    fn split<'a>(&self, params: &'a [T]) -> (&'a [T], &'a [T]) {
        params.split_at(self.gaussians.n_params())
    }
}

impl<T: Real> Field<T> for Pig<T> {
    type Tape = PigTape<T>;

    fn inputs(&self) -> usize {
        self.gaussians.config().inputs
    }

    fn outputs(&self) -> usize {
        self.decoder.outputs()
    }

    fn param_views(&self) -> &[ParamView] {
        &self.views
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        let mut p = self.gaussians.init_params(rng);
        p.extend(self.decoder.init_params(rng));
        p
    }

    fn tape(&self, layout: &JetLayout, n: usize) -> PigTape<T> {
        PigTape {
            gaussians: self.gaussians.tape(layout, n),
            decoder: self.decoder.feature_tape(layout, n),
        }
    }

    fn forward(&self, params: &[T], x: &[T], t: &mut PigTape<T>) {
        let (g, d) = self.split(params);
        let features = self.decoder.features_mut(&mut t.decoder);
        self.gaussians.forward(g, x, features, &mut t.gaussians);
        self.decoder.forward_features(d, &mut t.decoder);
    }

    fn output<'t>(&self, t: &'t PigTape<T>) -> &'t [T] {
        self.decoder.output(&t.decoder)
    }

    fn backward(&self, params: &[T], out_bar: &[T], t: &mut PigTape<T>, grad: &mut [T]) {
        let (g, d) = self.split(params);
        let (gg, gd) = grad.split_at_mut(self.gaussians.n_params());
        let features_bar = self
            .decoder
            .backward_features(d, out_bar, &mut t.decoder, gd);
        self.gaussians
            .backward(g, features_bar, &mut t.gaussians, gg);
    }
}
