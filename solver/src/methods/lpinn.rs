//! Lagrangian PINNs (Mojgani, Balajewicz, Hassanzadeh): two independent networks of the
//! label x0 and t, the state u and the characteristic's part ξ (X = x0 + D(t) + ξ, with a
//! trained drift D), trained on the PDE along characteristics (problems::Lagrangian); the
//! Eulerian field is read off by following each characteristic back to its label.

use super::method::Trainable;
use super::pinn;
use crate::network::{model_config, sampling, Network};
use crate::pinn::{PinnLoss, PointSource, Reduction, Target, TermSpec};
use crate::predict::predict_partials;
use crate::train::Loss;
use crate::Grid;
use operators::model::{Branches, Field};
use operators::{Embedding, Mlp, MlpConfig, Partial, Points, Real, Rng};
use problems::spec::{ConditionKind, LagrangianLoss};
use problems::{Lagrangian, Problem, DISPLACEMENT};

/// A Lagrangian PINN: the PINN loss of its two networks on the characteristics' problem.
pub struct Lpinn<T: Real> {
    /// The loss of the state and characteristic networks.
    pub loss: PinnLoss<T, Network<T>>,
    /// The characteristics' problem it was built from.
    lagrangian: Lagrangian,
}

/// The Lagrangian PINN of the problem and its starting parameters: every characteristic
/// at rest.
pub fn build<T: Real>(p: &Problem, l: &Lagrangian, seed: u64) -> (Lpinn<T>, Vec<T>, Rng) {
    let mut rng = Rng::new(seed);
    let net = network(p, l, &mut rng);
    // Trainable scalars after the network: the problem's unknowns, then the drift.
    let extra = l.symbols.trainable.len();
    let (loss, mut params) = pinn::with_network(p, net, term_specs(p, l), extra, &mut rng);
    start_at_rest(&loss.field, &mut params);
    let lagrangian = l.clone();
    (Lpinn { loss, lagrangian }, params, rng)
}

impl<T: Real> Trainable<T> for Lpinn<T> {
    fn loss(&self) -> &dyn Loss<T> {
        &self.loss
    }

    fn loss_mut(&mut self) -> &mut dyn Loss<T> {
        &mut self.loss
    }

    fn network_params(&self) -> usize {
        self.loss.field.n_params()
    }

    fn solution(&self, p: &Problem, params: &[T], grid: &Grid) -> Vec<Vec<f64>> {
        eulerian(&self.loss.field, params, p, &self.lagrangian, grid)
    }

    fn terms(&self) -> Vec<(&TermSpec, usize)> {
        Trainable::terms(&self.loss)
    }

    fn fields<'a>(&'a self, _p: &'a Problem) -> &'a [String] {
        &self.lagrangian.symbols.fields
    }

    fn describe(&self, _p: &Problem) -> Vec<String> {
        let l = &self.lagrangian;
        vec![
            format!("method      Lagrangian PINN: x is the label x0, the characteristic X = x0 + D(t) + xi, D = {}*(drift1*tau + drift2*tau^2 + drift3*tau^3)", l.drift_scale),
            format!("on X        {}", l.state.source()),
            format!("dX/dt - c   {}", l.characteristic.source()),
        ]
    }

    fn characteristics(
        &self,
        p: &Problem,
        params: &[T],
        labels: &[f64],
        times: &[f64],
    ) -> Option<Vec<Vec<(f64, f64)>>> {
        Some(characteristics(
            &self.loss.field,
            params,
            p,
            &self.lagrangian,
            labels,
            times,
        ))
    }
}

