//! INSR for 2-D incompressible inviscid flow (Chen et al., their fluid solver): two spatial
//! networks, the velocity (u, v) and the pressure p, advanced by Stable-Fluids splitting.
//! Each step solves three problems, each warm-started from the last solution:
//!   1. advect:  u(x) = u_n(clamp(x − dt·u_n(x)))                     (velocity network)
//!   2. pressure: Δp = ∇·u*, with ∂p/∂n = 0 on the walls               (pressure network)
//!   3. project: u(x) = u*(x) − ∇p(x)                                  (velocity network)
//!
//! with no penetration (u·n = 0) on the walls in steps 1 and 3; u* is the advected field and
//! p absorbs dt. Residuals are mean squares over fresh points, walls weighted 1.

use super::solve::{solve, Fresh, SolveReport};
use super::Stepper;
use crate::optim::Objective;
use crate::predict;
use operators::expr::Program;
use operators::{Batched, Field, JetLayout, Model, Partial, Points, Real, Rng};
use problems::spec::InsrSpec;
use problems::{BoxDomain, Face, Problem, Sampling};

/// Which of the solves runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Initial,
    Advect,
    Pressure,
    Project,
}

/// The velocity and pressure networks and the solves of one step.
pub struct Fluid<T: Real> {
    velocity: Model<T>,
    pressure: Model<T>,
    space: BoxDomain,
    dt: f64,
    t0: f64,
    initial: Vec<Program>,
    phase: Phase,
    /// The frozen fields a phase reads: the velocity of the last step or the advected one,
    /// and the pressure.
    frozen_velocity: Vec<T>,
    frozen_pressure: Vec<T>,
    interior: Points<T>,
    walls: Points<T>,
    /// Which velocity component is normal at each wall point (0: u, 1: v).
    normal: Vec<usize>,
    /// Per phase, what the interior residual subtracts: one row per component.
    target: Vec<T>,
    /// Velocity values at the interior and wall points, and at departure points.
    velocity_at: Batched<T, Model<T>>,
    velocity_walls: Batched<T, Model<T>>,
    departures: Batched<T, Model<T>>,
    departure_points: Points<T>,
    /// Velocity gradients (for ∇·u*) and pressure jets up to Δp at the interior points.
    velocity_gradient: Batched<T, Model<T>>,
    pressure_at: Batched<T, Model<T>>,
    pressure_walls: Batched<T, Model<T>>,
}

const X: Partial = Partial::axis(0);
const Y: Partial = Partial::axis(1);

impl<T: Real> Fluid<T> {
    /// The fluid of problem `p`: a velocity and a pressure network.
    pub fn new(p: &Problem, velocity: Model<T>, pressure: Model<T>, rng: &mut Rng) -> Self {
        let insr = p.method.insr().expect("an INSR problem");
        let s = &insr.settings;
        let space = BoxDomain::new(p.domain.lo[..2].to_vec(), p.domain.hi[..2].to_vec());
        let (n, m) = (s.samples, (s.samples / 10).max(16));
        let interior = Points::new(2, vec![T::zero(); 2 * n]);
        let walls = Points::new(2, vec![T::zero(); 2 * m]);
        let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
        let values = JetLayout::value_only(2);
        let gradient = JetLayout::new(2, &[X, Y]);
        let laplacian = JetLayout::new(
            2,
            &[Partial::from_axes(&[0, 0]), Partial::from_axes(&[1, 1])],
        );
        let mut fluid = Fluid {
            velocity_at: Batched::new(&velocity, values.clone(), &interior, chunk),
            velocity_walls: Batched::new(&velocity, values.clone(), &walls, chunk),
            departures: Batched::new(&velocity, values, &interior, chunk),
            velocity_gradient: Batched::new(&velocity, gradient.clone(), &interior, chunk),
            pressure_at: Batched::new(&pressure, laplacian, &interior, chunk),
            pressure_walls: Batched::new(&pressure, gradient, &walls, chunk),
            frozen_velocity: vec![T::zero(); velocity.n_params()],
            frozen_pressure: vec![T::zero(); pressure.n_params()],
            departure_points: interior.clone(),
            target: vec![T::zero(); 2 * n],
            normal: vec![0; m],
            velocity,
            pressure,
            space,
            dt: insr.settings.dt,
            t0: p.domain.lo[2],
            initial: insr.initial.clone(),
            phase: Phase::Initial,
            interior,
            walls,
        };
        fluid.draw(rng);
        fluid
    }

