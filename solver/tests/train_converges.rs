//! Training end to end on small problems with closed-form solutions: the error bounds
//! fail if a derivative, an adjoint, the loss or an optimizer is wrong.

use operators::expr::{Program, Symbols};
use operators::model::Field;
use operators::{Mlp, MlpConfig, Points, Rng};
use problems::{BoxDomain, Face, Sampling};
use solver::march::{MarchedField, TimeMarching};
use solver::optim::{AdamConfig, Objective, QuasiNewtonConfig, Schedule};
use solver::pinn::{Causal, PinnLoss, PointSource, Reduction, Target, TermSpec};
use solver::train::{CausalSchedule, Loss, PhaseConfig, TrainConfig, Trainer};
use solver::{predict, relative_l2};

/// u = 0 on both faces of the first axis.
fn zero_on_x_faces(sym: &Symbols, domain: &BoxDomain, n: usize, sampling: Sampling) -> TermSpec {
    TermSpec {
        name: "boundary".into(),
        weight: 1.0,
        equations: vec![Program::compile("u", sym).unwrap()],
        target: None,
        source: PointSource::Faces {
            domain: domain.clone(),
            faces: Face::both(0),
            n,
            sampling,
        },
        resample: false,
        reduction: Reduction::MeanSquare,
    }
}

/// x, t, field u and k = 1/π² for u_t = k u_xx with u = sin(πx)·e^(−t).
fn heat_symbols() -> Symbols {
    Symbols {
        coords: vec!["x".into(), "t".into()],
        time_axis: Some(1),
        fields: vec!["u".into()],
        constants: vec![("k".into(), 1.0 / std::f64::consts::PI.powi(2))],
        trainable: vec![],
    }
}

/// u_xx = −π² sin(πx) on [−1, 1], u(±1) = 0: u = sin(πx).
#[test]
fn poisson_1d_reaches_1e_3() {
    let sym = Symbols {
        coords: vec!["x".into()],
        fields: vec!["u".into()],
        ..Default::default()
    };
    let domain = BoxDomain::new(vec![-1.0], vec![1.0]);
    let mut rng = Rng::new(0);
    let net = Mlp::new(
        MlpConfig {
            inputs: 1,
            hidden: vec![16, 16],
            ..Default::default()
        },
        &mut rng,
    );
    let specs = vec![
        TermSpec {
            name: "residual".into(),
            weight: 1.0,
            equations: vec![Program::compile("u_xx + pi^2*sin(pi*x)", &sym).unwrap()],
            target: None,
            source: PointSource::Interior {
                domain: domain.clone(),
                n: 128,
                sampling: Sampling::Sobol,
            },
            resample: false,
            reduction: Reduction::MeanSquare,
        },
        zero_on_x_faces(&sym, &domain, 2, Sampling::Uniform),
    ];
    let mut loss = PinnLoss::<f64, _>::new(net, specs, 0, 64, &mut rng);
    let adam = AdamConfig {
        lr: 1e-2,
        schedule: Schedule::Constant,
        ..Default::default()
    };
    let config = TrainConfig {
        phases: PhaseConfig::adam_then_lbfgs(1000, adam, 500, QuasiNewtonConfig::default()),
        ..Default::default()
    };
    let mut trainer = Trainer::new(loss.field.init_params(&mut rng), &config, rng);
    let report = trainer.run(&mut loss, &config, |_| {}).unwrap();
    let xs: Vec<Vec<f64>> = (0..201).map(|i| vec![-1.0 + 0.01 * i as f64]).collect();
    let exact: Vec<f64> = xs
        .iter()
        .map(|x| (std::f64::consts::PI * x[0]).sin())
        .collect();
    let err = relative_l2(
        &predict(&loss.field, &trainer.params, &Points::from_rows(&xs))[0],
        &exact,
    );
    assert!(
        err < 1e-3,
        "relative L2 error {err:.2e} (loss {:.2e}, {:?})",
        report.loss,
        report.quasi_newton
    );
}

