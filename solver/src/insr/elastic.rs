//! INSR for elastodynamics (Chen et al., their elasticity solver): the network is the
//! displacement φ of a 2-D body, q = x + φ(x), and each implicit Euler step minimizes the
//! incremental potential over fresh points of the rest shape,
//!   E(φ) = ∫ ρ/(2·dt²)·‖φ − (2φ_n − φ_{n−1})‖² + Ψ(∇φ) − ρ·g·φ dx + Σ_fixed w·mean‖φ − φ_D‖²,
//! with Ψ the stored energy density of the problem file (`[pde] energy`). The parameter
//! vector holds φ_n and φ_{n−1}, so a step (and a resumed run) has the velocity it needs.

use super::jets::{concat, fill_coords, fill_jets, space_time, spread_adjoint, Slot};
use super::solve::{solve, Fresh, SolveReport};
use super::Stepper;
use crate::optim::Objective;
use crate::{predict, predict_partials};
use operators::expr::{Backprop, Inputs, Program};
use operators::{Batched, Field, JetLayout, Model, Partial, Points, Real, Rng};
use problems::spec::{ConditionKind, InsrSpec};
use problems::{BoxDomain, Face, Problem, Sampling};

/// A fixed boundary: displacement values on some faces, as a penalty.
struct Fixed<T: Real> {
    faces: Vec<Face>,
    weight: f64,
    field: usize,
    target: Option<Program>,
    points: Points<T>,
    /// The target's values at the points.
    goal: Vec<T>,
    batch: Batched<T, Model<T>>,
}

struct Scratch<T> {
    x: Vec<T>,
    jets: Vec<T>,
    jets_bar: Vec<T>,
    kernel: Backprop<T>,
    /// The energy's adjoint on the network's outputs.
    spread: Vec<T>,
}

/// The displacement network and the incremental potential of a step.
pub struct Elastic<T: Real> {
    net: Model<T>,
    energy: Program,
    full: JetLayout,
    layout: JetLayout,
    slots: Vec<Slot>,
    space: BoxDomain,
    area: f64,
    density: f64,
    gravity: [f64; 2],
    dt: f64,
    t0: f64,
    initial: Vec<Program>,
    /// Fitting the initial displacement (no inertia, energy or boundaries) or stepping.
    fitting: bool,
    frozen: Vec<T>,
    frozen_before: Vec<T>,
    interior: Points<T>,
    batch: Batched<T, Model<T>, Scratch<T>>,
    previous: Batched<T, Model<T>>,
    before: Batched<T, Model<T>>,
    /// Per point and component: the inertial target 2φ_n − φ_{n−1}, or the initial values.
    target: Vec<T>,
    fixed: Vec<Fixed<T>>,
}

impl<T: Real> Elastic<T> {
    /// The elastic body of problem `p`, its displacement held by `net`.
    pub fn new(p: &Problem, net: Model<T>, rng: &mut Rng) -> Self {
        let insr = p.method.insr().expect("an INSR problem");
        let s = &insr.settings;
        let energy = insr
            .energy
            .clone()
            .expect("an incremental potential has an energy");
        let (full, layout, slots) = space_time(std::slice::from_ref(&energy), 3, 2);
        let space = BoxDomain::new(p.domain.lo[..2].to_vec(), p.domain.hi[..2].to_vec());
        let area = (space.hi[0] - space.lo[0]) * (space.hi[1] - space.lo[1]);
        let n = s.samples;
        let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
        let interior = Points::new(2, vec![T::zero(); 2 * n]);
        let values = JetLayout::value_only(2);
        let fixed = p
            .conditions
            .iter()
            .filter(|c| c.kind == ConditionKind::Dirichlet)
            .map(|c| {
                let points = Points::new(2, vec![T::zero(); 2 * c.points]);
                Fixed {
                    faces: c.faces.clone(),
                    weight: c.weight,
                    field: c.equations[0].partials()[0].0,
                    target: c.target.clone(),
                    batch: Batched::new(&net, values.clone(), &points, chunk),
                    goal: vec![T::zero(); c.points],
                    points,
                }
            })
            .collect();
        let scratch = |m: usize| Scratch {
            x: vec![T::zero(); 3 * m],
            jets: vec![T::zero(); full.len() * m * 2],
            jets_bar: vec![T::zero(); full.len() * m * 2],
            kernel: Backprop::new([&energy], m, 0),
            spread: vec![T::zero(); layout.len() * m * 2],
        };
        let gravity = match s.gravity.as_slice() {
            [gx, gy] => [*gx, *gy],
            _ => [0.0, 0.0],
        };
        let mut elastic = Elastic {
            batch: Batched::with_scratch(&net, layout.clone(), &interior, chunk, scratch),
            previous: Batched::new(&net, values.clone(), &interior, chunk),
            before: Batched::new(&net, values, &interior, chunk),
            frozen: vec![T::zero(); net.n_params()],
            frozen_before: vec![T::zero(); net.n_params()],
            target: vec![T::zero(); 2 * n],
            net,
            energy,
            full,
            layout,
            slots,
            space,
            area,
            density: s.density,
            gravity,
            dt: insr.settings.dt,
            t0: p.domain.lo[2],
            initial: insr.initial.clone(),
            fitting: true,
            interior,
            fixed,
        };
        elastic.draw(rng);
        elastic
    }