    /// Fresh interior and wall points (a quarter of the wall points on each face).
    fn draw(&mut self, rng: &mut Rng) {
        let (n, m) = (self.interior.len(), self.walls.len());
        self.interior = self.space.sample(n, Sampling::Uniform, rng);
        let mut coords = vec![T::zero(); 2 * m];
        for k in 0..m {
            let face = Face {
                axis: (k % 4) / 2,
                upper: k % 2 == 1,
            };
            let p = self.space.sample_face::<T>(face, 1, Sampling::Uniform, rng);
            coords[k] = p.axis(0)[0];
            coords[m + k] = p.axis(1)[0];
            self.normal[k] = face.axis;
        }
        self.walls = Points::new(2, coords);
        for b in [&mut self.velocity_at, &mut self.velocity_gradient] {
            b.set_points(&self.interior);
        }
        self.pressure_at.set_points(&self.interior);
        self.velocity_walls.set_points(&self.walls);
        self.pressure_walls.set_points(&self.walls);
        self.set_targets();
    }

    /// What the interior residual subtracts in the current phase, from the frozen fields.
    fn set_targets(&mut self) {
        let n = self.interior.len();
        let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
        match self.phase {
            Phase::Initial => {
                let mut coords = self.interior.coords().to_vec();
                coords.extend(std::iter::repeat_n(T::from_f64(self.t0), n));
                let points = Points::new(3, coords);
                for (c, u0) in self.initial.iter().enumerate() {
                    self.target[c * n..(c + 1) * n].copy_from_slice(&u0.eval_at_points(&points));
                }
            }
            Phase::Advect => {
                // The previous velocity at the departure points x − dt·u_n(x).
                self.velocity_at
                    .forward(&self.velocity, &self.frozen_velocity);
                for c in 0..self.velocity_at.chunks() {
                    let out = self.velocity_at.chunk_output(&self.velocity, c);
                    let len = out.len() / 2;
                    for a in 0..2 {
                        let (lo, hi) = (self.space.lo[a], self.space.hi[a]);
                        let range = c * chunk..c * chunk + len;
                        let x = &self.interior.axis(a)[range.clone()];
                        let d = &mut self.departure_points.axis_mut(a)[range];
                        for ((d, &x), &u) in d.iter_mut().zip(x).zip(&out[a * len..(a + 1) * len]) {
                            *d = T::from_f64((x.to_f64() - self.dt * u.to_f64()).clamp(lo, hi));
                        }
                    }
                }
                self.departures.set_points(&self.departure_points);
                self.departures
                    .forward(&self.velocity, &self.frozen_velocity);
                gather(&self.departures, &self.velocity, 1, 0, 2, &mut self.target);
            }
            Phase::Pressure => {
                // ∇·u* = u*_x + v*_y.
                let b = &mut self.velocity_gradient;
                b.forward(&self.velocity, &self.frozen_velocity);
                let layout = b.layout().clone();
                let (sx, sy) = (layout.slot(&X).expect("x"), layout.slot(&Y).expect("y"));
                for c in 0..b.chunks() {
                    let out = b.chunk_output(&self.velocity, c);
                    let len = out.len() / (2 * layout.len());
                    for i in 0..len {
                        self.target[c * chunk + i] =
                            out[sx * len + i] + out[(layout.len() + sy) * len + i];
                    }
                }
            }
            Phase::Project => {
                // u* − ∇p.
                self.velocity_at
                    .forward(&self.velocity, &self.frozen_velocity);
                gather(&self.velocity_at, &self.velocity, 1, 0, 2, &mut self.target);
                let b = &mut self.pressure_at;
                b.forward(&self.pressure, &self.frozen_pressure);
                let layout = b.layout().clone();
                for (a, slot) in [X, Y].iter().enumerate() {
                    let s = layout.slot(slot).expect("gradient slots");
                    for c in 0..b.chunks() {
                        let out = b.chunk_output(&self.pressure, c);
                        let len = out.len() / layout.len();
                        for i in 0..len {
                            self.target[a * n + c * chunk + i] -= out[s * len + i];
                        }
                    }
                }
            }
        }
    }

    fn set_phase(&mut self, phase: Phase) {
        self.phase = phase;
        self.set_targets();
    }

    /// One of the three solves of a step, on `params` (velocity or pressure).
    fn solve_phase(
        &mut self,
        phase: Phase,
        params: &mut [T],
        s: &InsrSpec,
        iterations: usize,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        self.set_phase(phase);
        solve(self, params, s, iterations, rng).map_err(|e| format!("{phase:?}: {e}"))
    }
}

