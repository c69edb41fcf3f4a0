//! The hard-constraint layer: the solution u = Σ_k w_k φ_k whose coefficients w minimize the
//! residuals of the PDE and its conditions on constraint points, found by Levenberg–Marquardt
//! (in f64) and differentiated by the implicit function theorem (methods.md §E).
//!
//! The basis functions φ_k are the outputs of a network; their jets at the constraint points
//! are fixed while w is solved for, so every residual is an expression of u's jets, each of
//! which is linear in w. The Jacobian rows are `Σ_c ∂P/∂u_c · φ_k,c`, with ∂P/∂u_c from the
//! expression's own reverse mode.

mod dense;
mod linearization;
mod rows;

pub(super) use linearization::combine;
pub use rows::Rows;

use dense::{solve_square_in_place, QrSolver};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use linearization::{exact_hessian, gradient, half_square, norm, normal_matrix, Linearization};

/// Settings of the Levenberg–Marquardt solve.
#[derive(Clone, Debug, PartialEq)]
pub struct LmSettings {
    /// Most Levenberg–Marquardt iterations per solve.
    pub max_iterations: usize,
    /// Hand over to Newton's method when a step changes w by less than
    /// `tolerance·(‖w‖ + tolerance)`, or the cost by less than `tolerance` relative to it;
    /// 100 times tighter (down to 1e-10) each time Newton's method does not settle.
    pub tolerance: f64,
    /// Coefficient of the ridge rows `ridge·w`, which keep the normal equations definite.
    pub ridge: f64,
}

impl Default for LmSettings {
    /// The paper's settings for diffusion–sorption: 100 iterations, ridge 1e-4; a tighter
    /// tolerance than its 1e-4 before the Newton finish, which then takes two to five steps
    /// to reach the optimum to rounding (the implicit gradient is only as good as the optimum).
    /// Gauss–Newton converges only linearly on residuals that do not vanish, so handing over
    /// early pays where Newton's method settles. On diffusion–sorption (1,000 steps, 2
    /// threads) it settled from 1e-6 in three of four solves of four experts and in one of
    /// twenty global solves; a step took 5.4 ms with four experts and 10.8 ms with one,
    /// against 7.4 and 12.5 ms when every solve went on to 1e-10.
    fn default() -> Self {
        LmSettings {
            max_iterations: 100,
            tolerance: 1e-6,
            ridge: 1e-4,
        }
    }
}

/// Why a solve stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LmStop {
    /// The step or the cost decrease fell below the hand-over tolerance and Newton's method
    /// settled, or Gauss–Newton reached the last hand-over (1e-10).
    Converged,
    /// The iteration limit was reached.
    MaxIterations,
    /// No damping made the cost decrease (the cost is at a minimum to rounding).
    NoDescent,
}

/// The optimal coefficients and how they were found.
#[derive(Clone, Debug, PartialEq)]
pub struct LmSolution {
    /// The coefficients.
    pub w: Vec<f64>,
    /// ½‖R(w)‖², ridge rows included.
    pub cost: f64,
    /// Iterations taken.
    pub iterations: usize,
    /// Why the solve ended.
    pub stop: LmStop,
}

/// The Levenberg–Marquardt step δ = argmin ‖J·δ + R‖² + μ·Σ_k H_kk·δ_k², by a QR
/// factorization of J stacked on the damping rows (no normal equations, so the step keeps
/// the accuracy of J's conditioning rather than its square). The step is `qr.b[..nb]`.
fn damped_step(lin: &Linearization, h: &Mat<f64>, mu: f64, qr: &mut QrSolver) -> bool {
    let (m, nb) = (lin.j.nrows(), lin.j.ncols());
    qr.a.as_mut().submatrix_mut(0, 0, m, nb).copy_from(&lin.j);
    qr.a.as_mut().submatrix_mut(m, 0, nb, nb).fill(0.0);
    for k in 0..nb {
        qr.a[(m + k, k)] = (mu * h[(k, k)]).sqrt();
    }
    qr.b[..m].iter_mut().zip(&lin.r).for_each(|(b, r)| *b = -r);
    qr.b[m..].fill(0.0);
    qr.solve();
    qr.b[..nb].iter().all(|v| v.is_finite())
}