/// The two branches: [model] for the state, `characteristic_hidden` for the displacement;
/// both exactly periodic in the label.
fn network<T: Real>(p: &Problem, l: &Lagrangian, rng: &mut Rng) -> Network<T> {
    let mut state = MlpConfig {
        outputs: 1,
        ..model_config(p)
    };
    if !matches!(&state.embedding, Embedding::Periodic { axes, .. } if axes.iter().any(|&(a, _)| a == 0))
    {
        state.embedding = Embedding::Periodic {
            axes: vec![(0, l.period)],
            modes: 1,
        };
    }
    let displacement = MlpConfig {
        hidden: l.settings.characteristic_hidden.clone(),
        gated: false,
        ..state.clone()
    };
    let field = &p.symbols.fields[0];
    Branches::new(vec![
        (field.clone(), Mlp::new(state, rng).into()),
        (DISPLACEMENT.to_string(), Mlp::new(displacement, rng).into()),
    ])
}

/// Zeroes the output layer of ξ: every characteristic starts at rest (X = x0 + D with D = 0),
/// where the chain rule's Jacobian X_x0 = 1 is far from its singularity at 0.
fn start_at_rest<T: Real>(field: &Network<T>, params: &mut [T]) {
    let prefix = format!("{DISPLACEMENT}/output.");
    for v in field
        .param_views()
        .iter()
        .filter(|v| v.name.starts_with(&prefix))
    {
        params[v.range()].fill(T::zero());
    }
}

/// The loss: state and characteristic residuals on collocation points, and the two initial
/// terms (u(x0, t0) = u0(x0), ξ(x0, t0) = 0), as norms or mean squares.
pub fn term_specs(p: &Problem, l: &Lagrangian) -> Vec<TermSpec> {
    let t = &p.spec.training;
    let s = &l.settings;
    let norm = s.loss == LagrangianLoss::Norm;
    let reduction = |scales: Vec<f64>| {
        if norm {
            Reduction::Norm { scales }
        } else {
            Reduction::MeanSquare
        }
    };
    let interior = PointSource::Interior {
        domain: p.domain.clone(),
        n: t.collocation,
        sampling: sampling(p),
    };
    let plain = |name: &str, weight: f64, equations, target, source, resample| TermSpec {
        name: name.into(),
        weight,
        equations,
        target,
        source,
        resample,
        reduction: reduction(vec![1.0]),
    };
    let resample = t.resample_every > 0;
    let mut specs = if norm {
        // One batch for both residuals: one forward pass, two norms.
        vec![TermSpec {
            reduction: reduction(vec![t.residual_weight, s.characteristic_weight]),
            ..plain(
                "residual",
                1.0,
                vec![l.state.clone(), l.characteristic.clone()],
                None,
                interior,
                resample,
            )
        }]
    } else {
        vec![
            plain(
                "residual",
                t.residual_weight,
                vec![l.state.clone()],
                None,
                interior.clone(),
                resample,
            ),
            plain(
                "characteristics",
                s.characteristic_weight,
                vec![l.characteristic.clone()],
                None,
                interior,
                resample,
            ),
        ]
    };
    for c in p
        .conditions
        .iter()
        .filter(|c| c.kind == ConditionKind::Initial)
    {
        let faces = || PointSource::Faces {
            domain: p.domain.clone(),
            faces: c.faces.clone(),
            n: c.points,
            sampling: sampling(p),
        };
        specs.push(plain(
            &c.name,
            s.initial_weight,
            c.equations.clone(),
            c.target.clone().map(Target::Expression),
            faces(),
            resample,
        ));
        specs.push(plain(
            "characteristics start",
            s.initial_weight,
            vec![l.start.clone()],
            None,
            faces(),
            resample,
        ));
    }
    specs
}

/// The characteristics X(x0, t) of `labels` at `times`: one curve of (X, t) per label.
fn characteristics<T: Real>(
    field: &Network<T>,
    params: &[T],
    p: &Problem,
    l: &Lagrangian,
    labels: &[f64],
    times: &[f64],
) -> Vec<Vec<(f64, f64)>> {
    let a = drift_coefficients(field, params, p);
    let mut coords: Vec<T> = times
        .iter()
        .flat_map(|_| labels.iter().map(|&v| T::from_f64(v)))
        .collect();
    coords.extend(
        times
            .iter()
            .flat_map(|&t| std::iter::repeat_n(T::from_f64(t), labels.len())),
    );
    let xi = predict_partials(field, params, &Points::new(2, coords), &[Partial::VALUE])
        .remove(0)
        .remove(1);
    labels
        .iter()
        .enumerate()
        .map(|(j, &x0)| {
            times
                .iter()
                .enumerate()
                .map(|(k, &t)| (x0 + l.drift(t, &a) + xi[k * labels.len() + j], t))
                .collect()
        })
        .collect()
}

