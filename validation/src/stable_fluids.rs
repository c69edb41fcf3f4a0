//! Stable Fluids (Stam, 1999) for 2-D inviscid flow in a box with free-slip walls: the grid
//! solver INSR's fluid solver is measured against at equal memory (three values, u, v and p,
//! per node). Collocated nodes; each step advects the velocity semi-Lagrangianly (bilinear
//! interpolation at the backtraced points), solves the pressure Poisson equation with
//! Neumann walls by conjugate gradients, and subtracts the pressure gradient.

use crate::grid_advection::GridResult;
use crate::ValidationError;
use problems::{Problem, Reference};
use solver::insr::kinetic_energy;
use solver::relative_l2;
use std::time::Instant;

/// The Taylor–Green run of an INSR splitting problem on `nodes` × `nodes` nodes: the
/// velocity error against the reference and the kinetic energy at the final time.
pub fn solve(p: &Problem, nodes: usize) -> Result<GridResult, ValidationError> {
    let unsupported = |m: &str| ValidationError::Unsupported(format!("stable fluids: {m}"));
    let insr = p
        .method
        .insr()
        .ok_or_else(|| unsupported("an INSR problem gives the time step"))?;
    let Some(Reference::Analytic(exact)) = &p.reference else {
        return Err(unsupported("needs an analytic reference"));
    };
    let start = Instant::now();
    let n = nodes;
    let (lo, hi) = (
        [p.domain.lo[0], p.domain.lo[1]],
        [p.domain.hi[0], p.domain.hi[1]],
    );
    let h = [
        (hi[0] - lo[0]) / (n - 1) as f64,
        (hi[1] - lo[1]) / (n - 1) as f64,
    ];
    let at = |prog: &operators::expr::Program, t: f64| {
        let mut coords = Vec::with_capacity(3 * n * n);
        coords.extend((0..n * n).map(|k| lo[0] + h[0] * (k % n) as f64));
        coords.extend((0..n * n).map(|k| lo[1] + h[1] * (k / n) as f64));
        coords.extend(std::iter::repeat_n(t, n * n));
        prog.eval_at_points(&operators::Points::new(3, coords))
    };
    let (t0, t1) = (p.domain.lo[2], p.domain.hi[2]);
    let mut u = [at(&insr.initial[0], t0), at(&insr.initial[1], t0)];
    let initial_energy = kinetic_energy(&u[0], &u[1]);
    let mut advected = u.clone();
    let mut pressure = vec![0.0; n * n];
    for _ in 0..insr.steps {
        advect(&u, &mut advected, n, lo, hi, h, insr.settings.dt);
        walls(&mut advected, n);
        project(&mut advected, &mut pressure, n, h);
        walls(&mut advected, n);
        std::mem::swap(&mut u, &mut advected);
    }
    let truth = [at(&exact[0], t1), at(&exact[1], t1)];
    Ok(GridResult {
        name: "Stable Fluids (semi-Lagrangian, projection)".into(),
        values: 3 * n * n,
        error: relative_l2(&u.concat(), &truth.concat()),
        wall_s: start.elapsed().as_secs_f64(),
        energy_ratio: Some(kinetic_energy(&u[0], &u[1]) / initial_energy),
    })
}

/// u(x) ← u(clamp(x − dt·u(x))), bilinearly interpolated; `u` is [u, v], x fastest.
fn advect(
    u: &[Vec<f64>; 2],
    out: &mut [Vec<f64>; 2],
    n: usize,
    lo: [f64; 2],
    hi: [f64; 2],
    h: [f64; 2],
    dt: f64,
) {
    for j in 0..n {
        for i in 0..n {
            let k = j * n + i;
            let x = (lo[0] + h[0] * i as f64 - dt * u[0][k]).clamp(lo[0], hi[0]);
            let y = (lo[1] + h[1] * j as f64 - dt * u[1][k]).clamp(lo[1], hi[1]);
            let (fx, fy) = ((x - lo[0]) / h[0], (y - lo[1]) / h[1]);
            let (i0, j0) = (
                (fx.floor() as usize).min(n - 2),
                (fy.floor() as usize).min(n - 2),
            );
            let (a, b) = (fx - i0 as f64, fy - j0 as f64);
            for c in 0..2 {
                let v = |ii: usize, jj: usize| u[c][jj * n + ii];
                out[c][k] = (1.0 - a) * (1.0 - b) * v(i0, j0)
                    + a * (1.0 - b) * v(i0 + 1, j0)
                    + (1.0 - a) * b * v(i0, j0 + 1)
                    + a * b * v(i0 + 1, j0 + 1);
            }
        }
    }
}

