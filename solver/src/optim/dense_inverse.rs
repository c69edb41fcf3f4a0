//! A dense inverse Hessian approximation H ≈ (∇²f)⁻¹, updated by the self-scaled Broyden
//! family (Al-Baali 1998; Urbán, Stefanou & Pons 2025):
//!
//! H₊ = (1/τ)·[H − H y yᵀH / yᵀHy + φ·(yᵀHy)·v vᵀ] + s sᵀ / yᵀs,  v = s / yᵀs − H y / yᵀHy,
//!
//! with τ = φ = 1 for BFGS. O(P²) memory and work per iteration (P = 3k: 72 MB, two passes
//! over it), which is why it is for small networks; L-BFGS is the choice beyond.

use super::{curvature, dot};
use operators::Real;
use rayon::prelude::*;

/// Which member of the Broyden family updates a dense inverse Hessian.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    /// BFGS (τ = φ = 1).
    Bfgs,
    /// Self-scaled BFGS with Al-Baali's scaling τ = min(1, 1/b), φ = 1.
    SsBfgs,
    /// Self-scaled Broyden (the "SSBroyden2" choice of τ and φ of Urbán et al.).
    SsBroyden,
}

impl Update {
    /// (τ, φ) from b = sᵀBs / yᵀs, h = yᵀHy / yᵀs and a = b·h − 1 (≥ 0 for a positive
    /// definite H), for `n` parameters.
    fn scaling(self, a: f64, b: f64, h: f64, n: usize) -> (f64, f64) {
        let (tau, phi) = match self {
            Update::Bfgs => (1.0, 1.0),
            Update::SsBfgs => ((1.0 / b).min(1.0), 1.0),
            Update::SsBroyden => {
                let a = a.max(0.0);
                let rho_minus = (h * (1.0 - (a / (1.0 + a)).sqrt())).min(1.0);
                let theta = match a > 1e-12 {
                    true => {
                        let theta_minus = (rho_minus - 1.0) / a;
                        let theta_plus = 1.0 / rho_minus;
                        theta_minus.max(theta_plus.min((1.0 - b) / b))
                    }
                    false => 0.0,
                };
                let sigma = 1.0 + a * theta;
                let rho = (1.0 / b).min(1.0);
                let sigma_n = match n > 1 {
                    true => sigma.powf(1.0 / (1.0 - n as f64)),
                    false => 1.0,
                };
                let tau = match theta <= 0.0 {
                    true => (rho * sigma_n).min(sigma),
                    false => rho * sigma_n.min(1.0 / theta),
                };
                (tau, (1.0 - theta) / sigma)
            }
        };
        let tau = if tau.is_finite() && tau > 0.0 {
            tau
        } else {
            1.0
        };
        (tau, if phi.is_finite() { phi } else { 1.0 })
    }
}

/// A dense P×P inverse Hessian (f64 whatever the parameters' type) and its scratch.
pub(super) struct DenseInverse {
    update: Update,
    n: usize,
    /// Row-major H; the identity while `updated` is false (and not allocated before the
    /// first update).
    h: Vec<f64>,
    updated: bool,
    /// H·g for the gradient `g_seen`: the direction of the iteration after an update is
    /// computed with the update, from the matrix-vector product the update needs anyway.
    hg: Vec<f64>,
    g_seen: Vec<f64>,
    /// H·g_new during an update.
    w: Vec<f64>,
    s: Vec<f64>,
    y: Vec<f64>,
    hy: Vec<f64>,
    g_new: Vec<f64>,
}

impl DenseInverse {
    pub fn new(update: Update, n: usize) -> Self {
        DenseInverse {
            update,
            n,
            h: Vec::new(),
            updated: false,
            hg: vec![0.0; n],
            g_seen: vec![f64::NAN; n],
            w: vec![0.0; n],
            s: vec![0.0; n],
            y: vec![0.0; n],
            hy: vec![0.0; n],
            g_new: vec![0.0; n],
        }
    }

    /// Whether H is still the identity.
    pub fn is_identity(&self) -> bool {
        !self.updated
    }

    /// Back to the identity.
    pub fn clear(&mut self) {
        self.updated = false;
        self.g_seen.fill(f64::NAN);
    }