/// The trained drift coefficients a1, a2, a3: the last trainable scalars.
fn drift_coefficients<T: Real>(field: &Network<T>, params: &[T], p: &Problem) -> Vec<f64> {
    params[field.n_params() + p.symbols.trainable.len()..]
        .iter()
        .map(|v| v.to_f64())
        .collect()
}

/// The Eulerian field on `grid`: for each point (x, t), the label x0 whose characteristic
/// passes through x at t (X(x0, t) ≡ x modulo the period), then u(x0, t). Labels are found by
/// inverting X on a fine label grid, then polished by Newton steps on X(x0, t) = x, so the
/// result is the network's own field, not an interpolation of it.
fn eulerian<T: Real>(
    field: &Network<T>,
    params: &[T],
    p: &Problem,
    l: &Lagrangian,
    grid: &Grid,
) -> Vec<Vec<f64>> {
    let (lo, period) = (p.domain.lo[0], l.period);
    let a = drift_coefficients(field, params, p);
    let (xs, times) = (&grid.coords[0], grid.times());
    let m = (4 * xs.len()).max(512);
    let labels: Vec<f64> = (0..m).map(|j| lo + period * j as f64 / m as f64).collect();
    let positions = |x0: &[f64], t: &[f64], partials: &[Partial]| {
        let mut coords: Vec<T> = x0.iter().map(|&v| T::from_f64(v)).collect();
        coords.extend(t.iter().map(|&v| T::from_f64(v)));
        predict_partials(field, params, &Points::new(2, coords), partials)
    };

    // X on the label grid at every output time.
    let label_x0: Vec<f64> = times.iter().flat_map(|_| labels.iter().copied()).collect();
    let label_t: Vec<f64> = times
        .iter()
        .flat_map(|&t| std::iter::repeat_n(t, m))
        .collect();
    let xi = &positions(&label_x0, &label_t, &[Partial::VALUE])[0][1];
    let mut x0 = Vec::with_capacity(grid.len());
    // x0 + ξ(x0, t) = target: the point, less the drift, on the labels' branch.
    let mut target = Vec::with_capacity(grid.len());
    let mut t = Vec::with_capacity(grid.len());
    for (k, &tk) in times.iter().enumerate() {
        let drift = l.drift(tk, &a);
        let big_x: Vec<f64> = (0..m).map(|j| labels[j] + drift + xi[k * m + j]).collect();
        for &x in xs {
            // The branch of X over one period of labels is [X_0, X_0 + period).
            let s = big_x[0] + (x - big_x[0]).rem_euclid(period);
            let j = big_x.partition_point(|&v| v <= s).clamp(1, m) - 1;
            let (x_j, x_next) = (
                big_x[j],
                big_x.get(j + 1).copied().unwrap_or(big_x[0] + period),
            );
            let h = period / m as f64;
            let frac = if x_next > x_j {
                (s - x_j) / (x_next - x_j)
            } else {
                0.0
            };
            x0.push(labels[j] + frac * h);
            target.push(s - drift);
            t.push(tk);
        }
    }
    for _ in 0..3 {
        let jets = positions(&x0, &t, &[Partial::VALUE, Partial::axis(0)]);
        let (xi, xi_x) = (&jets[0][1], &jets[1][1]);
        for i in 0..x0.len() {
            let slope = 1.0 + xi_x[i];
            if slope > 0.0 {
                x0[i] -= (x0[i] + xi[i] - target[i]) / slope;
            }
        }
    }
    let values = positions(&x0, &t, &[Partial::VALUE]).remove(0);
    vec![values[0].clone()]
}
