//! The hard-constraint layer: the solution u = Σ_k w_k φ_k whose coefficients w minimize the
//! residuals of the PDE and its conditions on constraint points, found by Levenberg–Marquardt
//! (in f64) and differentiated by the implicit function theorem (methods.md §E).
//!
//! The basis functions φ_k are the outputs of a network; their jets at the constraint points
//! are fixed while w is solved for, so every residual is an expression of u's jets, each of
//! which is linear in w. The Jacobian rows are `Σ_c ∂P/∂u_c · φ_k,c`, with ∂P/∂u_c from the
//! expression's own reverse mode.

use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use operators::expr::{Inputs, Program};
use operators::JetLayout;

/// One set of residual rows, `√(weight/n)·(P(u)(x_i) − target_i)` at n points.
pub struct Rows<'a> {
    /// An expression of u's jets (field 0), coordinates and numbers.
    pub program: &'a Program,
    pub layout: &'a JetLayout,
    /// The points, `n × dims` column-major.
    pub x: &'a [f64],
    /// Jets of the N basis functions at the points: `layout.len()·n × N` column-major.
    pub basis: &'a [f64],
    /// Values P should take (zero when absent).
    pub target: Option<&'a [f64]>,
    /// Jets of u that do not depend on w (an ansatz's fixed part): u = offset + Φ·w.
    pub offset: Option<&'a [f64]>,
    pub weight: f64,
}

impl Rows<'_> {
    fn n(&self) -> usize {
        self.x.len() / self.layout.dims()
    }

    fn scale(&self) -> f64 {
        (self.weight / self.n().max(1) as f64).sqrt()
    }

    /// What the expression reads at these points, with u's jets `u`.
    fn inputs<'u>(&'u self, u: &'u [f64]) -> Inputs<'u, f64> {
        Inputs {
            n: self.n(),
            layout: self.layout,
            jets: u,
            x: self.x,
            params: &[],
        }
    }
}

/// Settings of the Levenberg–Marquardt solve.
#[derive(Clone, Debug, PartialEq)]
pub struct LmSettings {
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
    MaxIterations,
    /// No damping made the cost decrease (the cost is at a minimum to rounding).
    NoDescent,
}

/// The optimal coefficients and how they were found.
#[derive(Clone, Debug, PartialEq)]
pub struct LmSolution {
    pub w: Vec<f64>,
    /// ½‖R(w)‖², ridge rows included.
    pub cost: f64,
    pub iterations: usize,
    pub stop: LmStop,
}

/// R(w) and its Jacobian ∂R/∂w (ridge rows last), with what each row set's expression left
/// for second derivatives. Its buffers are kept from one w to the next: a solve moves w many
/// times, and buffers this size would go back to the system and fault in again each time.
struct Linearization {
    r: Vec<f64>,
    j: Mat<f64>,
    sets: Vec<SetTape>,
}

/// One row set's expression at w: u's jets, the registers and adjoints of P, and the
/// per-point partials ∂P/∂u_c (`layout.len()·n`).
struct SetTape {
    u: Vec<f64>,
    regs: Vec<f64>,
    bars: Vec<f64>,
    partials: Vec<f64>,
    /// The adjoint's seed, 1 at every point.
    ones: Vec<f64>,
}

impl SetTape {
    /// Per point, ∂²P/∂u² · v for a direction `v` in u's jets (`layout.len()·n`).
    fn hessian_times(&self, set: &Rows<'_>, v: &[f64]) -> Vec<f64> {
        let inp = set.inputs(&self.u);
        let mut dregs = vec![0.0; self.regs.len()];
        let mut dbars = vec![0.0; self.regs.len()];
        let mut hv = vec![0.0; v.len()];
        set.program.adjoint_tangent(
            &inp, &self.regs, &self.bars, v, &mut dregs, &mut dbars, &mut hv,
        );
        hv
    }
}