/// Values of `outputs` outputs (slot `slot` of a layout of `len` slots) of every chunk of
/// `b`, into rows of `out` (one per output).
fn gather<T: Real>(
    b: &Batched<T, Model<T>>,
    net: &Model<T>,
    len: usize,
    slot: usize,
    outputs: usize,
    out: &mut [T],
) {
    let n = out.len() / outputs;
    let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
    for c in 0..b.chunks() {
        let jets = b.chunk_output(net, c);
        let m = jets.len() / (len * outputs);
        for f in 0..outputs {
            out[f * n + c * chunk..f * n + c * chunk + m]
                .copy_from_slice(&jets[(f * len + slot) * m..(f * len + slot + 1) * m]);
        }
    }
}

impl<T: Real> Objective<T> for Fluid<T> {
    fn value_and_grad(&mut self, params: &[T], grad: &mut [T]) -> f64 {
        grad.iter_mut().for_each(|g| *g = T::zero());
        let n = self.interior.len();
        let m = self.walls.len();
        let target = &self.target;
        let normal = &self.normal;
        let (scale_n, scale_m) = (1.0 / n as f64, 1.0 / m as f64);
        match self.phase {
            Phase::Initial | Phase::Advect | Phase::Project => {
                // Σ_c mean (u_c − target_c)², plus mean (u·n)² on the walls.
                let interior = self.velocity_at.value_and_grad(
                    &self.velocity,
                    params,
                    |view, (), bar| {
                        let mut loss = 0.0;
                        for c in 0..2 {
                            for i in 0..view.n {
                                let r = view.jets[c * view.n + i] - target[c * n + view.offset + i];
                                loss += scale_n * r.to_f64().powi(2);
                                bar[c * view.n + i] = T::from_f64(2.0 * scale_n) * r;
                            }
                        }
                        loss
                    },
                    grad,
                );
                if self.phase == Phase::Initial {
                    return interior;
                }
                interior
                    + self.velocity_walls.value_and_grad(
                        &self.velocity,
                        params,
                        |view, (), bar| {
                            bar.fill(T::zero());
                            let mut loss = 0.0;
                            for i in 0..view.n {
                                let c = normal[view.offset + i];
                                let r = view.jets[c * view.n + i];
                                loss += scale_m * r.to_f64().powi(2);
                                bar[c * view.n + i] = T::from_f64(2.0 * scale_m) * r;
                            }
                            loss
                        },
                        grad,
                    )
            }
            Phase::Pressure => {
                // mean (Δp − ∇·u*)², plus mean (∂p/∂n)² on the walls.
                let layout = self.pressure_at.layout().clone();
                let (xx, yy) = (
                    layout.slot(&Partial::from_axes(&[0, 0])).expect("p_xx"),
                    layout.slot(&Partial::from_axes(&[1, 1])).expect("p_yy"),
                );
                let interior = self.pressure_at.value_and_grad(
                    &self.pressure,
                    params,
                    |view, (), bar| {
                        bar.fill(T::zero());
                        let mut loss = 0.0;
                        for i in 0..view.n {
                            let r = view.jets[xx * view.n + i] + view.jets[yy * view.n + i]
                                - target[view.offset + i];
                            loss += scale_n * r.to_f64().powi(2);
                            let g = T::from_f64(2.0 * scale_n) * r;
                            bar[xx * view.n + i] = g;
                            bar[yy * view.n + i] = g;
                        }
                        loss
                    },
                    grad,
                );
                let walls = self.pressure_walls.layout().clone();
                let slots = [walls.slot(&X).expect("p_x"), walls.slot(&Y).expect("p_y")];
                interior
                    + self.pressure_walls.value_and_grad(
                        &self.pressure,
                        params,
                        |view, (), bar| {
                            bar.fill(T::zero());
                            let mut loss = 0.0;
                            for i in 0..view.n {
                                let s = slots[normal[view.offset + i]];
                                let r = view.jets[s * view.n + i];
                                loss += scale_m * r.to_f64().powi(2);
                                bar[s * view.n + i] = T::from_f64(2.0 * scale_m) * r;
                            }
                            loss
                        },
                        grad,
                    )
            }
        }
    }
}

impl<T: Real> Fresh<T> for Fluid<T> {
    fn resample(&mut self, rng: &mut Rng) {
        self.draw(rng);
    }
}

impl<T: Real> Stepper<T> for Fluid<T> {
    fn n_params(&self) -> usize {
        self.velocity.n_params() + self.pressure.n_params()
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        let mut params = self.velocity.init_params(rng);
        params.extend(self.pressure.init_params(rng));
        params
    }

