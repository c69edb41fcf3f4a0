//! Small dense solves on the calling thread: the experts are already solved in parallel.

use faer::{Mat, MatMut, Par};

/// argmin ‖A·x − b‖ by Householder QR on the calling thread (the experts are already solved
/// in parallel, and faer's default would split these small factorizations across the thread
/// pool again), with its memory kept for the next system of the same shape.
pub(super) struct QrSolver {
    /// A, filled by the caller; overwritten by the factorization.
    pub a: Mat<f64>,
    /// b, filled by the caller; its first `a.ncols()` entries become x.
    pub b: Vec<f64>,
    coeff: Mat<f64>,
    r: Mat<f64>,
    buffer: faer::dyn_stack::MemBuffer,
}

impl QrSolver {
    pub fn new(m: usize, n: usize) -> Self {
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
    pub fn solve(&mut self) {
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
pub(super) fn solve_square_in_place(mut a: Mat<f64>, rhs: &mut [f64]) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
