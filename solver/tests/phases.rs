//! Training phases: a trainer restored from a checkpoint taken inside a later phase, or
//! paused between phases and inside them (to look at its error), ends with the parameters
//! of the uninterrupted run, to the last bit.

use operators::expr::{Program, Symbols};
use operators::model::Field;
use operators::{Mlp, MlpConfig, Rng};
use problems::{BoxDomain, Face, Sampling};
use solver::optim::{Adam, AdamConfig, QuasiNewtonConfig, Schedule, Update};
use solver::pinn::{PinnLoss, PointSource, Reduction, TermSpec};
use solver::train::{Event, OptimizerConfig, Outcome, PhaseConfig, Record, TrainConfig, Trainer};

/// u_xx = −π² sin(πx) on [−1, 1], u(±1) = 0, on a small network.
fn poisson(rng: &mut Rng) -> PinnLoss<f64, Mlp<f64>> {
    let sym = Symbols {
        coords: vec!["x".into()],
        fields: vec!["u".into()],
        ..Default::default()
    };
    let domain = BoxDomain::new(vec![-1.0], vec![1.0]);
    let net = Mlp::new(
        MlpConfig {
            inputs: 1,
            hidden: vec![8, 8],
            ..Default::default()
        },
        rng,
    );
    let term = |name: &str, equation: &str, source: PointSource| TermSpec {
        name: name.into(),
        weight: 1.0,
        equations: vec![Program::compile(equation, &sym).unwrap()],
        target: None,
        source,
        resample: false,
        reduction: Reduction::MeanSquare,
    };
    let specs = vec![
        term(
            "residual",
            "u_xx + pi^2*sin(pi*x)",
            PointSource::Interior {
                domain: domain.clone(),
                n: 64,
                sampling: Sampling::Sobol,
            },
        ),
        term(
            "boundary",
            "u",
            PointSource::Faces {
                domain,
                faces: Face::both(0),
                n: 2,
                sampling: Sampling::Uniform,
            },
        ),
    ];
    PinnLoss::new(net, specs, 0, 32, rng)
}

/// Everything a checkpoint holds, owned.
struct Saved {
    params: Vec<f64>,
    adam: Adam<f64>,
    rng: Rng,
    step: usize,
    eps_index: usize,
    phase: usize,
    phase_start: usize,
    history: Vec<Record>,
}

#[test]
fn a_trainer_resumed_inside_the_third_phase_ends_where_the_whole_run_does() {
    let adam = |lr| {
        OptimizerConfig::Adam(AdamConfig {
            lr,
            schedule: Schedule::Constant,
            ..Default::default()
        })
    };
    let config = TrainConfig {
        phases: vec![
            PhaseConfig {
                optimizer: adam(1e-2),
                steps: 200,
            },
            PhaseConfig {
                optimizer: OptimizerConfig::QuasiNewton(QuasiNewtonConfig::default()),
                steps: 30,
            },
            PhaseConfig {
                optimizer: adam(1e-4),
                steps: 100,
            },
        ],
        checkpoint_every: 50,
        log_every: 10,
        ..Default::default()
    };
    let start = |seed| {
        let mut rng = Rng::new(seed);
        let loss = poisson(&mut rng);
        let params = loss.field.init_params(&mut rng);
        (loss, Trainer::new(params, &config, rng))
    };

    let (mut loss, mut whole) = start(7);
    let mut saved = None;
    let report = whole
        .run(&mut loss, &config, |event| {
            if let Event::Checkpoint(s) = event {
                // The last checkpoint inside the third phase (steps 230..330).
                if s.phase == 2 && s.step > s.phase_start {
                    saved = Some(Saved {
                        params: s.params.to_vec(),
                        adam: s.adam.clone(),
                        rng: s.rng.clone(),
                        step: s.step,
                        eps_index: s.eps_index,
                        phase: s.phase,
                        phase_start: s.phase_start,
                        history: s.history.to_vec(),
                    });
                }
            }
        })
        .unwrap();
    assert_eq!(report.steps, 330, "no phase should stop early here");
    let saved = saved.expect("a checkpoint inside the third phase");
    assert_eq!(saved.phase_start, 230);

    let (mut loss, mut resumed) = start(7);
    resumed.params = saved.params;
    resumed.adam = saved.adam;
    resumed.rng = saved.rng;
    resumed.step = saved.step;
    resumed.eps_index = saved.eps_index;
    resumed.phase = saved.phase;
    resumed.phase_start = saved.phase_start;
    resumed.history = saved.history;
    resumed.run(&mut loss, &config, |_| {}).unwrap();
    assert_eq!(resumed.params, whole.params);
    assert_eq!(resumed.step, 330);
}

/// Regression for a watched run changing its course: pausing every 7 steps (inside Adam,
/// L-BFGS and dense SSBroyden phases, and at their boundaries) keeps each optimizer's state,
/// so the run ends with the very parameters of one that never paused.
#[test]
fn a_trainer_paused_every_few_steps_ends_where_the_whole_run_does() {
    let adam = OptimizerConfig::Adam(AdamConfig {
        lr: 1e-2,
        schedule: Schedule::Constant,
        ..Default::default()
    });
    let phase = |optimizer, steps| PhaseConfig { optimizer, steps };
    let config = TrainConfig {
        phases: vec![
            phase(adam, 100),
            phase(
                OptimizerConfig::QuasiNewton(QuasiNewtonConfig::default()),
                21,
            ),
            phase(
                OptimizerConfig::QuasiNewton(QuasiNewtonConfig::dense(Update::SsBroyden)),
                40,
            ),
        ],
        log_every: 10,
        ..Default::default()
    };
    let start = || {
        let mut rng = Rng::new(3);
        let loss = poisson(&mut rng);
        let params = loss.field.init_params(&mut rng);
        (loss, Trainer::new(params, &config, rng))
    };
    let (mut loss, mut whole) = start();
    let whole_report = whole.run(&mut loss, &config, |_| {}).unwrap();
    assert_eq!(whole_report.steps, 161, "no phase should stop early here");

    let (mut loss, mut paused) = start();
    let mut pauses = 0;
    let report = loop {
        let pause_at = paused.step + 7;
        match paused
            .run_until(&mut loss, &config, pause_at, |_| {})
            .unwrap()
        {
            Outcome::Paused => {
                assert_eq!(paused.step, pause_at);
                pauses += 1;
            }
            Outcome::Done(report) => break report,
        }
    };
    // At 7, 14, …, 154: at 161 every phase has run.
    assert_eq!(pauses, 22);
    assert_eq!(paused.params, whole.params);
    assert_eq!(report.loss.to_bits(), whole_report.loss.to_bits());
}