    fn draw(&mut self, rng: &mut Rng) {
        let n = self.interior.len();
        self.interior = self.space.sample(n, Sampling::Uniform, rng);
        self.batch.set_points(&self.interior);
        for b in [&mut self.previous, &mut self.before] {
            b.set_points(&self.interior);
        }
        for f in &mut self.fixed {
            let (m, per) = (f.points.len(), f.faces.len());
            let parts: Vec<Points<T>> = f
                .faces
                .iter()
                .enumerate()
                .map(|(k, &face)| {
                    self.space.sample_face(
                        face,
                        m / per + usize::from(k < m % per),
                        Sampling::Uniform,
                        rng,
                    )
                })
                .collect();
            f.points = concat(&parts);
            f.batch.set_points(&f.points);
            if let Some(prog) = &f.target {
                let mut coords = f.points.coords().to_vec();
                coords.extend(std::iter::repeat_n(T::from_f64(self.t0), m));
                f.goal = prog.eval_at_points(&Points::new(3, coords));
            }
        }
        self.set_targets();
    }

    /// The initial values, or the inertial target 2φ_n − φ_{n−1}, at the interior points.
    fn set_targets(&mut self) {
        let n = self.interior.len();
        if self.fitting {
            let mut coords = self.interior.coords().to_vec();
            coords.extend(std::iter::repeat_n(T::from_f64(self.t0), n));
            let points = Points::new(3, coords);
            for (c, u0) in self.initial.iter().enumerate() {
                self.target[c * n..(c + 1) * n].copy_from_slice(&u0.eval_at_points(&points));
            }
            return;
        }
        self.previous.forward(&self.net, &self.frozen);
        self.before.forward(&self.net, &self.frozen_before);
        let chunk = Batched::<T, Model<T>>::DEFAULT_CHUNK;
        for c in 0..self.previous.chunks() {
            let (now, then) = (
                self.previous.chunk_output(&self.net, c),
                self.before.chunk_output(&self.net, c),
            );
            let len = now.len() / 2;
            for f in 0..2 {
                for i in 0..len {
                    let two = T::from_f64(2.0);
                    self.target[f * n + c * chunk + i] = two * now[f * len + i] - then[f * len + i];
                }
            }
        }
    }
}

