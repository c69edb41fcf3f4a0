//! The objective of one INSR solve: the initial values by regression, or one time step of
//! the integrator, plus the boundary conditions at the new time level.
//!
//! A step reads the PDE's residual r(u_t, u, u_x, …) with the space-time jets
//!   u_t ← (u(x) − u_prev(x_d)) / dt,   ∂^α u ← θ·∂^α u(x) + (1 − θ)·∂^α u_prev(x),
//! where θ is the integrator's weight of the new field (0, ½, 1) and x_d = x, or for the
//! semi-Lagrangian integrator the backtraced point x − c·dt. The network only ever sees
//! space; the time column of the coordinates is the level the terms are evaluated at.

use super::jets::{concat, fill_coords, fill_jets, space_time, spread_adjoint, Slot};
use super::solve::{solve, Fresh, SolveReport};
use super::Stepper;
use crate::predict;
use operators::expr::{Backprop, Inputs, Program};
use operators::{Batched, Field, JetLayout, Model, Points, Real, Rng};
use problems::spec::InsrSpec;
use problems::spec::{ConditionKind, EmbeddingSpec};
use problems::{BoxDomain, Face, Insr, Problem, Sampling};

/// What a solve fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Goal {
    /// u(x) = u0(x) at t0.
    Initial,
    /// One step of the integrator from the frozen previous field.
    Step,
}

struct Scratch<T> {
    x: Vec<T>,
    jets: Vec<T>,
    jets_bar: Vec<T>,
    kernel: Backprop<T>,
    /// The target's values at the chunk's points.
    target: Vec<T>,
}

/// Equations (less their targets) on points of the interior or of faces.
struct Term<T: Real> {
    name: String,
    weight: f64,
    faces: Vec<Face>,
    equations: Vec<Program>,
    targets: Vec<Option<Program>>,
    points: Points<T>,
    batch: Batched<T, Model<T>, Scratch<T>>,
    value: f64,
}

/// The previous field at the backtraced points x − c·dt of the interior points.
struct Departures<T: Real> {
    points: Points<T>,
    batch: Batched<T, Model<T>>,
    /// Whether x is periodic (a periodic embedding): a departure point that leaves the
    /// domain wraps around it instead of stopping at the boundary.
    periodic: bool,
}

/// Everything one INSR solve minimizes; [`set_step`](Self::set_step) moves it to the next step.
pub struct InsrObjective<T: Real> {
    net: Model<T>,
    insr: Insr,
    space: BoxDomain,
    t0: f64,
    /// The network's jets (space) and the programs' (space and time), and how they relate.
    layout: JetLayout,
    full: JetLayout,
    slots: Vec<Slot>,
    /// Each field's value as a program: the equations of the initial fit.
    values: Vec<Program>,
    /// Term 0: the interior (initial values or the PDE); then one per boundary condition.
    terms: Vec<Term<T>>,
    /// The previous field on the interior points, and at their departure points.
    previous: Batched<T, Model<T>>,
    departures: Option<Departures<T>>,
    prev_params: Vec<T>,
    goal: Goal,
    /// Time of the previous field.
    time: f64,
}

