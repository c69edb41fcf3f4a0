//! `[model]`: the network, by kind, with its typed choices.

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Which network `[model]` describes.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// A multilayer perceptron.
    #[default]
    Mlp,
    /// The modified MLP of Wang et al. (U/V gating; equal hidden widths).
    ModifiedMlp,
    /// A SIREN: sin(ω₀ z) activations with its own initialization.
    Siren,
    /// Physics-informed Gaussians and a tiny decoder (`[model.gaussians]`).
    Pig,
}

/// The hidden layers' activation (a SIREN always uses sin(ω₀ z)).
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ActivationKind {
    /// tanh z.
    #[default]
    Tanh,
    /// sin z.
    Sin,
    /// 1 / (1 + e^(−z)).
    Sigmoid,
}

impl ActivationKind {
    /// The activation the network evaluates.
    pub fn activation(self) -> operators::Activation {
        match self {
            ActivationKind::Tanh => operators::Activation::Tanh,
            ActivationKind::Sin => operators::Activation::Sin { w0: 1.0 },
            ActivationKind::Sigmoid => operators::Activation::Sigmoid,
        }
    }
}

/// `[model]`: the network.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// The network (default `mlp`).
    #[serde(default)]
    pub kind: ModelKind,
    /// Widths of the hidden layers (default four of 50).
    #[serde(default = "default_hidden")]
    pub hidden: Vec<usize>,
    /// The activation (default `tanh`).
    #[serde(default)]
    pub activation: ActivationKind,
    /// SIREN's ω₀.
    #[serde(default = "default_w0")]
    pub w0: f64,
    /// How coordinates become the first layer's features (default: the coordinates).
    pub embedding: Option<EmbeddingSpec>,
    /// The Gaussians and decoder of `kind = "pig"` (other kinds ignore it).
    pub gaussians: Option<GaussianSpec>,
    /// The first layer's features as expressions of the coordinates, instead of the
    /// coordinates (`["t", "cos(pi*x)", "sin(pi*x)"]`: periodic in x).
    pub inputs: Option<Vec<Spanned<String>>>,
    /// Each field as an expression of the coordinates, the parameters and the network's raw
    /// outputs `N` (`N1`, `N2`, ... for several fields): `"-sin(pi*x) + t*N"` holds
    /// u(x, 0) = −sin(πx) by construction. One string, or an array of one per field.
    pub output: Option<Spanned<toml::Value>>,
}

/// Physics-informed Gaussians (Kang et al.): trainable Gaussian features and a tiny decoder.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianSpec {
    /// Gaussians per feature channel (in all, when `shared`).
    #[serde(default = "default_gaussian_count")]
    pub count: usize,
    /// Feature channels: the decoder's inputs.
    #[serde(default = "default_gaussian_channels")]
    pub channels: usize,
    /// One set of Gaussians with a feature per channel, instead of a set per channel.
    #[serde(default)]
    pub shared: bool,
    /// Initial scale as a fraction of the domain's half-width along each axis.
    #[serde(default = "default_gaussian_sigma")]
    pub sigma: f64,
    /// Gaussians farther than this many scales from a point are not summed.
    #[serde(default = "default_gaussian_cutoff")]
    pub cutoff: f64,
    /// Hidden widths of the decoder.
    #[serde(default = "default_decoder")]
    pub decoder: Vec<usize>,
}

fn default_gaussian_count() -> usize {
    800
}
fn default_gaussian_channels() -> usize {
    4
}
fn default_gaussian_sigma() -> f64 {
    0.1
}
fn default_gaussian_cutoff() -> f64 {
    6.0
}
fn default_decoder() -> Vec<usize> {
    vec![16]
}

impl Default for GaussianSpec {
    fn default() -> Self {
        GaussianSpec {
            count: default_gaussian_count(),
            channels: default_gaussian_channels(),
            shared: false,
            sigma: default_gaussian_sigma(),
            cutoff: default_gaussian_cutoff(),
            decoder: default_decoder(),
        }
    }
}

fn default_hidden() -> Vec<usize> {
    vec![50; 4]
}
fn default_w0() -> f64 {
    30.0
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec {
            kind: ModelKind::Mlp,
            hidden: default_hidden(),
            activation: ActivationKind::Tanh,
            w0: default_w0(),
            embedding: None,
            gaussians: None,
            inputs: None,
            output: None,
        }
    }
}

/// `[model.embedding]`: features of the coordinates before the first layer.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, tag = "kind", rename_all = "snake_case")]
pub enum EmbeddingSpec {
    /// Random Fourier features.
    Fourier {
        /// Number of random frequencies.
        features: usize,
        /// Standard deviation of the frequencies.
        scale: f64,
    },
    /// Exact periodicity along the named axes (period = the domain's length).
    Periodic {
        /// The periodic axes, by name.
        axes: Vec<String>,
        /// Fourier modes per axis.
        modes: usize,
    },
}