/// Free-slip walls: no normal velocity, the tangential one copied from inside.
fn walls(u: &mut [Vec<f64>; 2], n: usize) {
    for m in 0..n {
        let (left, right, bottom, top) = (m * n, m * n + n - 1, m, (n - 1) * n + m);
        u[0][left] = 0.0;
        u[0][right] = 0.0;
        u[1][left] = u[1][left + 1];
        u[1][right] = u[1][right - 1];
        u[1][bottom] = 0.0;
        u[1][top] = 0.0;
        u[0][bottom] = u[0][bottom + n];
        u[0][top] = u[0][top - n];
    }
}

/// u ← u − ∇p with Δp = ∇·u on the interior nodes (walls copy their neighbour: ∂p/∂n = 0);
/// `pressure` is the previous step's, the solve's starting point.
fn project(u: &mut [Vec<f64>; 2], pressure: &mut [f64], n: usize, h: [f64; 2]) {
    let m = n - 2;
    let id = |i: usize, j: usize| (j - 1) * m + (i - 1);
    let mut div = vec![0.0; m * m];
    for j in 1..n - 1 {
        for i in 1..n - 1 {
            let k = j * n + i;
            div[id(i, j)] = (u[0][k + 1] - u[0][k - 1]) / (2.0 * h[0])
                + (u[1][k + n] - u[1][k - n]) / (2.0 * h[1]);
        }
    }
    let mean = div.iter().sum::<f64>() / div.len() as f64;
    div.iter_mut().for_each(|d| *d -= mean);
    // −Δ on the interior nodes, Neumann walls: a graph Laplacian, symmetric semi-definite.
    let neg_laplacian = |p: &[f64], out: &mut [f64]| {
        for j in 1..n - 1 {
            for i in 1..n - 1 {
                let c = p[id(i, j)];
                let mut s = 0.0;
                for (ii, jj, hh) in [
                    (i - 1, j, h[0]),
                    (i + 1, j, h[0]),
                    (i, j - 1, h[1]),
                    (i, j + 1, h[1]),
                ] {
                    if (1..n - 1).contains(&ii) && (1..n - 1).contains(&jj) {
                        s += (c - p[id(ii, jj)]) / (hh * hh);
                    }
                }
                out[id(i, j)] = s;
            }
        }
    };
    // Conjugate gradients on −Δp = −div.
    let mut p: Vec<f64> = (1..n - 1)
        .flat_map(|j| (1..n - 1).map(move |i| (i, j)))
        .map(|(i, j)| pressure[j * n + i])
        .collect();
    let mut r = vec![0.0; m * m];
    neg_laplacian(&p, &mut r);
    r.iter_mut().zip(&div).for_each(|(r, d)| *r = -d - *r);
    let mut d = r.clone();
    let mut ad = vec![0.0; m * m];
    let norm0 = div.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-300);
    let mut rr: f64 = r.iter().map(|v| v * v).sum();
    for _ in 0..4 * m * m {
        if rr.sqrt() <= 1e-10 * norm0 {
            break;
        }
        neg_laplacian(&d, &mut ad);
        let alpha = rr / d.iter().zip(&ad).map(|(a, b)| a * b).sum::<f64>();
        p.iter_mut().zip(&d).for_each(|(p, d)| *p += alpha * d);
        r.iter_mut().zip(&ad).for_each(|(r, a)| *r -= alpha * a);
        let next: f64 = r.iter().map(|v| v * v).sum();
        d.iter_mut()
            .zip(&r)
            .for_each(|(d, r)| *d = r + next / rr * *d);
        rr = next;
    }
    for j in 0..n {
        for i in 0..n {
            let (ii, jj) = (i.clamp(1, n - 2), j.clamp(1, n - 2));
            pressure[j * n + i] = p[id(ii, jj)];
        }
    }
    for j in 1..n - 1 {
        for i in 1..n - 1 {
            let k = j * n + i;
            u[0][k] -= (pressure[k + 1] - pressure[k - 1]) / (2.0 * h[0]);
            u[1][k] -= (pressure[k + n] - pressure[k - n]) / (2.0 * h[1]);
        }
    }
}