impl<T: Real> InsrObjective<T> {
    /// The step objective of problem `p`'s integrator, its fields held by `net`.
    pub fn new(p: &Problem, net: Model<T>, rng: &mut Rng) -> Self {
        let insr = p.method.insr().cloned().expect("an INSR problem");
        let t_axis = p.time_axis.expect("INSR problems have a time axis");
        let dims = p.dims() - 1;
        let space = BoxDomain::new(p.domain.lo[..dims].to_vec(), p.domain.hi[..dims].to_vec());
        let samples = insr.settings.samples;
        let boundary: Vec<_> = p
            .conditions
            .iter()
            .filter(|c| c.kind != ConditionKind::Initial)
            .collect();
        let fields = p.symbols.fields.len();
        let values: Vec<Program> = p
            .symbols
            .fields
            .iter()
            .map(|f| Program::compile(f, &p.symbols).expect("a field name compiles"))
            .collect();
        let mut programs: Vec<Program> = insr.operator.clone();
        programs.extend(values.iter().cloned());
        programs.extend(insr.speed.iter().cloned());
        programs.extend(boundary.iter().flat_map(|c| c.equations.iter().cloned()));
        let (full, layout, slots) = space_time(&programs, p.dims(), t_axis);
        // Targets (initial and boundary values) are evaluated by the same kernel.
        let targets = insr
            .initial
            .iter()
            .chain(boundary.iter().filter_map(|c| c.target.as_ref()));
        let read: Vec<&Program> = programs.iter().chain(targets).collect();
        let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
        let term = |name: String, weight, faces: Vec<Face>, n: usize, equations, targets| {
            let points = Points::new(dims, vec![T::zero(); n * dims]);
            let batch = Batched::with_scratch(&net, layout.clone(), &points, chunk, |n| Scratch {
                x: vec![T::zero(); n * (dims + 1)],
                jets: vec![T::zero(); full.len() * n * fields],
                jets_bar: vec![T::zero(); full.len() * n * fields],
                kernel: Backprop::new(read.iter().copied(), n, 0),
                target: vec![T::zero(); n],
            });
            Term {
                name,
                weight,
                faces,
                equations,
                targets,
                points,
                batch,
                value: 0.0,
            }
        };
        let mut terms = vec![term(
            "residual".into(),
            1.0,
            vec![],
            samples,
            insr.operator.clone(),
            vec![None; fields],
        )];
        for c in boundary {
            terms.push(term(
                c.name.clone(),
                c.weight,
                c.faces.clone(),
                c.points,
                c.equations.clone(),
                vec![c.target.clone(); c.equations.len()],
            ));
        }
        let interior = Points::new(dims, vec![T::zero(); samples * dims]);
        let previous = Batched::new(&net, layout.clone(), &interior, chunk);
        let departures = insr.speed.as_ref().map(|_| {
            let value = JetLayout::value_only(dims);
            Departures {
                points: interior.clone(),
                batch: Batched::new(&net, value, &interior, chunk),
                periodic: matches!(&p.spec.model.embedding,
                    Some(EmbeddingSpec::Periodic { axes, .. }) if axes.contains(&p.axes[0])),
            }
        });
        let t0 = p.domain.lo[t_axis];
        let mut objective = InsrObjective {
            prev_params: vec![T::zero(); net.n_params()],
            net,
            insr,
            space,
            t0,
            layout,
            full,
            slots,
            values,
            terms,
            previous,
            departures,
            goal: Goal::Initial,
            time: t0,
        };
        objective.draw(rng);
        objective
    }

    /// Fits the initial values at t0.
    pub fn set_initial(&mut self) {
        self.goal = Goal::Initial;
        self.time = self.t0;
    }

    /// Steps from `params` (frozen) at step `n`, i.e. time t0 + n·dt.
    pub fn set_step(&mut self, n: usize, params: &[T]) {
        self.goal = Goal::Step;
        self.time = self.t0 + n as f64 * self.insr.settings.dt;
        self.prev_params.copy_from_slice(params);
    }

    /// Fresh points everywhere (the paper draws them at every iteration).
    fn draw(&mut self, rng: &mut Rng) {
        let space = &self.space;
        for t in &mut self.terms {
            let n = t.points.len();
            t.points = if t.faces.is_empty() {
                space.sample(n, Sampling::Uniform, rng)
            } else {
                // Points spread over the faces in turn.
                let per = t.faces.len();
                let parts: Vec<Points<T>> = t
                    .faces
                    .iter()
                    .enumerate()
                    .map(|(k, &f)| {
                        space.sample_face(
                            f,
                            n / per + usize::from(k < n % per),
                            Sampling::Uniform,
                            rng,
                        )
                    })
                    .collect();
                concat(&parts)
            };
            t.batch.set_points(&t.points);
        }
        self.previous.set_points(&self.terms[0].points);
    }

    /// Names and last values of the loss terms.
    pub fn terms(&self) -> Vec<(&str, f64)> {
        self.terms
            .iter()
            .map(|t| (t.name.as_str(), t.value))
            .collect()
    }

