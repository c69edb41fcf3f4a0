//! Residual-based adaptive distribution (RAD): the collocation points follow the residual,
//! reproducibly, and a quasi-Newton phase that redistributes keeps converging.

use operators::expr::{Program, Symbols};
use operators::model::Field;
use operators::{Mlp, MlpConfig, Rng};
use problems::{BoxDomain, Sampling};
use solver::optim::{QuasiNewtonConfig, Update};
use solver::pinn::{PinnLoss, PointSource, Reduction, TermSpec};
use solver::train::{Loss, OptimizerConfig, PhaseConfig, Redistribution, TrainConfig, Trainer};

/// u = 5·exp(−100 x²) on [−1, 1] as a residual: large only near x = 0.
fn peaked(rng: &mut Rng) -> PinnLoss<f64, Mlp<f64>> {
    let sym = Symbols {
        coords: vec!["x".into()],
        fields: vec!["u".into()],
        ..Default::default()
    };
    let net = Mlp::new(
        MlpConfig {
            inputs: 1,
            hidden: vec![8, 8],
            ..Default::default()
        },
        rng,
    );
    let spec = TermSpec {
        name: "residual".into(),
        weight: 1.0,
        equations: vec![Program::compile("u - 5*exp(-100*x^2)", &sym).unwrap()],
        target: None,
        source: PointSource::Interior {
            domain: BoxDomain::new(vec![-1.0], vec![1.0]),
            n: 400,
            sampling: Sampling::Sobol,
        },
        resample: false,
        reduction: Reduction::MeanSquare,
    };
    PinnLoss::new(net, vec![spec], 0, 64, rng)
}

fn near_zero(loss: &PinnLoss<f64, Mlp<f64>>) -> f64 {
    let x = loss.terms[0].points().axis(0);
    x.iter().filter(|v| v.abs() < 0.25).count() as f64 / x.len() as f64
}

#[test]
fn redistributed_points_follow_the_residual() {
    let rad = Redistribution {
        every: 1,
        candidates: 20_000,
        k: 1.0,
        c: 0.0,
    };
    let draw = || {
        let mut rng = Rng::new(1);
        let mut loss = peaked(&mut rng);
        let params: Vec<f64> = loss
            .field
            .init_params(&mut rng)
            .iter()
            .map(|p| 0.01 * p)
            .collect();
        assert!(
            (near_zero(&loss) - 0.25).abs() < 0.02,
            "Sobol points start uniform"
        );
        loss.redistribute(&params, &mut rng, &rad);
        loss
    };
    let loss = draw();
    assert_eq!(loss.terms[0].len(), 400);
    // |r| ≈ 5·exp(−100 x²): about all of its mass lies in |x| < 0.25.
    assert!(near_zero(&loss) > 0.9, "{}", near_zero(&loss));
    let again = draw();
    assert_eq!(
        loss.terms[0].points().coords(),
        again.terms[0].points().coords()
    );
    // With c = 1 half of the density is uniform.
    let mut rng = Rng::new(1);
    let mut mixed = peaked(&mut rng);
    let params = vec![0.0; mixed.field.n_params()];
    mixed.redistribute(&params, &mut rng, &Redistribution { c: 1.0, ..rad });
    let f = near_zero(&mixed);
    assert!(f > 0.5 && f < 0.75, "{f}");
}

#[test]
fn a_quasi_newton_phase_that_redistributes_keeps_converging() {
    let config = TrainConfig {
        phases: vec![PhaseConfig {
            optimizer: OptimizerConfig::QuasiNewton(QuasiNewtonConfig::dense(Update::SsBroyden)),
            steps: 200,
        }],
        redistribution: Some(Redistribution {
            every: 50,
            candidates: 4000,
            k: 1.0,
            c: 1.0,
        }),
        log_every: 10,
        ..Default::default()
    };
    let mut rng = Rng::new(2);
    let mut loss = peaked(&mut rng);
    let params = loss.field.init_params(&mut rng);
    let before = loss.terms[0].points().clone();
    let mut trainer = Trainer::new(params, &config, rng);
    let report = trainer.run(&mut loss, &config, |_| {}).unwrap();
    assert_eq!(report.steps, 200, "no early stop");
    assert!(report.loss < 1e-4, "{}", report.loss);
    assert_ne!(
        loss.terms[0].points().coords(),
        before.coords(),
        "redistributed"
    );
}