impl<T: Real> Objective<T> for Elastic<T> {
    fn value_and_grad(&mut self, params: &[T], grad: &mut [T]) -> f64 {
        grad.iter_mut().for_each(|g| *g = T::zero());
        let n = self.interior.len();
        let (target, fitting) = (&self.target, self.fitting);
        let (full, layout, slots, energy) = (&self.full, &self.layout, &self.slots, &self.energy);
        let (interior, time) = (&self.interior, self.t0);
        let mass = self.density / (self.dt * self.dt);
        let (gravity, density, scale) = (self.gravity, self.density, self.area / n as f64);
        let value = self.batch.value_and_grad(
            &self.net,
            params,
            |view, sc, bar| {
                bar.fill(T::zero());
                let m = view.n;
                let mut loss = 0.0;
                if fitting {
                    // Σ_c mean (φ_c − φ0_c)².
                    for c in 0..2 {
                        for i in 0..m {
                            let r = view.jets[c * layout.len() * m + i]
                                - target[c * n + view.offset + i];
                            loss += r.to_f64().powi(2) / n as f64;
                            bar[c * layout.len() * m + i] = T::from_f64(2.0 / n as f64) * r;
                        }
                    }
                    return loss;
                }
                // Inertia and gravity on the values.
                for c in 0..2 {
                    for i in 0..m {
                        let phi = view.jets[c * layout.len() * m + i];
                        let r = (phi - target[c * n + view.offset + i]).to_f64();
                        loss += scale * (0.5 * mass * r * r - density * gravity[c] * phi.to_f64());
                        bar[c * layout.len() * m + i] =
                            T::from_f64(scale * (mass * r - density * gravity[c]));
                    }
                }
                // The stored energy through the expression's adjoint.
                let jets_len = full.len() * m * 2;
                fill_coords(&mut sc.x, interior, view.offset, m, time);
                fill_jets(
                    &mut sc.jets,
                    slots,
                    layout.len(),
                    view.jets,
                    view.jets,
                    None,
                    1.0,
                    1.0,
                    m,
                );
                sc.jets_bar[..jets_len].fill(T::zero());
                let inp = Inputs {
                    n: m,
                    layout: full,
                    jets: &sc.jets[..jets_len],
                    x: &sc.x[..3 * m],
                    params: &[],
                };
                let mut stored = 0.0;
                sc.kernel
                    .run(energy, &inp, &mut sc.jets_bar[..jets_len], |_, e| {
                        stored += e.to_f64();
                        T::from_f64(scale)
                    });
                loss += scale * stored;
                // The energy's adjoint on the outputs adds to inertia's.
                let spread = &mut sc.spread[..layout.len() * m * 2];
                spread_adjoint(
                    spread,
                    &sc.jets_bar[..jets_len],
                    slots,
                    layout.len(),
                    1.0,
                    1.0,
                    m,
                    2,
                );
                bar.iter_mut()
                    .zip(spread.iter())
                    .for_each(|(b, &s)| *b += s);
                loss
            },
            grad,
        );
        if fitting {
            return value;
        }
        let mut total = value;
        for f in &mut self.fixed {
            let (field, w, goal) = (f.field, f.weight / f.points.len() as f64, &f.goal);
            total += f.batch.value_and_grad(
                &self.net,
                params,
                |view, (), bar| {
                    bar.fill(T::zero());
                    let mut loss = 0.0;
                    for i in 0..view.n {
                        let r = view.jets[field * view.n + i] - goal[view.offset + i];
                        loss += w * r.to_f64().powi(2);
                        bar[field * view.n + i] = T::from_f64(2.0 * w) * r;
                    }
                    loss
                },
                grad,
            );
        }
        total
    }
}

impl<T: Real> Fresh<T> for Elastic<T> {
    fn resample(&mut self, rng: &mut Rng) {
        self.draw(rng);
    }
}

/// The quantities followed step by step, in the order [`Stepper::diagnostics`] gives them.
const DIAGNOSTICS: [&str; 5] = [
    "kinetic_energy",
    "stored_energy",
    "gravitational_energy",
    "total_energy",
    "area_ratio",
];

impl<T: Real> Stepper<T> for Elastic<T> {
    /// φ_n, then φ_{n−1}.
    fn n_params(&self) -> usize {
        2 * self.net.n_params()
    }

    fn network_params(&self) -> usize {
        self.net.n_params()
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        let mut params = self.net.init_params(rng);
        params.extend_from_within(..);
        params
    }

    fn initial(
        &mut self,
        params: &mut [T],
        s: &InsrSpec,
        iterations: usize,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        let k = self.net.n_params();
        self.fitting = true;
        self.set_targets();
        let report = solve(self, &mut params[..k], s, iterations, rng)?;
        // At rest: the previous displacement is the initial one.
        params.copy_within(..k, k);
        Ok(report)
    }

    fn step(
        &mut self,
        _n: usize,
        params: &mut [T],
        s: &InsrSpec,
        rng: &mut Rng,
    ) -> Result<SolveReport, String> {
        let k = self.net.n_params();
        self.frozen.copy_from_slice(&params[..k]);
        self.frozen_before.copy_from_slice(&params[k..]);
        self.fitting = false;
        self.set_targets();
        let report = solve(self, &mut params[..k], s, s.iterations, rng)?;
        params[k..].copy_from_slice(&self.frozen);
        Ok(report)
    }

    fn fields(&self, params: &[T], points: &Points<T>) -> Vec<Vec<f64>> {
        predict(&self.net, &params[..self.net.n_params()], points)
    }

    fn compared(&self) -> usize {
        2
    }

    fn deforms(&self) -> bool {
        true
    }