    /// The previous field at the interior points, and for the semi-Lagrangian integrator at
    /// their departure points x − c(x, u_prev(x))·dt, wrapped into a periodic domain or
    /// clamped to a bounded one.
    fn evaluate_previous(&mut self) {
        self.previous.forward(&self.net, &self.prev_params);
        let Some(Departures {
            points,
            batch,
            periodic,
        }) = &mut self.departures
        else {
            return;
        };
        let speed = self
            .insr
            .speed
            .as_ref()
            .expect("departures come with a speed");
        let (lo, hi) = (self.space.lo[0], self.space.hi[0]);
        let dt = self.insr.settings.dt;
        let interior = &mut self.terms[0];
        let (interior_points, scratch) = (&interior.points, interior.batch.scratch_mut());
        let n_all = interior_points.len();
        let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
        for (c, sc) in (0..self.previous.chunks()).zip(scratch) {
            let (offset, n) = (c * chunk, chunk.min(n_all - c * chunk));
            let prev = self.previous.chunk_output(&self.net, c);
            fill_coords(&mut sc.x, interior_points, offset, n, self.time);
            fill_jets(
                &mut sc.jets,
                &self.slots,
                self.layout.len(),
                prev,
                prev,
                None,
                0.0,
                dt,
                n,
            );
            let inp = Inputs {
                n,
                layout: &self.full,
                jets: &sc.jets[..self.full.len() * n * self.values.len()],
                x: &sc.x[..2 * n],
                params: &[],
            };
            let c_values = sc.kernel.eval(speed, &inp);
            let x = &interior_points.axis(0)[offset..offset + n];
            for ((d, &x), &c) in points.axis_mut(0)[offset..offset + n]
                .iter_mut()
                .zip(x)
                .zip(c_values)
            {
                let back = x.to_f64() - c.to_f64() * dt;
                *d = T::from_f64(match periodic {
                    true => lo + (back - lo).rem_euclid(hi - lo),
                    false => back.clamp(lo, hi),
                });
            }
        }
        batch.set_points(points);
        batch.forward(&self.net, &self.prev_params);
    }
}

impl<T: Real> crate::optim::Objective<T> for InsrObjective<T> {
    fn value_and_grad(&mut self, params: &[T], grad: &mut [T]) -> f64 {
        grad.iter_mut().for_each(|g| *g = T::zero());
        let step = self.goal == Goal::Step;
        if step {
            self.evaluate_previous();
        }
        let dt = self.insr.settings.dt;
        let theta = self.insr.settings.integrator.theta();
        let fields = self.values.len();
        let (net, slots, layout, full) = (&self.net, &self.slots, &self.layout, &self.full);
        let (previous, departures) = (&self.previous, self.departures.as_ref().map(|d| &d.batch));
        let mut total = 0.0;
        for (k, term) in self.terms.iter_mut().enumerate() {
            let pde = k == 0 && step;
            // Equations, targets, the time level and the weight θ of the new field.
            let (equations, targets, time, theta_new) = match (k, self.goal) {
                (0, Goal::Initial) => (
                    &self.values,
                    self.insr.initial.iter().map(Some).collect::<Vec<_>>(),
                    self.t0,
                    1.0,
                ),
                (0, Goal::Step) => (
                    &term.equations,
                    vec![None; fields],
                    self.time + theta * dt,
                    theta,
                ),
                (_, Goal::Initial) => {
                    // Boundary values are not part of the initial fit.
                    term.value = 0.0;
                    continue;
                }
                _ => (
                    &term.equations,
                    term.targets.iter().map(Option::as_ref).collect(),
                    self.time + dt,
                    1.0,
                ),
            };
            let scale = term.weight / term.points.len() as f64;
            let points = &term.points;
            let value = term.batch.value_and_grad(
                net,
                params,
                |chunk, sc, bar| {
                    let n = chunk.n;
                    let (jets_len, x_len) = (full.len() * n * fields, (layout.dims() + 1) * n);
                    fill_coords(&mut sc.x, points, chunk.offset, n, time);
                    let (prev, rate_from) = match pde {
                        true => {
                            let prev = previous.chunk_output(net, chunk.index);
                            (
                                prev,
                                Some(departures.map_or(prev, |d| d.chunk_output(net, chunk.index))),
                            )
                        }
                        false => (chunk.jets, None),
                    };
                    fill_jets(
                        &mut sc.jets,
                        slots,
                        layout.len(),
                        chunk.jets,
                        prev,
                        rate_from,
                        theta_new,
                        dt,
                        n,
                    );
                    sc.jets_bar[..jets_len].fill(T::zero());
                    let mut loss = 0.0;
                    for (e, target) in equations.iter().zip(&targets) {
                        let inp = Inputs {
                            n,
                            layout: full,
                            jets: &sc.jets[..jets_len],
                            x: &sc.x[..x_len],
                            params: &[],
                        };
                        let target = match target {
                            Some(target) => {
                                let v = sc.kernel.eval(target, &inp);
                                sc.target[..n].copy_from_slice(v);
                                &sc.target[..n]
                            }
                            None => &[],
                        };
                        let jets_bar = &mut sc.jets_bar[..jets_len];
                        sc.kernel.run(e, &inp, jets_bar, |p, r| {
                            let r = r - target.get(p).copied().unwrap_or(T::zero());
                            loss += scale * r.to_f64().powi(2);
                            T::from_f64(2.0 * scale) * r
                        });
                    }
                    spread_adjoint(
                        bar,
                        &sc.jets_bar[..jets_len],
                        slots,
                        layout.len(),
                        theta_new,
                        dt,
                        n,
                        fields,
                    );
                    loss
                },
                grad,
            );
            term.value = value;
            total += value;
        }
        total
    }
}

