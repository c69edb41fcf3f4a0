//! The networks a problem's `[model]` section describes, and how its points are drawn:
//! shared by every method's set-up (PINN, Lagrangian PINN, experts, INSR).

use operators::model::{Branches, Constrained, GaussianConfig, Model};
use operators::{Activation, Embedding, Init, Mlp, MlpConfig, Pig, PigConfig, Real, Rng};
use problems::spec::{EmbeddingSpec, ModelKind};
use problems::{Problem, Sampling};

/// The networks of every method: one branch for a PINN, two for a Lagrangian PINN.
pub type Network<T> = Branches<Model<T>>;

/// The network the problem's `[model]` section describes.
pub fn model_config(p: &Problem) -> MlpConfig {
    let m = &p.spec.model;
    let embedding = match (&m.embedding, &p.model.inputs) {
        (_, Some(features)) => Embedding::Features(features.clone()),
        (None, None) => Embedding::Identity,
        (Some(EmbeddingSpec::Fourier { features, scale }), None) => Embedding::Fourier {
            features: *features,
            scale: *scale,
        },
        (Some(EmbeddingSpec::Periodic { axes, modes }), None) => Embedding::Periodic {
            axes: axes
                .iter()
                .map(|a| {
                    let i = p.axes.iter().position(|b| b == a).expect("validated axis");
                    (i, p.domain.hi[i] - p.domain.lo[i])
                })
                .collect(),
            modes: *modes,
        },
    };
    let (activation, init) = match m.kind {
        ModelKind::Siren => (Activation::Sin { w0: m.w0 }, Init::Siren { w0: m.w0 }),
        _ => (m.activation.activation(), Init::Xavier),
    };
    MlpConfig {
        inputs: p.dims(),
        outputs: p.symbols.fields.len(),
        hidden: m.hidden.clone(),
        activation,
        embedding,
        gated: m.kind == ModelKind::ModifiedMlp,
        init,
    }
}

/// The network of `[model]` with `outputs` outputs: an MLP of [`model_config`], or a PIG whose
/// Gaussians start in the domain's box.
pub fn model<T: Real>(p: &Problem, outputs: usize, rng: &mut Rng) -> Model<T> {
    model_of(p, p.dims(), outputs, rng)
}

/// [`model`] of the first `inputs` axes only (space without time, for INSR).
pub fn model_of<T: Real>(p: &Problem, inputs: usize, outputs: usize, rng: &mut Rng) -> Model<T> {
    if p.spec.model.kind != ModelKind::Pig {
        return Mlp::new(
            MlpConfig {
                inputs,
                outputs,
                ..model_config(p)
            },
            rng,
        )
        .into();
    }
    let g = p.spec.model.gaussians.clone().unwrap_or_default();
    let config = model_config(p);
    Pig::new(
        PigConfig {
            gaussians: GaussianConfig {
                inputs,
                channels: g.channels,
                count: g.count,
                shared: g.shared,
                bounds: p
                    .domain
                    .lo
                    .iter()
                    .copied()
                    .zip(p.domain.hi.iter().copied())
                    .take(inputs)
                    .collect(),
                sigma: g.sigma,
                cutoff: g.cutoff,
                feature_std: 0.01,
            },
            outputs,
            hidden: g.decoder,
            activation: config.activation,
        },
        rng,
    )
    .into()
}

/// [`model`] of the problem's fields, behind `[model] output` when the file gives one.
pub fn field_model<T: Real>(p: &Problem, rng: &mut Rng) -> Model<T> {
    let raw = model(p, p.symbols.fields.len(), rng);
    match &p.model.output {
        None => raw,
        Some(output) => Constrained::new(raw, output.clone())
            .expect("the problem checked its output's derivatives")
            .into(),
    }
}

/// How the problem's points are drawn.
pub fn sampling(p: &Problem) -> Sampling {
    p.spec.training.sampling
}