    /// Energies (kinetic, stored, gravitational, their sum) and the area of the deformed
    /// body over the rest area, on `points` spread evenly over the body.
    fn diagnostics(&self, params: &[T], points: &Points<T>) -> Vec<(&'static str, f64)> {
        let k = self.net.n_params();
        let n = points.len();
        let partials: Vec<Partial> = self.layout.slots().to_vec();
        let jets = predict_partials(&self.net, &params[..k], points, &partials);
        let before = predict(&self.net, &params[k..], points);
        let (mut kinetic, mut gravity, mut area) = (0.0, 0.0, 0.0);
        let (sx, sy) = (
            self.layout.slot(&Partial::axis(0)),
            self.layout.slot(&Partial::axis(1)),
        );
        for i in 0..n {
            for c in 0..2 {
                let v = (jets[0][c][i] - before[c][i]) / self.dt;
                kinetic += 0.5 * self.density * v * v;
                gravity -= self.density * self.gravity[c] * jets[0][c][i];
            }
            if let (Some(sx), Some(sy)) = (sx, sy) {
                area += (1.0 + jets[sx][0][i]) * (1.0 + jets[sy][1][i])
                    - jets[sy][0][i] * jets[sx][1][i];
            }
        }
        // The stored energy: the expression on these points' jets.
        let mut x = points
            .coords()
            .iter()
            .map(|v| v.to_f64())
            .collect::<Vec<_>>();
        x.extend(std::iter::repeat_n(self.t0, n));
        let mut flat = vec![0.0; self.full.len() * n * 2];
        for (c, field) in flat.chunks_mut(self.full.len() * n).enumerate() {
            for (s, slot) in self.slots.iter().enumerate() {
                if let Slot::Space(q) = slot {
                    field[s * n..(s + 1) * n].copy_from_slice(&jets[*q][c]);
                }
            }
        }
        let mut regs = vec![0.0; self.energy.registers() * n];
        let inp = Inputs {
            n,
            layout: &self.full,
            jets: &flat,
            x: &x,
            params: &[],
        };
        let stored: f64 = self.energy.eval(&inp, &mut regs).iter().sum();
        let scale = self.area / n as f64;
        let (kinetic, stored, gravity) = (kinetic * scale, stored * scale, gravity * scale);
        let values = [
            kinetic,
            stored,
            gravity,
            kinetic + stored + gravity,
            area / n as f64,
        ];
        DIAGNOSTICS.into_iter().zip(values).collect()
    }

    fn diagnostic_names(&self) -> Vec<&'static str> {
        DIAGNOSTICS.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::model_of;
    use crate::optim::gradient_error;

    /// The elastic bar with a small network and few points.
    fn problem() -> Problem {
        super::super::bundled(
            "elastic_bar_insr",
            &[
                ("hidden = [32, 32, 32]", "hidden = [6, 6]"),
                ("samples = 1000", "samples = 40"),
                ("points = 64", "points = 8"),
            ],
        )
    }

    #[test]
    fn the_incremental_potential_has_its_gradient() {
        let p = problem();
        let mut rng = Rng::new(8);
        let net = model_of::<f64>(&p, 2, 2, &mut rng);
        let mut elastic = Elastic::new(&p, net, &mut rng);
        for fitting in [true, false] {
            elastic.frozen = elastic.net.init_params(&mut rng);
            elastic.frozen_before = elastic.net.init_params(&mut rng);
            elastic.fitting = fitting;
            elastic.set_targets();
            let params = elastic.net.init_params(&mut rng);
            let mut grad = vec![0.0; params.len()];
            let value = elastic.value_and_grad(&params, &mut grad);
            let worst = gradient_error(&mut elastic, &params, 1e-6, 1e-2);
            println!("fitting {fitting}: value {value:.3e}, worst relative difference {worst:.2e}");
            assert!(
                worst < 1e-5,
                "fitting {fitting}: worst relative difference {worst:.2e}"
            );
        }
    }

    #[test]
    fn the_stored_energy_vanishes_for_rigid_motions() {
        // ARAP plus volume: zero for a rotation (u, v) = (R − I)x, positive for a stretch.
        let p = problem();
        let mut rng = Rng::new(9);
        let net = model_of::<f64>(&p, 2, 2, &mut rng);
        let elastic = Elastic::new(&p, net, &mut rng);
        let energy = |f: [f64; 4]| {
            let mut jets = vec![0.0; elastic.full.len() * 2];
            for (s, q) in elastic.full.slots().iter().enumerate() {
                for c in 0..2 {
                    jets[c * elastic.full.len() + s] = match (q.count(0), q.count(1)) {
                        (1, 0) => f[2 * c],
                        (0, 1) => f[2 * c + 1],
                        _ => 0.0,
                    };
                }
            }
            let inp = Inputs {
                n: 1,
                layout: &elastic.full,
                jets: &jets,
                x: &[1.0, 0.5, 0.0],
                params: &[],
            };
            let mut regs = vec![0.0; elastic.energy.registers()];
            elastic.energy.eval(&inp, &mut regs)[0]
        };
        let (c, s) = (0.8f64.cos(), 0.8f64.sin());
        // ∇u = (c − 1, −s), ∇v = (s, c − 1).
        assert!(energy([c - 1.0, -s, s, c - 1.0]).abs() < 1e-9);
        assert!(energy([0.1, 0.0, 0.0, 0.0]) > 1.0);
    }
}