/// Heat equation u_t = u_xx/π² on [0, 1] × [0, 1], u = sin(πx)·e^(−t), trained with causal
/// weights and ε annealing: the schedule must reach its last ε and the error 1e-2.
#[test]
fn causal_heat_equation_reaches_1e_2_and_opens_every_weight() {
    let sym = heat_symbols();
    let coords_only = Symbols {
        fields: vec![],
        ..sym.clone()
    };
    let domain = BoxDomain::new(vec![0.0, 0.0], vec![1.0, 1.0]);
    let mut rng = Rng::new(1);
    let net = Mlp::new(
        MlpConfig {
            inputs: 2,
            hidden: vec![20, 20],
            ..Default::default()
        },
        &mut rng,
    );
    let specs = vec![
        TermSpec {
            name: "residual".into(),
            weight: 1.0,
            equations: vec![Program::compile("u_t - k*u_xx", &sym).unwrap()],
            target: None,
            source: PointSource::Interior {
                domain: domain.clone(),
                n: 512,
                sampling: Sampling::Sobol,
            },
            resample: true,
            reduction: Reduction::Causal(Causal {
                axis: 1,
                t0: 0.0,
                t1: 1.0,
                bins: 8,
                eps: 1.0,
            }),
        },
        TermSpec {
            name: "initial".into(),
            weight: 10.0,
            equations: vec![Program::compile("u", &sym).unwrap()],
            target: Some(Target::Expression(
                Program::compile("sin(pi*x)", &coords_only).unwrap(),
            )),
            source: PointSource::Faces {
                domain: domain.clone(),
                faces: vec![Face {
                    axis: 1,
                    upper: false,
                }],
                n: 64,
                sampling: Sampling::Sobol,
            },
            resample: false,
            reduction: Reduction::MeanSquare,
        },
        zero_on_x_faces(&sym, &domain, 64, Sampling::Sobol),
    ];
    let mut loss = PinnLoss::<f64, _>::new(net, specs, 0, 128, &mut rng);
    let adam = AdamConfig {
        lr: 2e-2,
        schedule: Schedule::Exponential {
            rate: 0.4,
            every: 1000,
            staircase: false,
        },
        ..Default::default()
    };
    let config = TrainConfig {
        phases: PhaseConfig::adam_then_lbfgs(4000, adam, 0, QuasiNewtonConfig::default()),
        resample_every: 100,
        causal: Some(CausalSchedule {
            eps: vec![0.1, 1.0, 10.0],
            delta: 0.9,
            check_every: 200,
        }),
        ..Default::default()
    };
    let mut trainer = Trainer::new(loss.field.init_params(&mut rng), &config, rng);
    trainer.run(&mut loss, &config, |_| {}).unwrap();
    assert_eq!(
        trainer.eps_index, 2,
        "ε annealing should reach its last value"
    );
    let grid: Vec<Vec<f64>> = (0..21)
        .flat_map(|i| (0..21).map(move |j| vec![i as f64 / 20.0, j as f64 / 20.0]))
        .collect();
    let exact: Vec<f64> = grid
        .iter()
        .map(|p| (std::f64::consts::PI * p[0]).sin() * (-p[1]).exp())
        .collect();
    let err = relative_l2(
        &predict(&loss.field, &trainer.params, &Points::from_rows(&grid))[0],
        &exact,
    );
    assert!(err < 1e-2, "relative L2 error {err:.2e}");
}

