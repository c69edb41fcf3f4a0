//! From a validated problem to what every method's training shares: the loss terms and the
//! optimizer schedule (each method builds its network in [`crate::methods`]).

use crate::network::sampling;
use crate::optim::{AdamConfig, Memory, QuasiNewtonConfig, Schedule, Update};
use crate::pinn::{Causal, PointSource, Reduction, Target, TermSpec};
use crate::train::{
    Adaptive, CausalSchedule, OptimizerConfig, PhaseConfig, Redistribution, TrainConfig,
};
use problems::spec::OptimizerKind;
use problems::{Problem, Region};

/// The loss terms: one for the PDE residuals, one per condition.
pub fn term_specs(p: &Problem) -> Vec<TermSpec> {
    let t = &p.spec.training;
    let causal = p.method.causal().zip(p.time_axis).map(|(c, axis)| Causal {
        axis,
        t0: p.domain.lo[axis],
        t1: p.domain.hi[axis],
        bins: c.bins,
        eps: c.eps[0],
    });
    let mut specs = vec![TermSpec {
        name: "residual".into(),
        weight: t.residual_weight,
        equations: p.residuals.clone(),
        target: None,
        source: match &p.region {
            Some(region) => PointSource::Region {
                region: region.clone(),
                boundary: vec![],
                time: time_range(p),
                n: t.collocation,
                keep: None,
            },
            None => PointSource::Interior {
                domain: p.domain.clone(),
                n: t.collocation,
                sampling: sampling(p),
            },
        },
        resample: t.resample_every > 0,
        reduction: causal.map_or(Reduction::MeanSquare, Reduction::Causal),
    }];
    for c in &p.conditions {
        // Points on a region (or, for a predicate boundary, on the box as a region).
        let spatial = p.dims() - usize::from(p.time_axis.is_some());
        let region = p.region.clone().or_else(|| {
            c.predicate.as_ref().map(|_| Region::Box {
                lo: p.domain.lo[..spatial].to_vec(),
                hi: p.domain.hi[..spatial].to_vec(),
            })
        });
        let faces = || match region.clone() {
            // Initial conditions on a region: its interior at t0.
            Some(region) if c.boundary.is_empty() => {
                let t0 = p.domain.lo[p.time_axis.expect("initial conditions have a time axis")];
                PointSource::Region {
                    region,
                    boundary: vec![],
                    time: Some((t0, t0)),
                    n: c.points,
                    keep: None,
                }
            }
            Some(region) => PointSource::Region {
                region,
                boundary: c.boundary.clone(),
                time: time_range(p),
                n: c.points,
                keep: c.predicate.clone(),
            },
            None => PointSource::Faces {
                domain: p.domain.clone(),
                faces: c.faces.clone(),
                n: c.points,
                sampling: sampling(p),
            },
        };
        let (source, target, resample) = match (&c.data, c.periodic_axis) {
            (Some((points, values)), _) => (
                PointSource::Fixed(points.clone()),
                Some(Target::Values(values.clone())),
                false,
            ),
            (None, Some(axis)) => (
                PointSource::Pairs {
                    domain: p.domain.clone(),
                    axis,
                    n: c.points,
                    sampling: sampling(p),
                },
                None,
                t.resample_every > 0,
            ),
            (None, None) => (
                faces(),
                c.target.clone().map(Target::Expression),
                t.resample_every > 0,
            ),
        };
        let reduction = if source.is_pairs() {
            Reduction::Paired
        } else if c.normal_derivative {
            Reduction::NormalDerivative
        } else {
            Reduction::MeanSquare
        };
        specs.push(TermSpec {
            name: c.name.clone(),
            weight: c.weight,
            equations: c.equations.clone(),
            target,
            source,
            resample,
            reduction,
        });
    }
    specs
}

/// The time interval, for points on regions (time is the last coordinate).
fn time_range(p: &Problem) -> Option<(f64, f64)> {
    p.time_axis.map(|t| (p.domain.lo[t], p.domain.hi[t]))
}

/// The optimizer schedule of `[training]` and `[method]`.
pub fn train_config(p: &Problem) -> TrainConfig {
    let dense = |update| OptimizerConfig::QuasiNewton(QuasiNewtonConfig::dense(update));
    let t = &p.spec.training;
    let clip_norm = p
        .method
        .hard_constraint()
        .map(|h| h.clip_norm)
        .filter(|&c| c > 0.0);
    let phases = t
        .phases()
        .iter()
        .map(|phase| PhaseConfig {
            steps: phase.steps,
            optimizer: match phase.optimizer {
                OptimizerKind::Adam => OptimizerConfig::Adam(AdamConfig {
                    lr: phase.learning_rate.unwrap_or(t.learning_rate),
                    schedule: Schedule::Exponential {
                        rate: phase.decay_rate.unwrap_or(t.decay_rate),
                        every: phase.decay_every.unwrap_or(t.decay_every) as u64,
                        staircase: false,
                    },
                    clip_norm,
                    ..Default::default()
                }),
                OptimizerKind::Lbfgs => OptimizerConfig::QuasiNewton(QuasiNewtonConfig {
                    memory: Memory::Limited {
                        history: phase.history.unwrap_or(50),
                    },
                    ..Default::default()
                }),
                OptimizerKind::Bfgs => dense(Update::Bfgs),
                OptimizerKind::Ssbfgs => dense(Update::SsBfgs),
                OptimizerKind::Ssbroyden => dense(Update::SsBroyden),
            },
        })
        .collect();
    TrainConfig {
        phases,
        resample_every: t.resample_every,
        log_every: t.log_every.max(1),
        causal: p.method.causal().map(|c| CausalSchedule {
            eps: c.eps.clone(),
            delta: c.delta,
            check_every: c.check_every.max(1),
        }),
        checkpoint_every: t.checkpoint_every,
        redistribution: (t.rad_every > 0).then_some(Redistribution {
            every: t.rad_every,
            candidates: t.rad_candidates,
            k: t.rad_k,
            c: t.rad_c,
        }),
        adaptive: (t.adaptive_every > 0).then_some(Adaptive {
            every: t.adaptive_every,
            candidates: t.adaptive_candidates,
            add: t.adaptive_points,
        }),
    }
}