/// w* = argmin ½‖R(w)‖² from `w0`, by Levenberg–Marquardt with Marquardt's scaling
/// (damping μ·diag(JᵀJ)), a step accepted when it lowers the cost; then Newton's method.
pub fn solve(rows: &[Rows<'_>], w0: &[f64], settings: &LmSettings) -> LmSolution {
    let nb = w0.len();
    let mut w = w0.to_vec();
    let mut lin = Linearization::at(rows, &w, settings.ridge);
    let mut trial_lin = Linearization::new(rows, nb);
    let mut qr = QrSolver::new(lin.j.nrows() + nb, nb);
    let mut cost = half_square(&lin.r);
    let mut mu = 1e-3;
    let mut handover = settings.tolerance;
    for iteration in 1..=settings.max_iterations {
        let h = normal_matrix(&lin.j);
        // Raise the damping until a step lowers the cost.
        let accepted = loop {
            if damped_step(&lin, &h, mu, &mut qr) {
                let step = &qr.b[..nb];
                let trial: Vec<f64> = w.iter().zip(step).map(|(a, b)| a + b).collect();
                trial_lin.update(rows, &trial, settings.ridge);
                let trial_cost = half_square(&trial_lin.r);
                if trial_cost <= cost {
                    break Some((trial, trial_cost, norm(step)));
                }
            }
            mu *= 10.0;
            if mu > 1e16 {
                break None;
            }
        };
        let Some((trial, trial_cost, step_norm)) = accepted else {
            return LmSolution {
                w,
                cost,
                iterations: iteration,
                stop: LmStop::NoDescent,
            };
        };
        let decrease = cost - trial_cost;
        w = trial;
        cost = trial_cost;
        mu = (mu / 10.0).max(1e-12);
        std::mem::swap(&mut lin, &mut trial_lin);
        if step_norm <= handover * (norm(&w) + handover) || decrease <= handover * cost {
            let settled = polish(rows, &mut w, &mut lin, &mut trial_lin, settings.ridge);
            cost = half_square(&lin.r);
            if settled || handover <= LAST_HANDOVER {
                return LmSolution {
                    w,
                    cost,
                    iterations: iteration,
                    stop: LmStop::Converged,
                };
            }
            handover *= 1e-2;
        }
    }
    LmSolution {
        w,
        cost,
        iterations: settings.max_iterations,
        stop: LmStop::MaxIterations,
    }
}

/// At most this many Newton steps finish a solve; they stop earlier, at rounding.
const POLISH_STEPS: usize = 6;

/// A Newton step this small relative to w means w is the optimum to within what the
/// implicit gradient needs. Measured on diffusion–sorption, the last step of a Newton finish
/// that converges is 1e-11 to 1e-13 of ‖w‖; one started too far away jumps by 1e-3 to 1e-1.
const SETTLED: f64 = 1e-8;

/// The hand-over tolerance below which Gauss–Newton's own point is taken even when Newton
/// cannot improve it (the tolerance it used to run to before every finish).
const LAST_HANDOVER: f64 = 1e-10;

/// Newton steps with the exact Hessian from a point Levenberg–Marquardt has converged to
/// (`lin`, linearized at `w`; `trial` is scratch), each kept only if it shrinks the gradient
/// without raising the cost (beyond rounding: a Newton step also heads for maxima and
/// saddles, where the gradient vanishes too): Gauss–Newton converges only linearly when the
/// residuals do not vanish, and the implicit gradient needs JᵀR = 0 to rounding. Leaves `lin` linearized at the final `w`, and says
/// whether w settled (its last Newton step was below `SETTLED`·‖w‖); when not, the Hessian
/// was not yet the one of a nearby minimum, and Gauss–Newton must go on.
fn polish(
    rows: &[Rows<'_>],
    w: &mut Vec<f64>,
    lin: &mut Linearization,
    trial: &mut Linearization,
    ridge: f64,
) -> bool {
    let mut g = gradient(lin);
    let mut cost = half_square(&lin.r);
    let mut settled = false;
    for _ in 0..POLISH_STEPS {
        let mut step: Vec<f64> = g.iter().map(|v| -v).collect();
        solve_square_in_place(exact_hessian(rows, lin, w.len()), &mut step);
        settled = norm(&step) <= SETTLED * norm(w);
        let trial_w: Vec<f64> = w.iter().zip(&step).map(|(a, b)| a + b).collect();
        trial.update(rows, &trial_w, ridge);
        let (trial_g, trial_cost) = (gradient(trial), half_square(&trial.r));
        // A NaN gradient norm or cost fails these tests too.
        let shrinks = norm(&trial_g) < norm(&g);
        if !(shrinks && trial_cost <= cost * (1.0 + 1e-12)) {
            break;
        }
        (*w, g, cost) = (trial_w, trial_g, trial_cost);
        std::mem::swap(lin, trial);
    }
    settled
}

/// The reverse mode of [`solve`] by the implicit function theorem: given w̄ = ∂L/∂w*, adds
/// ∂L/∂φ (through w*) to `basis_bar[s]`, shaped like row set s's `basis`.
///
/// At the optimum g(w*, φ) = JᵀR = 0, so dw*/dφ = −H⁻¹·∂g/∂φ with H = ∂g/∂w the exact
/// Hessian of ½‖R‖² (JᵀJ plus Σ r_i·∇²r_i, from Hessian-vector products of the residual
/// expressions): one N×N solve H·λ = w̄, then φ̄ −= ∂(λᵀJᵀR)/∂φ.
pub fn backward(
    rows: &[Rows<'_>],
    w: &[f64],
    w_bar: &[f64],
    ridge: f64,
    basis_bar: &mut [&mut [f64]],
) {
    let nb = w.len();
    let lin = Linearization::at(rows, w, ridge);
    let h = exact_hessian(rows, &lin, nb);
    let mut lambda = w_bar.to_vec();
    solve_square_in_place(h, &mut lambda);
    // J·λ, one value per residual row.
    let mut j_lambda = vec![0.0; lin.r.len()];
    matmul(
        MatMut::from_column_major_slice_mut(&mut j_lambda, lin.r.len(), 1),
        Accum::Replace,
        lin.j.as_ref(),
        MatRef::from_column_major_slice(&lambda, nb, 1),
        1.0,
        Par::Seq,
    );
    let mut offset = 0;
    for ((set, tape), bar) in rows.iter().zip(&lin.sets).zip(basis_bar.iter_mut()) {
        let (n, slots, s) = (set.n(), set.layout.len(), set.scale());
        let a = &tape.partials;
        // The direction Φ·λ in u's jets, and the curvature of P along it.
        let mut v = vec![0.0; slots * n];
        matmul(
            MatMut::from_column_major_slice_mut(&mut v, slots * n, 1),
            Accum::Replace,
            MatRef::from_column_major_slice(set.basis, slots * n, nb),
            MatRef::from_column_major_slice(&lambda, nb, 1),
            1.0,
            Par::Seq,
        );
        let hv = tape.hessian_times(set, &v);
        // ∂(λᵀJᵀR)/∂φ_k,c(x_i) = s·[∂P/∂u_c·(λ_k·r_i + (Jλ)_i·w_k) + r_i·(∂²P/∂u²·Φλ)_c·w_k].
        for k in 0..nb {
            let bar_k = &mut bar[k * slots * n..(k + 1) * slots * n];
            for i in 0..n {
                let (ri, jl) = (lin.r[offset + i], j_lambda[offset + i]);
                let first = s * (lambda[k] * ri + jl * w[k]);
                let second = s * ri * w[k];
                for c in 0..slots {
                    bar_k[c * n + i] -= first * a[c * n + i] + second * hv[c * n + i];
                }
            }
        }
        offset += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use operators::expr::Program;
    use operators::expr::Symbols;
    use operators::JetLayout;

    /// Regression: the Newton finish kept any step that shrank the gradient, so from a point
    /// where the Hessian is negative it climbed to the maximum. Here R(w) = w² − 1 at four
    /// points (one basis function, φ = 1): at w = 0.3 the cost ½Σ(w² − 1)² curves down, and
    /// Newton's step goes to w = 0, where the gradient vanishes and the cost is highest.
    #[test]
    fn newton_finish_does_not_climb_to_a_maximum() {
        let symbols = Symbols {
            coords: vec!["x".into()],
            time_axis: None,
            fields: vec!["u".into()],
            constants: vec![],
            trainable: vec![],
        };
        let program = Program::compile("u*u - 1", &symbols).unwrap();
        let layout = JetLayout::value_only(1);
        let (x, basis) = ([0.1, 0.4, 0.6, 0.9], [1.0; 4]);
        let rows = [Rows {
            program: &program,
            layout: &layout,
            x: &x,
            basis: &basis,
            target: None,
            offset: None,
            weight: 1.0,
        }];
        let ridge = 1e-4;
        let mut w = vec![0.3];
        let mut lin = Linearization::at(&rows, &w, ridge);
        let mut trial = Linearization::new(&rows, 1);
        let before = half_square(&lin.r);
        let settled = polish(&rows, &mut w, &mut lin, &mut trial, ridge);
        assert!(!settled, "w = {w:?}");
        assert!(
            half_square(&lin.r) <= before,
            "the cost rose to {}",
            half_square(&lin.r)
        );
        // Gauss–Newton goes on until Newton's method settles at the minimum w = 1.
        let settings = LmSettings {
            tolerance: 0.5,
            ..Default::default()
        };
        let sol = solve(&rows, &[0.3], &settings);
        assert_eq!(sol.stop, LmStop::Converged);
        assert!((sol.w[0] - 1.0).abs() < 1e-6, "{sol:?}");
    }
}
