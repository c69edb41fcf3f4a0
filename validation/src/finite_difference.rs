//! Finite-difference reference solver for 1-D problems u_t + F(u, u_x, u_xx, x, t) = 0 on an
//! interval: method of lines on a uniform node grid (second-order central differences, a
//! ghost node for each derivative condition), BDF2 in time (backward Euler for the first
//! step), Newton on the tridiagonal Jacobian that the residual program's adjoint gives. Stiff
//! and nonlinear problems (diffusion–sorption, with its singular retardation factor) are
//! stepped stably; accuracy comes from fine grids and small steps.

use crate::evolution::{output_times, Evolution, Solution};
use crate::ValidationError;
use problems::spec::ConditionKind;
use problems::Problem;
use serde::Deserialize;

/// Resolution of a finite-difference reference.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FdSettings {
    /// Grid nodes, both ends included.
    pub points: usize,
    /// Largest time step.
    pub dt: f64,
    /// Output times, evenly spaced over the problem's time interval, both ends included.
    #[serde(default = "default_snapshots")]
    pub snapshots: usize,
}

fn default_snapshots() -> usize {
    101
}

/// a·u + b·∂u/∂n = g at one end, n the outward normal: Dirichlet b = 0, Neumann a = 0, else
/// Robin (diffusion–sorption's outflow u = D·u_x is a = 1, b = -D, g = 0 on the right).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EndCondition {
    pub a: f64,
    pub b: f64,
    #[serde(default)]
    pub g: f64,
}

/// The end conditions a problem file states: constant Dirichlet or Neumann values on `left`
/// and `right`.
pub fn end_conditions(p: &Problem) -> Result<[EndCondition; 2], ValidationError> {
    let mut ends = [None, None];
    for c in &p.conditions {
        let (a, b) = match c.kind {
            ConditionKind::Dirichlet => (1.0, 0.0),
            ConditionKind::Neumann => (0.0, 1.0),
            _ => continue,
        };
        let g = match &c.target {
            None => 0.0,
            Some(t) => t.constant().ok_or_else(|| {
                ValidationError::Unsupported(format!(
                    "finite-difference solver: boundary value `{}` must be a constant",
                    t.source()
                ))
            })?,
        };
        for face in &c.faces {
            ends[usize::from(face.upper)] = Some(EndCondition { a, b, g });
        }
    }
    match ends {
        [Some(l), Some(r)] => Ok([l, r]),
        _ => Err(ValidationError::Unsupported(
            "finite-difference solver: the problem needs a Dirichlet or Neumann condition at both ends"
                .into(),
        )),
    }
}

/// Solves a 1-D problem (axes x, t; one field) with the given end conditions.
pub fn solve(
    p: &Problem,
    s: &FdSettings,
    ends: [EndCondition; 2],
) -> Result<Solution, ValidationError> {
    let unsupported =
        |m: String| ValidationError::Unsupported(format!("finite-difference solver: {m}"));
    if s.points < 5 || s.dt <= 0.0 || s.snapshots < 2 {
        return Err(unsupported(
            "points at least 5, dt positive, snapshots at least 2".into(),
        ));
    }
    if ends.iter().any(|e| e.a == 0.0 && e.b == 0.0) {
        return Err(unsupported("an end condition with a = b = 0".into()));
    }
    let (lo, hi) = (p.domain.lo[0], p.domain.hi[0]);
    let n = s.points;
    let x: Vec<f64> = (0..n)
        .map(|j| lo + (hi - lo) * j as f64 / (n - 1) as f64)
        .collect();
    let evolution =
        Evolution::new(p, x.clone()).map_err(|e| e.in_solver("finite-difference solver"))?;
    if let Some((_, m)) = evolution.orders().find(|&(_, m)| m > 2) {
        return Err(unsupported(format!(
            "`{}` reads an order-{m} x-derivative; at most u_xx",
            evolution.source()
        )));
    }
    let u0 = Evolution::initial_value(p, &x)?;
    let (t, substeps, h) = output_times(p, s.snapshots, s.dt);
    let mut stepper = Bdf2 {
        grid: Grid {
            dx: (hi - lo) / (n - 1) as f64,
            ends,
        },
        evolution,
        previous: None,
        lower: vec![0.0; n],
        diagonal: vec![0.0; n],
        upper: vec![0.0; n],
        rhs: vec![0.0; n],
    };
    stepper.grid.fill(&mut stepper.evolution, &u0);
    stepper
        .evolution
        .check_first_order_in_time(t[0])
        .map_err(|e| e.in_solver("finite-difference solver"))?;

    let mut u = u0.clone();
    let mut current = u0;
    let mut time = t[0];
    for &next in &t[1..] {
        for _ in 0..substeps {
            current = stepper.step(current, time + h, h).ok_or_else(|| {
                unsupported(format!(
                    "Newton did not converge at t = {:.6}; use a smaller dt or more points",
                    time + h
                ))
            })?;
            time += h;
        }
        time = next;
        u.extend_from_slice(&current);
    }
    Ok(Solution { x, t, u })
}

/// The node grid's spacing and end conditions: jets from nodal values, ghost nodes.
struct Grid {
    dx: f64,
    ends: [EndCondition; 2],
}

impl Grid {
    /// The ghost values beyond each end, from the end conditions by a central difference.
    fn ghosts(&self, w: &[f64]) -> (f64, f64) {
        let n = w.len();
        let ghost = |end: &EndCondition, at: f64, inner: f64| {
            if end.b == 0.0 {
                // Dirichlet: the end value is an equation of its own; any ghost will do.
                2.0 * at - inner
            } else {
                // a·u + b·(u_ghost - u_inner)/(2dx) = g.
                inner + 2.0 * self.dx * (end.g - end.a * at) / end.b
            }
        };
        (
            ghost(&self.ends[0], w[0], w[1]),
            ghost(&self.ends[1], w[n - 1], w[n - 2]),
        )
    }

