//! R(w), its Jacobian and the exact Hessian of ½‖R‖², from the residual expressions' own
//! reverse mode and Hessian-vector products on u's jets.

use super::rows::Rows;
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatMut, MatRef, Par};

/// R(w) and its Jacobian ∂R/∂w (ridge rows last), with what each row set's expression left
/// for second derivatives. Its buffers are kept from one w to the next: a solve moves w many
/// times, and buffers this size would go back to the system and fault in again each time.
pub(super) struct Linearization {
    pub r: Vec<f64>,
    pub j: Mat<f64>,
    pub sets: Vec<SetTape>,
}

/// One row set's expression at w: u's jets, the registers and adjoints of P, and the
/// per-point partials ∂P/∂u_c (`layout.len()·n`).
pub(super) struct SetTape {
    u: Vec<f64>,
    regs: Vec<f64>,
    bars: Vec<f64>,
    pub partials: Vec<f64>,
    /// The adjoint's seed, 1 at every point.
    ones: Vec<f64>,
}

impl SetTape {
    /// Per point, ∂²P/∂u² · v for a direction `v` in u's jets (`layout.len()·n`).
    pub fn hessian_times(&self, set: &Rows<'_>, v: &[f64]) -> Vec<f64> {
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
pub fn combine(basis: &[f64], w: &[f64], offset: Option<&[f64]>, u: &mut [f64]) {
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
    pub fn new(rows: &[Rows<'_>], nb: usize) -> Self {
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
    pub fn at(rows: &[Rows<'_>], w: &[f64], ridge: f64) -> Self {
        let mut lin = Linearization::new(rows, w.len());
        lin.update(rows, w, ridge);
        lin
    }

    /// Evaluates R and J at w.
    pub fn update(&mut self, rows: &[Rows<'_>], w: &[f64], ridge: f64) {
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

pub(super) fn half_square(r: &[f64]) -> f64 {
    0.5 * r.iter().map(|v| v * v).sum::<f64>()
}

pub(super) fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// JᵀJ, the Gauss–Newton matrix.
pub(super) fn normal_matrix(j: &Mat<f64>) -> Mat<f64> {
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

/// H = ∂(JᵀR)/∂w = JᵀJ + Σ_i r_i·∇²r_i, the exact Hessian of ½‖R‖² at the linearization.
/// Per row set, the curvature term is Φᵀ·(s·r ⊙ ∂²P/∂u²·Φ). ∂²P/∂u² is a slots × slots
/// matrix per point, found by one Hessian-vector product of the expression per slot (not one
/// per basis function); then one product of N×(slots·n) by (slots·n)×N. Sets whose expression
/// is linear in u (the conditions, mostly) add nothing.
pub(super) fn exact_hessian(rows: &[Rows<'_>], lin: &Linearization, nb: usize) -> Mat<f64> {
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
pub(super) fn gradient(lin: &Linearization) -> Vec<f64> {
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