/// u = offset + Φ·w, the jets of u at a row set's points, for a basis `Φ` of
/// `u.len() × w.len()`.
pub(super) fn combine(basis: &[f64], w: &[f64], offset: Option<&[f64]>, u: &mut [f64]) {
    let (len, nb) = (u.len(), w.len());
    matmul(
        MatMut::from_column_major_slice_mut(u, len, 1),
        Accum::Replace,
        MatRef::from_column_major_slice(basis, len, nb),
        MatRef::from_column_major_slice(w, nb, 1),
        1.0,
        Par::Seq,
    );
    if let Some(offset) = offset {
        u.iter_mut().zip(offset).for_each(|(u, o)| *u += o);
    }
}

fn rows_total(rows: &[Rows<'_>], n_basis: usize) -> usize {
    rows.iter().map(Rows::n).sum::<usize>() + n_basis
}

impl Linearization {
    /// Buffers for `rows` with `nb` basis functions.
    fn new(rows: &[Rows<'_>], nb: usize) -> Self {
        let sets = rows
            .iter()
            .map(|set| {
                let (n, slots, registers) = (set.n(), set.layout.len(), set.program.registers());
                SetTape {
                    u: vec![0.0; slots * n],
                    regs: vec![0.0; registers * n],
                    bars: vec![0.0; registers * n],
                    partials: vec![0.0; slots * n],
                    ones: vec![1.0; n],
                }
            })
            .collect();
        let m = rows_total(rows, nb);
        Linearization {
            r: vec![0.0; m],
            j: Mat::zeros(m, nb),
            sets,
        }
    }

    /// R and J at w.
    fn at(rows: &[Rows<'_>], w: &[f64], ridge: f64) -> Self {
        let mut lin = Linearization::new(rows, w.len());
        lin.update(rows, w, ridge);
        lin
    }

    /// Evaluates R and J at w.
    fn update(&mut self, rows: &[Rows<'_>], w: &[f64], ridge: f64) {
        let nb = w.len();
        let mut offset = 0;
        self.j.fill(0.0);
        for (set, tape) in rows.iter().zip(&mut self.sets) {
            let n = set.n();
            let slots = set.layout.len();
            let s = set.scale();
            combine(set.basis, w, set.offset, &mut tape.u);
            let inp = set.inputs(&tape.u);
            let values = set.program.eval(&inp, &mut tape.regs);
            for (i, &v) in values.iter().enumerate() {
                let t = set.target.map_or(0.0, |t| t[i]);
                self.r[offset + i] = s * (v - t);
            }
            let a = &mut tape.partials;
            a.fill(0.0);
            set.program
                .adjoint(&inp, &tape.regs, &tape.ones, &mut tape.bars, a, &mut []);
            for k in 0..nb {
                let phi = &set.basis[k * slots * n..(k + 1) * slots * n];
                let col = self
                    .j
                    .col_mut(k)
                    .try_as_col_major_mut()
                    .expect("contiguous");
                let col = &mut col.as_slice_mut()[offset..offset + n];
                for (a, phi) in a.chunks(n).zip(phi.chunks(n)) {
                    for ((j, a), phi) in col.iter_mut().zip(a).zip(phi) {
                        *j += s * a * phi;
                    }
                }
            }
            offset += n;
        }
        for (k, &wk) in w.iter().enumerate() {
            self.r[offset + k] = ridge * wk;
            self.j[(offset + k, k)] = ridge;
        }
    }
}

/// argmin ‖A·x − b‖ by Householder QR on the calling thread (the experts are already solved
/// in parallel, and faer's default would split these small factorizations across the thread
/// pool again), with its memory kept for the next system of the same shape.
struct QrSolver {
    /// A, filled by the caller; overwritten by the factorization.
    a: Mat<f64>,
    /// b, filled by the caller; its first `a.ncols()` entries become x.
    b: Vec<f64>,
    coeff: Mat<f64>,
    r: Mat<f64>,
    buffer: faer::dyn_stack::MemBuffer,
}

impl QrSolver {
    fn new(m: usize, n: usize) -> Self {
        use faer::linalg::qr::no_pivoting::{factor, solve};
        let block = factor::recommended_block_size::<f64>(m, n);
        let scratch =
            factor::qr_in_place_scratch::<f64>(m, n, block, Par::Seq, Default::default()).or(
                solve::solve_lstsq_in_place_scratch::<f64>(m, n, block, 1, Par::Seq),
            );
        QrSolver {
            a: Mat::zeros(m, n),
            b: vec![0.0; m],
            coeff: Mat::zeros(block, n),
            r: Mat::zeros(n, n),
            buffer: faer::dyn_stack::MemBuffer::new(scratch),
        }
    }

    /// Solves for x in `b`. faer's QR treats a column whose remaining norm is within rounding
    /// of zero as dependent, which leaves infinite entries: callers check.
    fn solve(&mut self) {
        use faer::linalg::qr::no_pivoting::{factor, solve};
        let n = self.a.ncols();
        let stack = faer::dyn_stack::MemStack::new(&mut self.buffer);
        factor::qr_in_place(
            self.a.as_mut(),
            self.coeff.as_mut(),
            Par::Seq,
            stack,
            Default::default(),
        );
        // R is the upper triangle; the Householder vectors are below a unit diagonal.
        for j in 0..n {
            for i in 0..=j {
                self.r[(i, j)] = self.a[(i, j)];
                self.a[(i, j)] = if i == j { 1.0 } else { 0.0 };
            }
        }
        let m = self.b.len();
        solve::solve_lstsq_in_place_with_conj(
            self.a.as_ref(),
            self.coeff.as_ref(),
            self.r.as_ref(),
            faer::Conj::No,
            MatMut::from_column_major_slice_mut(&mut self.b, m, 1),
            Par::Seq,
            stack,
        );
    }
}

/// Overwrites `rhs` with a⁻¹·rhs for a square `a`, by LU with partial pivoting on the calling
/// thread. The exact Hessian of a basis near dependence has condition numbers near 1e15
/// (its floor is ridge²); LU still solves it where the QR above would declare a rank loss.
fn solve_square_in_place(mut a: Mat<f64>, rhs: &mut [f64]) {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::lu::partial_pivoting::{factor, solve};
    let n = a.nrows();
    let scratch = factor::lu_in_place_scratch::<usize, f64>(n, n, Par::Seq, Default::default())
        .or(solve::solve_in_place_scratch::<usize, f64>(n, 1, Par::Seq));
    let mut buffer = MemBuffer::new(scratch);
    let stack = MemStack::new(&mut buffer);
    let (mut perm, mut perm_inv) = (vec![0usize; n], vec![0usize; n]);
    let (_, p) = factor::lu_in_place(
        a.as_mut(),
        &mut perm,
        &mut perm_inv,
        Par::Seq,
        stack,
        Default::default(),
    );
    solve::solve_in_place(
        a.as_ref(),
        a.as_ref(),
        p,
        MatMut::from_column_major_slice_mut(rhs, n, 1),
        Par::Seq,
        stack,
    );
}

fn half_square(r: &[f64]) -> f64 {
    0.5 * r.iter().map(|v| v * v).sum::<f64>()
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// JᵀJ, the Gauss–Newton matrix.
fn normal_matrix(j: &Mat<f64>) -> Mat<f64> {
    let mut h = Mat::zeros(j.ncols(), j.ncols());
    matmul(
        h.as_mut(),
        Accum::Replace,
        j.transpose(),
        j.as_ref(),
        1.0,
        Par::Seq,
    );
    h
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
        let tol = handover;
        if step_norm <= tol * (norm(&w) + tol) || decrease <= tol * cost {
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

/// H = ∂(JᵀR)/∂w = JᵀJ + Σ_i r_i·∇²r_i, the exact Hessian of ½‖R‖² at the linearization.
/// Per row set, the curvature term is Φᵀ·(s·r ⊙ ∂²P/∂u²·Φ). ∂²P/∂u² is a slots × slots
/// matrix per point, found by one Hessian-vector product of the expression per slot (not one
/// per basis function); then one product of N×(slots·n) by (slots·n)×N. Sets whose expression
/// is linear in u (the conditions, mostly) add nothing.
fn exact_hessian(rows: &[Rows<'_>], lin: &Linearization, nb: usize) -> Mat<f64> {
    let mut h = normal_matrix(&lin.j);
    let mut offset = 0;
    for (set, tape) in rows.iter().zip(&lin.sets) {
        let (n, slots, s) = (set.n(), set.layout.len(), set.scale());
        let len = slots * n;
        let r = &lin.r[offset..offset + n];
        offset += n;
        // Column d: per point, s·r_i·∂²P/∂u_c∂u_d at c·n + i, kept only where it is not all zero.
        let mut unit = vec![0.0; len];
        let columns: Vec<(usize, Vec<f64>)> = (0..slots)
            .filter_map(|d| {
                unit.fill(0.0);
                unit[d * n..(d + 1) * n].fill(1.0);
                let mut hv = tape.hessian_times(set, &unit);
                for hv_c in hv.chunks_mut(n) {
                    hv_c.iter_mut().zip(r).for_each(|(h, &ri)| *h *= s * ri);
                }
                hv.iter().any(|&v| v != 0.0).then_some((d, hv))
            })
            .collect();
        if columns.is_empty() {
            continue;
        }
        let mut weighted = Mat::<f64>::zeros(len, nb);
        for k in 0..nb {
            let phi = &set.basis[k * len..(k + 1) * len];
            let col = weighted
                .col_mut(k)
                .try_as_col_major_mut()
                .expect("contiguous");
            let col = col.as_slice_mut();
            for (d, hv) in &columns {
                let phi_d = &phi[d * n..(d + 1) * n];
                for (col_c, hv_c) in col.chunks_mut(n).zip(hv.chunks(n)) {
                    for ((v, &h), &p) in col_c.iter_mut().zip(hv_c).zip(phi_d) {
                        *v += h * p;
                    }
                }
            }
        }
        matmul(
            h.as_mut(),
            Accum::Add,
            MatRef::from_column_major_slice(set.basis, len, nb).transpose(),
            weighted.as_ref(),
            1.0,
            Par::Seq,
        );
    }
    h
}

/// g = JᵀR, the gradient of ½‖R‖².
fn gradient(lin: &Linearization) -> Vec<f64> {
    let nb = lin.j.ncols();
    let mut g = vec![0.0; nb];
    matmul(
        MatMut::from_column_major_slice_mut(&mut g, nb, 1),
        Accum::Replace,
        lin.j.transpose(),
        MatRef::from_column_major_slice(&lin.r, lin.r.len(), 1),
        1.0,
        Par::Seq,
    );
    g
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
    use operators::expr::Symbols;

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

    /// Regression: diffusion–sorption with 4 experts stopped at step 1,466 with a non-finite
    /// gradient. An expert's basis had become nearly dependent, so the exact Hessian's
    /// eigenvalues spanned 1e-8 (ridge²) to 1e7, and the Householder QR that solved H·λ = w̄
    /// declared columns dependent and returned infinities. This H = Q·diag(1e7, 1e-8, 1e-8)·Qᵀ
    /// has the same spread.
    #[test]
    fn hessian_solve_survives_a_nearly_dependent_basis() {
        // Q: a Householder reflection I − 2vvᵀ, v = (1, 2, 2)/3.
        let v = [1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0];
        let q = Mat::from_fn(3, 3, |i, j| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j]);
        let eig = [1e7, 1e-8, 1e-8];
        let h = Mat::from_fn(3, 3, |i, j| {
            (0..3).map(|k| q[(i, k)] * eig[k] * q[(j, k)]).sum()
        });
        let rhs = [1.0, -1.0, 0.5];
        let mut qr = QrSolver::new(3, 3);
        qr.a.copy_from(&h);
        qr.b.copy_from_slice(&rhs);
        qr.solve();
        assert!(
            !qr.b.iter().all(|x| x.is_finite()),
            "QR declares a rank loss"
        );
        let mut lambda = rhs.to_vec();
        solve_square_in_place(h, &mut lambda);
        // H⁻¹ = Q·diag(1/eig)·Qᵀ; λ is good to cond(H)·eps relative to its size.
        let exact: Vec<f64> = (0..3)
            .map(|i| {
                let qr_k = |k: usize| (0..3).map(|j| q[(j, k)] * rhs[j]).sum::<f64>();
                (0..3).map(|k| q[(i, k)] * qr_k(k) / eig[k]).sum()
            })
            .collect();
        let scale = exact.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        for (l, e) in lambda.iter().zip(&exact) {
            assert!((l - e).abs() <= 1e-2 * scale, "{lambda:?} vs {exact:?}");
        }
    }
}
