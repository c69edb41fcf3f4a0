//! The viscous Burgers benchmark (Raissi et al.), built through the Rust API: used by
//! the examples and the step benchmark, so they measure the same problem.

use operators::expr::{Program, Symbols};
use operators::{Mlp, MlpConfig, Real, Rng};
use problems::{BoxDomain, Face, Sampling};
use solver::pinn::{PinnLoss, PointSource, Reduction, Target, TermSpec};

/// Sizes of the Burgers problem.
#[derive(Clone, Debug, PartialEq)]
pub struct BurgersSetup {
    pub hidden: Vec<usize>,
    pub collocation: usize,
    pub initial: usize,
    pub boundary: usize,
    pub sampling: Sampling,
    pub resample: bool,
    pub chunk: usize,
}

impl Default for BurgersSetup {
    /// The standard benchmark configuration: tanh MLP 4×50, 10,000 + 256 + 256 points.
    fn default() -> Self {
        BurgersSetup {
            hidden: vec![50; 4],
            collocation: 10_000,
            initial: 256,
            boundary: 256,
            sampling: Sampling::Uniform,
            resample: false,
            chunk: 512,
        }
    }
}

/// u_t + u u_x − (0.01/π) u_xx = 0 on [−1, 1] × [0, 1], u(x, 0) = −sin(πx), u(±1, t) = 0.
pub fn burgers_loss<T: Real>(setup: &BurgersSetup, rng: &mut Rng) -> PinnLoss<T, Mlp<T>> {
    let symbols = Symbols {
        coords: vec!["x".into(), "t".into()],
        time_axis: Some(1),
        fields: vec!["u".into()],
        constants: vec![("nu".into(), 0.01 / core::f64::consts::PI)],
        trainable: vec![],
    };
    let coords_only = Symbols {
        fields: vec![],
        ..symbols.clone()
    };
    let compile = |s: &str, sym: &Symbols| Program::compile(s, sym).expect("built-in expression");
    let domain = BoxDomain::new(vec![-1.0, 0.0], vec![1.0, 1.0]);
    let net = Mlp::new(
        MlpConfig {
            inputs: 2,
            outputs: 1,
            hidden: setup.hidden.clone(),
            ..Default::default()
        },
        rng,
    );
    let specs = vec![
        TermSpec {
            name: "residual".into(),
            weight: 1.0,
            equations: vec![compile("u_t + u*u_x - nu*u_xx", &symbols)],
            target: None,
            source: PointSource::Interior {
                domain: domain.clone(),
                n: setup.collocation,
                sampling: setup.sampling,
            },
            resample: setup.resample,
            reduction: Reduction::MeanSquare,
        },
        TermSpec {
            name: "initial".into(),
            weight: 1.0,
            equations: vec![compile("u", &symbols)],
            target: Some(Target::Expression(compile("-sin(pi*x)", &coords_only))),
            source: PointSource::Faces {
                domain: domain.clone(),
                faces: vec![Face {
                    axis: 1,
                    upper: false,
                }],
                n: setup.initial,
                sampling: setup.sampling,
            },
            resample: setup.resample,
            reduction: Reduction::MeanSquare,
        },
        TermSpec {
            name: "boundary".into(),
            weight: 1.0,
            equations: vec![compile("u", &symbols)],
            target: None,
            source: PointSource::Faces {
                domain,
                faces: Face::both(0),
                n: setup.boundary,
                sampling: setup.sampling,
            },
            resample: setup.resample,
            reduction: Reduction::MeanSquare,
        },
    ];
    PinnLoss::new(net, specs, 0, setup.chunk, rng)
}