    /// d = −H·g.
    pub fn direction<T: Real>(&mut self, g: &[T], d: &mut [T]) {
        if !self.updated {
            d.iter_mut().zip(g).for_each(|(d, &g)| *d = -g);
            return;
        }
        let seen = g.iter().zip(&self.g_seen).all(|(g, s)| g.to_f64() == *s);
        if !seen {
            self.g_seen
                .iter_mut()
                .zip(g)
                .for_each(|(s, g)| *s = g.to_f64());
            matvec(&self.h, &self.g_seen, &mut self.hg);
        }
        d.iter_mut()
            .zip(&self.hg)
            .for_each(|(d, &hg)| *d = T::from_f64(-hg));
    }

    /// The update from the step s = α·d taken along d = −H·g_old, with y = g_new − g_old.
    /// A pair without positive curvature leaves H as it is.
    pub fn update<T: Real>(&mut self, s: &[T], y: &[T], alpha: f64, g_old: &[T], g_new: &[T]) {
        let Some(sy) = curvature(s, y) else {
            return;
        };
        let n = self.n;
        let widen =
            |dst: &mut [f64], src: &[T]| dst.iter_mut().zip(src).for_each(|(d, s)| *d = s.to_f64());
        widen(&mut self.s, s);
        widen(&mut self.y, y);
        widen(&mut self.g_new, g_new);
        let rho = 1.0 / sy;
        // H·g_new, H·y and sᵀBs (B = H⁻¹, so B·s = −α·g_old).
        let s_bs = if self.updated {
            debug_assert!(g_old
                .iter()
                .zip(&self.g_seen)
                .all(|(g, s)| g.to_f64() == *s));
            matvec(&self.h, &self.g_new, &mut self.w);
            self.hy
                .iter_mut()
                .zip(self.w.iter().zip(&self.hg))
                .for_each(|(hy, (w, hg))| *hy = w - hg);
            -alpha * dot(s, g_old)
        } else {
            // The first update starts from H₀ = γ·I, γ = sᵀy/yᵀy (Nocedal & Wright, 6.20),
            // rather than the identity the first step was taken with.
            let gamma = sy / dot(&self.y, &self.y);
            if self.h.is_empty() {
                self.h = vec![0.0; n * n];
            }
            self.h.fill(0.0);
            self.h.iter_mut().step_by(n + 1).for_each(|d| *d = gamma);
            self.w
                .iter_mut()
                .zip(&self.g_new)
                .for_each(|(w, g)| *w = gamma * g);
            self.hy
                .iter_mut()
                .zip(&self.y)
                .for_each(|(hy, y)| *hy = gamma * y);
            dot(&self.s, &self.s) / gamma
        };
        let y_hy = dot(&self.y, &self.hy);
        let (b, h) = (rho * s_bs, rho * y_hy);
        let (tau, phi) = self.update.scaling(b * h - 1.0, b, h, n);
        // H₊ = H/τ + c_hh·Hy Hyᵀ + c_sh·(s Hyᵀ + Hy sᵀ) + c_ss·s sᵀ.
        let c_hh = (phi - 1.0) / (tau * y_hy);
        let c_sh = -phi * rho / tau;
        let c_ss = phi * rho * rho * y_hy / tau + rho;
        let (s, hy) = (&self.s, &self.hy);
        self.h.par_chunks_mut(n).enumerate().for_each(|(i, row)| {
            let (a_hy, a_s) = (c_hh * hy[i] + c_sh * s[i], c_sh * hy[i] + c_ss * s[i]);
            row.iter_mut()
                .zip(hy.iter().zip(s))
                .for_each(|(h, (hy, s))| *h = *h / tau + a_hy * hy + a_s * s);
        });
        // H₊·g_new from H·g_new, without another pass over H.
        let (hy_g, s_g) = (dot(hy, &self.g_new), dot(s, &self.g_new));
        let (k_hy, k_s) = (c_hh * hy_g + c_sh * s_g, c_sh * hy_g + c_ss * s_g);
        self.hg
            .iter_mut()
            .zip(self.w.iter().zip(hy.iter().zip(s)))
            .for_each(|(hg, (w, (hy, s)))| *hg = w / tau + k_hy * hy + k_s * s);
        self.g_seen.copy_from_slice(&self.g_new);
        self.updated = true;
    }
}

/// out = H·v, one row per task (each row's sum in a fixed order, so the result does not
/// depend on the number of threads).
fn matvec(h: &[f64], v: &[f64], out: &mut [f64]) {
    let n = v.len();
    out.par_iter_mut()
        .zip(h.par_chunks(n))
        .for_each(|(o, row)| *o = row.iter().zip(v).map(|(a, b)| a * b).sum());
}