impl<T: Real> Fresh<T> for InsrObjective<T> {
    fn resample(&mut self, rng: &mut Rng) {
        self.draw(rng);
    }
}

impl<T: Real> Stepper<T> for InsrObjective<T> {
    fn n_params(&self) -> usize {
        self.net.n_params()
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        self.net.init_params(rng)
    }

    fn initial(
        &mut self,
        params: &mut [T],
        s: &InsrSpec,
        iterations: usize,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        self.set_initial();
        solve(self, params, s, iterations, rng)
    }

    fn step(
        &mut self,
        n: usize,
        params: &mut [T],
        s: &InsrSpec,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        self.set_step(n, params);
        solve(self, params, s, s.iterations, rng)
    }

    fn fields(&self, params: &[T], points: &Points<T>) -> Vec<Vec<f64>> {
        predict(&self.net, params, points)
    }

    fn compared(&self) -> usize {
        self.values.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::model_of;
    use crate::optim::{gradient_error, Objective};
    use std::path::Path;

    /// Burgers with the semi-Lagrangian or a θ integrator: the objective reads u, u_x and u_xx
    /// of both fields, nonlinearly.
    fn burgers(integrator: &str) -> Problem {
        let text = format!(
            r#"
    name = "burgers_insr"
    [domain]
    x = [-1.0, 1.0]
    t = [0.0, 0.5]
    [parameters]
    nu = 0.05
    [pde]
    residuals = ["u_t + u*u_x - nu*u_xx + 0.3*x*t"]
    [[conditions]]
    kind = "initial"
    value = "-sin(pi*x)"
    [[conditions]]
    kind = "dirichlet"
    on = ["left", "right"]
    value = "0.1*t"
    points = 8
    [model]
    hidden = [8, 8]
    activation = "tanh"
    [method]
    kind = "insr"
    speed = "u"
    [method.insr]
    integrator = "{integrator}"
    dt = 0.1
    samples = 40
    "#
        );
        Problem::from_str(&text, Path::new("burgers_insr.toml")).unwrap()
    }

    #[test]
    fn step_gradient_matches_finite_differences_for_every_integrator() {
        for integrator in [
            "explicit_euler",
            "implicit_euler",
            "midpoint",
            "semi_lagrangian",
        ] {
            let p = burgers(integrator);
            let mut rng = Rng::new(3);
            let net = model_of::<f64>(&p, 1, 1, &mut rng);
            let previous = net.init_params(&mut rng);
            let params = net.init_params(&mut rng);
            let mut objective = InsrObjective::new(&p, net, &mut rng);
            objective.set_step(2, &previous);
            let mut grad = vec![0.0; params.len()];
            let value = objective.value_and_grad(&params, &mut grad);
            assert!(value.is_finite() && value > 0.0, "{integrator}: {value}");
            let worst = gradient_error(&mut objective, &params, 1e-6, 1e-3);
            println!("{integrator}: loss {value:.3e}, worst relative difference {worst:.2e}");
            assert!(
                worst < 1e-5,
                "{integrator}: worst relative difference {worst:.2e}"
            );
        }
    }

    #[test]
    fn the_initial_fit_alone_has_the_initial_values_gradient() {
        let p = burgers("midpoint");
        let mut rng = Rng::new(4);
        let net = model_of::<f64>(&p, 1, 1, &mut rng);
        let mut params = net.init_params(&mut rng);
        let mut objective = InsrObjective::new(&p, net, &mut rng);
        objective.set_initial();
        let mut grad = vec![0.0; params.len()];
        objective.value_and_grad(&params, &mut grad);
        // The boundary terms sit out the initial fit.
        assert!(objective.terms()[1..].iter().all(|(_, v)| *v == 0.0));
        let (i, h) = (params.len() - 1, 1e-6); // the output bias: ∂L/∂b = 2·mean(u − u0)
        let mut scratch = vec![0.0; params.len()];
        params[i] += h;
        let up = objective.value_and_grad(&params, &mut scratch);
        params[i] -= 2.0 * h;
        let down = objective.value_and_grad(&params, &mut scratch);
        assert!(((up - down) / (2.0 * h) - grad[i]).abs() < 1e-7 * (1.0 + grad[i].abs()));
    }
}