    /// u, u_x, u_xx at every node into the evolution's slots.
    fn fill(&self, e: &mut Evolution, w: &[f64]) {
        let n = w.len();
        let (left, right) = self.ghosts(w);
        let at = |j: isize| -> f64 {
            match j {
                -1 => left,
                j if j as usize == n => right,
                j => w[j as usize],
            }
        };
        let slots: Vec<(usize, usize)> = e.orders().collect();
        for (slot, m) in slots {
            let out = e.slot_mut(slot);
            for (j, o) in out.iter_mut().enumerate() {
                let j = j as isize;
                *o = match m {
                    0 => at(j),
                    1 => (at(j + 1) - at(j - 1)) / (2.0 * self.dx),
                    _ => (at(j + 1) - 2.0 * at(j) + at(j - 1)) / (self.dx * self.dx),
                };
            }
        }
    }
}

/// BDF2 with Newton iterations; the tridiagonal system lives in `lower`, `diagonal`, `upper`.
struct Bdf2 {
    grid: Grid,
    evolution: Evolution,
    /// The state one step back (None before the first step: backward Euler).
    previous: Option<Vec<f64>>,
    lower: Vec<f64>,
    diagonal: Vec<f64>,
    upper: Vec<f64>,
    rhs: Vec<f64>,
}

impl Bdf2 {
    /// The state at `t` from `current` at t - h (equal steps). Index loops: the three
    /// diagonals and the Jacobian rows move in step.
    #[allow(clippy::needless_range_loop)]
    fn step(&mut self, current: Vec<f64>, t: f64, h: f64) -> Option<Vec<f64>> {
        let n = current.len();
        let dx = self.grid.dx;
        // G(w) = c·w + r + F(w): BDF2 c = 3/(2h), r = (u_{n-1} - 4u_n)/(2h); Euler c = 1/h.
        let (c, r): (f64, Vec<f64>) = match &self.previous {
            Some(prev) => (
                1.5 / h,
                current
                    .iter()
                    .zip(prev)
                    .map(|(u, v)| (v - 4.0 * u) / (2.0 * h))
                    .collect(),
            ),
            None => (1.0 / h, current.iter().map(|u| -u / h).collect()),
        };
        let mut w = current.clone();
        let slots: Vec<(usize, usize)> = self.evolution.orders().collect();
        for _ in 0..30 {
            self.grid.fill(&mut self.evolution, &w);
            let (f, jac) = self.evolution.value_and_jacobian(t);
            // Per node: ∂F_j/∂w_{j-1}, ∂F_j/∂w_j, ∂F_j/∂w_{j+1} from ∂F/∂(u, u_x, u_xx).
            self.lower.fill(0.0);
            self.diagonal.fill(c);
            self.upper.fill(0.0);
            for &(slot, m) in &slots {
                let d = &jac[slot * n..(slot + 1) * n];
                let (cm, c0, cp) = match m {
                    0 => (0.0, 1.0, 0.0),
                    1 => (-0.5 / dx, 0.0, 0.5 / dx),
                    _ => (1.0 / (dx * dx), -2.0 / (dx * dx), 1.0 / (dx * dx)),
                };
                for j in 0..n {
                    self.lower[j] += d[j] * cm;
                    self.diagonal[j] += d[j] * c0;
                    self.upper[j] += d[j] * cp;
                }
            }
            for j in 0..n {
                self.rhs[j] = -(c * w[j] + r[j] + f[j]);
            }
            // The ghosts' dependence on the end values; Dirichlet ends are equations a·u = g.
            for (end, j) in self.grid.ends.iter().zip([0, n - 1]) {
                let ghost_weight = if j == 0 {
                    self.lower[0]
                } else {
                    self.upper[n - 1]
                };
                if end.b == 0.0 {
                    self.lower[j] = 0.0;
                    self.upper[j] = 0.0;
                    self.diagonal[j] = end.a;
                    self.rhs[j] = end.g - end.a * w[j];
                } else {
                    self.diagonal[j] += ghost_weight * (-2.0 * dx * end.a / end.b);
                    if j == 0 {
                        self.upper[0] += ghost_weight;
                    } else {
                        self.lower[n - 1] += ghost_weight;
                    }
                }
            }
            self.lower[0] = 0.0;
            self.upper[n - 1] = 0.0;
            solve_tridiagonal(&self.lower, &mut self.diagonal, &self.upper, &mut self.rhs);
            let scale = w.iter().fold(1.0f64, |m, v| m.max(v.abs()));
            let change = self.rhs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            for (wj, dj) in w.iter_mut().zip(&self.rhs) {
                *wj += dj;
            }
            if !change.is_finite() {
                return None;
            }
            if change <= 1e-12 * scale {
                self.previous = Some(current);
                return Some(w);
            }
        }
        None
    }
}

/// Thomas' algorithm: solves the tridiagonal system in place (`rhs` becomes the solution).
/// Without pivoting: the BDF term c·I makes the systems here diagonally dominant.
fn solve_tridiagonal(lower: &[f64], diagonal: &mut [f64], upper: &[f64], rhs: &mut [f64]) {
    let n = rhs.len();
    for j in 1..n {
        let m = lower[j] / diagonal[j - 1];
        diagonal[j] -= m * upper[j - 1];
        rhs[j] -= m * rhs[j - 1];
    }
    rhs[n - 1] /= diagonal[n - 1];
    for j in (0..n - 1).rev() {
        rhs[j] = (rhs[j] - upper[j] * rhs[j + 1]) / diagonal[j];
    }
}
