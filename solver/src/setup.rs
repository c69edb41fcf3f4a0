//! From a validated problem to what training needs: the network, the loss terms, the schedule.

use crate::lagrangian;
use crate::method::Method;
use crate::moe::least_squares::LmSettings;
use crate::moe::{Blocks, ExpertPoints, HardConstraintLoss, InitialAnsatz};
use crate::network::{model, sampling, Network};
use crate::optim::{AdamConfig, LbfgsConfig, Schedule};
use crate::pinn::{Causal, PinnLoss, PointSource, Reduction, Target, TermSpec};
use crate::train::{Adaptive, CausalSchedule, Loss, OptimizerConfig, PhaseConfig, TrainConfig};
use operators::model::{Branches, Field};
use operators::{Real, Rng};
use problems::spec::{ConditionRows, HardConstraintSpec, OptimizerKind};
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
        causal,
        normal_derivative: false,
        reduction: Reduction::MeanSquare,
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
        specs.push(TermSpec {
            name: c.name.clone(),
            weight: c.weight,
            equations: c.equations.clone(),
            target,
            source,
            resample,
            causal: None,
            normal_derivative: c.normal_derivative,
            reduction: Reduction::MeanSquare,
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
                OptimizerKind::Lbfgs => {
                    let defaults = LbfgsConfig::default();
                    OptimizerConfig::Lbfgs(LbfgsConfig {
                        history: phase.history.unwrap_or(defaults.history),
                        ..defaults
                    })
                }
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
        adaptive: (t.adaptive_every > 0).then_some(Adaptive {
            every: t.adaptive_every,
            candidates: t.adaptive_candidates,
            add: t.adaptive_points,
        }),
    }
}

/// Network and loss of the problem's method, seeded: the same seed always gives the same
/// points and weights.
pub fn build<T: Real>(p: &Problem, seed: u64) -> (Method<T>, Vec<T>, Rng) {
    if let problems::Method::MoeHc(h) = &p.method {
        let (loss, params, rng) = build_hard_constraint(p, h, seed);
        return (Method::HardConstraint(Box::new(loss)), params, rng);
    }
    let (loss, params, rng) = build_pinn(p, seed);
    (Method::Pinn(loss), params, rng)
}

/// The basis network and the experts of `[method.hard_constraint]`.
fn build_hard_constraint<T: Real>(
    p: &Problem,
    h: &HardConstraintSpec,
    seed: u64,
) -> (HardConstraintLoss<T>, Vec<T>, Rng) {
    let mut rng = Rng::new(seed);
    let field = model(p, h.basis, &mut rng);
    let params = field.init_params(&mut rng);
    let splits = h.splits.clone().unwrap_or_else(|| vec![1; p.dims()]);
    let settings = LmSettings {
        max_iterations: h.max_iterations,
        tolerance: h.tolerance,
        ridge: h.ridge,
    };
    let mut loss = HardConstraintLoss::new(
        field,
        Blocks::new(p.domain.clone(), splits),
        settings,
        term_specs(p),
        ExpertPoints {
            constraint: h.constraint_points,
            global_conditions: h.conditions == ConditionRows::Global,
            interface: h.interface_points,
            interface_weight: h.interface_weight,
            neighbour_rows: h.neighbour_rows,
            sampling: sampling(p),
        },
        h.initial_ansatz.then(|| initial_ansatz(p)),
        &p.symbols,
    );
    loss.resample(&mut rng);
    (loss, params, rng)
}

/// u = u0(x) + (t − t0)·Φw, with u0 from the problem's initial values (whose loss term, one
/// after the residual's, it replaces).
fn initial_ansatz(p: &Problem) -> InitialAnsatz {
    let c = p.conditions.iter().position(|c| c.is_initial_value());
    let c = c.expect("problems check that the ansatz has initial values");
    let time_axis = p.time_axis.expect("initial conditions have a time axis");
    InitialAnsatz {
        term: 1 + c,
        time_axis,
        t0: p.domain.lo[time_axis],
        value: p.conditions[c].target.clone(),
    }
}

/// The PINN loss (plain or Lagrangian) and its starting parameters.
pub fn build_pinn<T: Real>(p: &Problem, seed: u64) -> (PinnLoss<T, Network<T>>, Vec<T>, Rng) {
    let mut rng = Rng::new(seed);
    let (net, specs) = match p.method.lagrangian() {
        None => {
            let name = p.symbols.fields.join(",");
            let outputs = p.symbols.fields.len();
            let net = Branches::new(vec![(name, model(p, outputs, &mut rng))]);
            (net, term_specs(p))
        }
        Some(l) => (
            lagrangian::network(p, l, &mut rng),
            lagrangian::term_specs(p, l),
        ),
    };
    // Trainable scalars after the network: the problem's unknowns (and a Lagrangian drift).
    let extra = p
        .method
        .lagrangian()
        .map_or(&p.symbols, |l| &l.symbols)
        .trainable
        .len();
    let loss = PinnLoss::new(
        net,
        specs,
        extra,
        operators::Batched::<T, Network<T>>::DEFAULT_CHUNK,
        &mut rng,
    );
    let mut params = Field::init_params(&loss.field, &mut rng);
    params.extend(p.unknown_initial.iter().map(|&v| T::from_f64(v)));
    params.resize(loss.n_params(), T::zero());
    if p.method.lagrangian().is_some() {
        lagrangian::start_at_rest(&loss.field, &mut params);
    }
    (loss, params, rng)
}