    fn initial(
        &mut self,
        params: &mut [T],
        s: &InsrSpec,
        iterations: usize,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        let nv = self.velocity.n_params();
        self.solve_phase(Phase::Initial, &mut params[..nv], s, iterations, rng)
    }

    fn step(
        &mut self,
        _n: usize,
        params: &mut [T],
        s: &InsrSpec,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        let nv = self.velocity.n_params();
        let (velocity, pressure) = params.split_at_mut(nv);
        self.frozen_velocity.copy_from_slice(velocity);
        let advect = self.solve_phase(Phase::Advect, velocity, s, s.iterations, rng)?;
        self.frozen_velocity.copy_from_slice(velocity);
        let pressure_solve = self.solve_phase(Phase::Pressure, pressure, s, s.iterations, rng)?;
        self.frozen_pressure.copy_from_slice(pressure);
        let project = self.solve_phase(Phase::Project, velocity, s, s.iterations, rng)?;
        Ok(SolveReport {
            iterations: advect.iterations + pressure_solve.iterations + project.iterations,
            loss: advect.loss + pressure_solve.loss + project.loss,
            ..project
        })
    }

    fn fields(&self, params: &[T], points: &Points<T>) -> Vec<Vec<f64>> {
        let nv = self.velocity.n_params();
        let mut fields = predict(&self.velocity, &params[..nv], points);
        fields.extend(predict(&self.pressure, &params[nv..], points));
        fields
    }

    fn compared(&self) -> usize {
        2
    }

    fn diagnostics(&self, params: &[T], points: &Points<T>) -> Vec<(&'static str, f64)> {
        let v = predict(&self.velocity, &params[..self.velocity.n_params()], points);
        vec![("kinetic_energy", super::kinetic_energy(&v[0], &v[1]))]
    }

    fn diagnostic_names(&self) -> Vec<&'static str> {
        vec!["kinetic_energy"]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::model_of;
    use crate::optim::gradient_error;

    /// Taylor–Green with small networks, few points, and frozen fields set.
    fn fluid(seed: u64) -> Fluid<f64> {
        let p = super::super::bundled(
            "taylor_green_insr",
            &[
                ("hidden = [32, 32, 32, 32]", "hidden = [6, 6]"),
                ("samples = 2000", "samples = 50"),
            ],
        );
        let mut rng = Rng::new(seed);
        let velocity = model_of::<f64>(&p, 2, 2, &mut rng);
        let pressure = model_of::<f64>(&p, 2, 1, &mut rng);
        let mut fluid = Fluid::new(&p, velocity, pressure, &mut rng);
        fluid.frozen_velocity = fluid.velocity.init_params(&mut rng);
        fluid.frozen_pressure = fluid.pressure.init_params(&mut rng);
        fluid
    }

    #[test]
    fn every_phase_has_the_gradient_of_its_loss() {
        let mut fluid = fluid(5);
        let mut rng = Rng::new(5);
        for phase in [
            Phase::Initial,
            Phase::Advect,
            Phase::Pressure,
            Phase::Project,
        ] {
            fluid.set_phase(phase);
            let params = match phase {
                Phase::Pressure => fluid.pressure.init_params(&mut rng),
                _ => fluid.velocity.init_params(&mut rng),
            };
            let mut grad = vec![0.0; params.len()];
            assert!(fluid.value_and_grad(&params, &mut grad) > 0.0, "{phase:?}");
            let worst = gradient_error(&mut fluid, &params, 1e-6, 1e-3);
            assert!(
                worst < 1e-5,
                "{phase:?}: worst relative difference {worst:.2e}"
            );
        }
    }

    #[test]
    fn pressure_targets_are_the_divergence_of_the_frozen_velocity() {
        let mut fluid = fluid(6);
        fluid.set_phase(Phase::Pressure);
        // Central differences of the frozen velocity at the first interior point.
        let (x, y) = (fluid.interior.axis(0)[0], fluid.interior.axis(1)[0]);
        let at = |dx: f64, dy: f64| {
            let pts = Points::new(2, vec![x + dx, y + dy]);
            predict(&fluid.velocity, &fluid.frozen_velocity, &pts)
        };
        let h = 1e-5;
        let div = (at(h, 0.0)[0][0] - at(-h, 0.0)[0][0] + at(0.0, h)[1][0] - at(0.0, -h)[1][0])
            / (2.0 * h);
        assert!(
            (div - fluid.target[0]).abs() < 1e-6 * (1.0 + div.abs()),
            "{div} vs {}",
            fluid.target[0]
        );
    }
}