/// The same heat equation marched over two windows: the second window's initial values are
/// the first window's prediction at t = 0.5 (no exact data crosses the window boundary).
#[test]
fn time_marching_hands_the_solution_to_the_next_window() {
    let sym = heat_symbols();
    let coords_only = Symbols {
        fields: vec![],
        ..sym.clone()
    };
    let marching = TimeMarching::new(0.0, 1.0, 2);
    let xs: Vec<f64> = (0..64).map(|i| (i as f64 + 0.5) / 64.0).collect();
    let mut windows: Vec<(Mlp<f64>, Vec<f64>)> = Vec::new();
    for k in 0..marching.windows {
        let (t_start, t_end) = marching.collocation_interval(k);
        let domain = BoxDomain::new(vec![0.0, t_start], vec![1.0, t_end]);
        let initial_points: Vec<Vec<f64>> = xs.iter().map(|&x| vec![x, t_start]).collect();
        let target = match windows.last() {
            None => Target::Expression(Program::compile("sin(pi*x)", &coords_only).unwrap()),
            Some((field, params)) => Target::Values(
                predict(field, params, &Points::from_rows(&initial_points))[0].clone(),
            ),
        };
        let mut rng = Rng::new(7);
        let net = Mlp::new(
            MlpConfig {
                inputs: 2,
                hidden: vec![20, 20],
                ..Default::default()
            },
            &mut rng,
        );
        let specs = vec![
            TermSpec {
                name: "residual".into(),
                weight: 1.0,
                equations: vec![Program::compile("u_t - k*u_xx", &sym).unwrap()],
                target: None,
                source: PointSource::Interior {
                    domain: domain.clone(),
                    n: 256,
                    sampling: Sampling::Sobol,
                },
                resample: false,
                reduction: Reduction::MeanSquare,
            },
            TermSpec {
                name: "initial".into(),
                weight: 10.0,
                equations: vec![Program::compile("u", &sym).unwrap()],
                target: Some(target),
                source: PointSource::Fixed(initial_points),
                resample: false,
                reduction: Reduction::MeanSquare,
            },
            TermSpec {
                name: "boundary".into(),
                weight: 1.0,
                equations: vec![Program::compile("u", &sym).unwrap()],
                target: None,
                source: PointSource::Faces {
                    domain,
                    faces: Face::both(0),
                    n: 32,
                    sampling: Sampling::Sobol,
                },
                resample: false,
                reduction: Reduction::MeanSquare,
            },
        ];
        let mut loss = PinnLoss::<f64, _>::new(net, specs, 0, 128, &mut rng);
        let adam = AdamConfig {
            lr: 1e-2,
            schedule: Schedule::Constant,
            ..Default::default()
        };
        let config = TrainConfig {
            phases: PhaseConfig::adam_then_lbfgs(1000, adam, 300, QuasiNewtonConfig::default()),
            ..Default::default()
        };
        let mut trainer = Trainer::new(loss.field.init_params(&mut rng), &config, rng);
        trainer.run(&mut loss, &config, |_| {}).unwrap();
        windows.push((loss.field.clone(), trainer.params));
    }
    let marched = MarchedField {
        marching,
        time_axis: 1,
        windows,
    };
    let grid: Vec<Vec<f64>> = (0..21)
        .flat_map(|i| (0..21).map(move |j| vec![i as f64 / 20.0, j as f64 / 20.0]))
        .collect();
    let exact: Vec<f64> = grid
        .iter()
        .map(|p| (std::f64::consts::PI * p[0]).sin() * (-p[1]).exp())
        .collect();
    let err = relative_l2(&marched.predict(&Points::from_rows(&grid))[0], &exact);
    assert!(
        err < 5e-3,
        "relative L2 error of the marched solution {err:.2e}"
    );
}

/// Adaptive refinement adds the requested number of points, chosen where the residual is
/// largest: the mean squared residual over the enlarged set exceeds that of the drawn set.
#[test]
fn adaptive_refinement_adds_high_residual_points() {
    let sym = Symbols {
        coords: vec!["x".into()],
        fields: vec!["u".into()],
        ..Default::default()
    };
    let domain = BoxDomain::new(vec![-1.0], vec![1.0]);
    let mut rng = Rng::new(3);
    let net = Mlp::new(
        MlpConfig {
            inputs: 1,
            hidden: vec![16, 16],
            ..Default::default()
        },
        &mut rng,
    );
    let spec = TermSpec {
        name: "residual".into(),
        weight: 1.0,
        equations: vec![Program::compile("u_xx + pi^2*sin(pi*x)", &sym).unwrap()],
        target: None,
        source: PointSource::Interior {
            domain,
            n: 128,
            sampling: Sampling::Sobol,
        },
        resample: true,
        reduction: Reduction::MeanSquare,
    };
    let mut loss = PinnLoss::<f64, _>::new(net, vec![spec], 0, 64, &mut rng);
    let params = loss.field.init_params(&mut rng);
    let mut grad = vec![0.0; params.len()];
    let before = loss.value_and_grad(&params, &mut grad);
    loss.refine(&params, &mut rng, 512, 16);
    assert_eq!(
        (loss.terms[0].added_points(), loss.terms[0].len()),
        (16, 144)
    );
    let after = loss.value_and_grad(&params, &mut grad);
    assert!(
        after > before,
        "mean squared residual {before:.3e} -> {after:.3e}"
    );
    // Added points survive resampling.
    loss.resample(&mut rng);
    assert_eq!(loss.terms[0].len(), 144);
}
