//! Classical grid solvers of 1-D advection u_t + c·u_x = 0 with u = 0 at the inflow: the
//! baselines INSR is measured against at equal memory (as many grid values as network
//! parameters). First-order upwind (substeps at CFL ≤ 1), and semi-Lagrangian steps of the
//! problem's dt with linear or cubic (Lagrange) interpolation at the departure points.

use crate::ValidationError;
use problems::{Problem, Reference};
use solver::relative_l2;
use std::time::Instant;

/// One baseline's result at the final time.
#[derive(Clone, Debug)]
pub struct GridResult {
    pub name: String,
    /// Values held: grid values, or the network's parameters.
    pub values: usize,
    pub error: f64,
    pub wall_s: f64,
    /// Kinetic energy at the final time over the initial one (flows only).
    pub energy_ratio: Option<f64>,
}

/// The three baselines on `nodes` uniform nodes, against the problem's analytic reference at
/// the final time.
pub fn solve_all(p: &Problem, nodes: usize) -> Result<Vec<GridResult>, ValidationError> {
    let unsupported = |m: &str| ValidationError::Unsupported(format!("grid advection: {m}"));
    let insr = p
        .method
        .insr()
        .ok_or_else(|| unsupported("an INSR problem gives the time step"))?;
    let speed = insr
        .speed
        .as_ref()
        .and_then(|s| s.constant())
        .ok_or_else(|| unsupported("needs a constant speed (method.speed)"))?;
    if speed <= 0.0 {
        return Err(unsupported(
            "the inflow is assumed on the left: the speed must be positive",
        ));
    }
    let Some(Reference::Analytic(exact)) = &p.reference else {
        return Err(unsupported("needs an analytic reference"));
    };
    let (lo, hi) = (p.domain.lo[0], p.domain.hi[0]);
    let (t0, t1) = (p.domain.lo[1], p.domain.hi[1]);
    let x: Vec<f64> = (0..nodes)
        .map(|i| lo + (hi - lo) * i as f64 / (nodes - 1) as f64)
        .collect();
    let at = |prog: &operators::expr::Program, t: f64| {
        let mut coords = x.clone();
        coords.extend(std::iter::repeat_n(t, nodes));
        prog.eval_at_points(&operators::Points::new(2, coords))
    };
    let u0 = at(&insr.initial[0], t0);
    let truth = at(&exact[0], t1);
    let h = (hi - lo) / (nodes - 1) as f64;
    let run = |name: &str, solve: &dyn Fn(&mut Vec<f64>)| {
        let start = Instant::now();
        let mut u = u0.clone();
        solve(&mut u);
        GridResult {
            name: name.into(),
            values: nodes,
            error: relative_l2(&u, &truth),
            wall_s: start.elapsed().as_secs_f64(),
            energy_ratio: None,
        }
    };
    let upwind = |u: &mut Vec<f64>| {
        let sub = (speed * insr.settings.dt / h).ceil().max(1.0) as usize;
        let cfl = speed * insr.settings.dt / sub as f64 / h;
        for _ in 0..insr.steps * sub {
            for i in (1..u.len()).rev() {
                u[i] -= cfl * (u[i] - u[i - 1]);
            }
            u[0] = 0.0;
        }
    };
    let semi_lagrangian = |cubic: bool| {
        move |u: &mut Vec<f64>| {
            let shift = speed * insr.settings.dt / h;
            let (whole, a) = (shift.floor() as isize, shift - shift.floor());
            let mut next = vec![0.0; u.len()];
            for _ in 0..insr.steps {
                // The departure point of node i lies between nodes i − whole − 1 and i − whole.
                let value = |j: isize| {
                    if j < 0 || j >= u.len() as isize {
                        0.0
                    } else {
                        u[j as usize]
                    }
                };
                for (i, v) in next.iter_mut().enumerate() {
                    let j = i as isize - whole - 1;
                    let s = 1.0 - a; // position past node j, in cells
                    *v = if cubic {
                        let w = [
                            -s * (s - 1.0) * (s - 2.0) / 6.0,
                            (s + 1.0) * (s - 1.0) * (s - 2.0) / 2.0,
                            -(s + 1.0) * s * (s - 2.0) / 2.0,
                            (s + 1.0) * s * (s - 1.0) / 6.0,
                        ];
                        (0..4).map(|k| w[k] * value(j - 1 + k as isize)).sum()
                    } else {
                        (1.0 - s) * value(j) + s * value(j + 1)
                    };
                }
                std::mem::swap(u, &mut next);
            }
        }
    };
    Ok(vec![
        run("upwind (first order)", &upwind),
        run("semi-Lagrangian, linear", &semi_lagrangian(false)),
        run("semi-Lagrangian, cubic", &semi_lagrangian(true)),
    ])
}
