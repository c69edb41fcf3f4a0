//! Physics-informed Gaussians (Kang et al., ICLR 2025): features
//! FE_c(x) = Σ_i f_ic · exp(−½ Σ_d ((x_d − μ_id)/σ_id)²) with trainable means, diagonal scales
//! and features, and their jets in closed form.
//!
//! Along one axis, ∂ᵏφ/∂xᵏ = (−1/σ)ᵏ Heₖ(z)·φ with z = (x − μ)/σ (Heₖ the probabilists'
//! Hermite polynomials), and a Gaussian is a product over axes, so every partial is a product
//! of per-axis polynomials times one exponential. The parameter adjoints follow from
//! ∂/∂μ = −∂/∂x and ∂φ/∂σ = σ·∂²φ/∂x² + φ/σ: one and two orders above the slot's own.
//!
//! Only Gaussians within `cutoff` scales of a point (Mahalanobis radius r ≤ R) are summed: the
//! points are binned in a uniform grid rebuilt at every forward (`grid`), each Gaussian gathers
//! the points within its cutoff from the rows of cells its support box [μ − R|σ|, μ + R|σ|]
//! overlaps, and every loop over them vectorizes. [`truncation_bound`] bounds what a dropped
//! Gaussian would have added.

mod grid;

use super::ParamView;
use crate::jet::{JetLayout, MAX_AXES, MAX_ORDER};
use crate::{Real, Rng};
use grid::{BoxRows, Grid};

/// Highest per-axis Hermite degree needed: the layout's order plus two (the scales' adjoint).
const DEGREES: usize = MAX_ORDER + 3;

/// The Gaussians of a PIG embedding.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianConfig {
    /// Input axes.
    pub inputs: usize,
    /// Feature channels (the decoder's inputs).
    pub channels: usize,
    /// Gaussians per channel (`shared`: in total, each with a feature per channel).
    pub count: usize,
    /// One set of Gaussians with a feature vector each (the paper), instead of a set per
    /// channel with scalar features (the released code).
    pub shared: bool,
    /// The box the means start in, per axis (lo, hi).
    pub bounds: Vec<(f64, f64)>,
    /// Initial scale as a fraction of the box's half-width along each axis (0.1 on [−1, 1]).
    pub sigma: f64,
    /// Cutoff radius R in scales: Gaussians farther than R from a point are not summed.
    pub cutoff: f64,
    /// Standard deviation of the initial features.
    pub feature_std: f64,
}

impl Default for GaussianConfig {
    fn default() -> Self {
        GaussianConfig {
            inputs: 2,
            channels: 4,
            count: 800,
            shared: false,
            bounds: vec![(-1.0, 1.0); 2],
            sigma: 0.1,
            cutoff: 6.0,
            feature_std: 0.01,
        }
    }
}

/// Bound on |∂^α g| for one Gaussian g = f·φ farther than R scales from the point:
/// |f| · q_{|α|}(R) · e^{−R²/2} / Π_d |σ_d|^{α_d}, where q_k has Heₖ's coefficients made
/// positive (q_{k+1} = r q_k + k q_{k−1}).
///
/// Why: |Heₐ(z)| ≤ qₐ(|z|) ≤ qₐ(r), and qₐ·q_b ≤ q_{a+b} (q_k counts partial matchings of k
/// items, weighted by r per unmatched one), so the per-axis product is at most q_{|α|}(r)·e^{−r²/2},
/// which decreases in r once r² ≥ |α| (its derivative is (2k q_{k−1} − q_{k+1})·e^{−r²/2}).
/// Valid for R² ≥ |α|; returns infinity below that.
pub fn truncation_bound(alpha: &[usize], sigma: &[f64], feature: f64, cutoff: f64) -> f64 {
    let k: usize = alpha.iter().sum();
    if cutoff * cutoff < k as f64 {
        return f64::INFINITY;
    }
    let (mut q0, mut q1) = (1.0, cutoff);
    for j in 1..=k {
        (q0, q1) = (q1, cutoff * q1 + j as f64 * q0);
    }
    let scale: f64 = alpha
        .iter()
        .zip(sigma)
        .map(|(&a, s)| s.abs().powi(a as i32))
        .product();
    feature.abs() * q0 * (-0.5 * cutoff * cutoff).exp() / scale
}

/// Where each parameter block lies in the flat vector: means and scales (gaussian-major,
/// `inputs` per Gaussian), then features (`width` per Gaussian).
#[derive(Clone, Debug)]
pub(crate) struct Gaussians {
    config: GaussianConfig,
    /// Gaussians in all.
    total: usize,
    /// Features per Gaussian: all channels when shared, one otherwise.
    width: usize,
    views: Vec<ParamView>,
}

/// The per-batch scratch: the points' grid, each slot's multi-index, the jets in the grid's
/// order of points, and the buffers of one run of points.
#[derive(Clone, Debug)]
pub(crate) struct GaussianTape<T> {
    n: usize,
    /// α_{s,d} for every slot, and each axis's highest order.
    alpha: Vec<[usize; MAX_AXES]>,
    order: [usize; MAX_AXES],
    grid: Grid<T>,
    /// The feature jets (forward) or their adjoints (backward), points in grid order.
    sorted: Vec<T>,
    run: Run<T>,
}

/// One Gaussian and the points within its cutoff, gathered into a slice per quantity so that
/// every loop over the points vectorizes.
#[derive(Clone, Debug)]
struct Run<T> {
    len: usize,
    /// The points, by their place in grid order.
    at: Vec<usize>,
    /// z_d = (x_d − μ_d)/σ_d, axis-major.
    z: Vec<T>,
    /// r², then e^{−r²/2}.
    e: Vec<T>,
    /// (−1/σ_d)ᵏ Heₖ(z_d), at `(d·DEGREES + k)·n`.
    poly: Vec<T>,
    /// A slot's product, its adjoint weight, a product without one axis, and a gathered adjoint.
    g: Vec<T>,
    w: Vec<T>,
    other: Vec<T>,
    bar: Vec<T>,
}

impl Gaussians {
    pub fn new(config: GaussianConfig) -> Self {
        assert_eq!(config.bounds.len(), config.inputs, "a box per input axis");
        assert!(config.cutoff > 0.0 && config.sigma > 0.0);
        let (total, width) = if config.shared {
            (config.count, config.channels)
        } else {
            (config.count * config.channels, 1)
        };
        let d = config.inputs;
        let view = |name: &str, offset, cols| ParamView {
            name: format!("gaussians.{name}"),
            offset,
            rows: total,
            cols,
        };
        let views = vec![
            view("mean", 0, d),
            view("scale", total * d, d),
            view("feature", 2 * total * d, width),
        ];
        Gaussians {
            config,
            total,
            width,
            views,
        }
    }

    pub fn config(&self) -> &GaussianConfig {
        &self.config
    }

    pub fn views(&self) -> &[ParamView] {
        &self.views
    }

    pub fn n_params(&self) -> usize {
        self.total * (2 * self.config.inputs + self.width)
    }

    /// Means uniform in the box, scales σ·half-width, features N(0, feature_std²).
    pub fn init_params<T: Real>(&self, rng: &mut Rng) -> Vec<T> {
        let c = &self.config;
        let mut p = Vec::with_capacity(self.n_params());
        for _ in 0..self.total {
            p.extend(
                c.bounds
                    .iter()
                    .map(|&(lo, hi)| T::from_f64(rng.uniform_in(lo, hi))),
            );
        }
        for _ in 0..self.total {
            p.extend(
                c.bounds
                    .iter()
                    .map(|&(lo, hi)| T::from_f64(c.sigma * 0.5 * (hi - lo))),
            );
        }
        p.extend((0..self.total * self.width).map(|_| T::from_f64(c.feature_std * rng.normal())));
        p
    }

    pub fn tape<T: Real>(&self, layout: &JetLayout, n: usize) -> GaussianTape<T> {
        assert_eq!(
            layout.dims(),
            self.config.inputs,
            "layout and Gaussians disagree"
        );
        let alpha: Vec<[usize; MAX_AXES]> = layout
            .slots()
            .iter()
            .map(|p| core::array::from_fn(|d| p.count(d)))
            .collect();
        let order = core::array::from_fn(|d| alpha.iter().map(|a| a[d]).max().unwrap_or(0));
        let dims = self.config.inputs;
        let zeros = |len: usize| vec![T::zero(); len];
        GaussianTape {
            n,
            sorted: zeros(alpha.len() * n * self.config.channels),
            alpha,
            order,
            run: Run {
                len: 0,
                at: vec![0; n],
                z: zeros(dims * n),
                e: zeros(n),
                poly: zeros(dims * DEGREES * n),
                g: zeros(n),
                w: zeros(n),
                other: zeros(n),
                bar: zeros(n),
            },
            grid: Grid::new(self.config.inputs, n),
        }
    }

    /// The parameter blocks: means, scales, features.
    fn split<'a, T>(&self, p: &'a [T]) -> (&'a [T], &'a [T], &'a [T]) {
        let d = self.total * self.config.inputs;
        (&p[..d], &p[d..2 * d], &p[2 * d..])
    }

    /// The first channel Gaussian `i` feeds (it feeds `width` channels from there).
    fn channel(&self, i: usize) -> usize {
        if self.config.shared {
            0
        } else {
            i / self.config.count
        }
    }

    /// The feature jets (`slots·n × channels`, column-major, slot-major in a column) of the
    /// `n` points `x` (`n × inputs`, column-major).
    pub fn forward<T: Real>(&self, params: &[T], x: &[T], out: &mut [T], t: &mut GaussianTape<T>) {
        let (_, scale, feature) = self.split(params);
        let (n, rows) = (t.n, t.alpha.len() * t.n);
        t.grid
            .rebuild(x, n, self.config.inputs, scale, self.config.cutoff);
        t.sorted.fill(T::zero());
        self.each_gaussian(params, t, 0, |i, t| {
            let f = &feature[i * self.width..(i + 1) * self.width];
            let c0 = self.channel(i);
            let r = &mut t.run;
            for (s, alpha) in t.alpha.iter().enumerate() {
                r.slot_product(alpha, self.config.inputs, None, n);
                for (c, &fc) in f.iter().enumerate() {
                    let col = &mut t.sorted[(c0 + c) * rows + s * n..][..n];
                    for (&q, &g) in r.at[..r.len].iter().zip(&r.g[..r.len]) {
                        col[q] += fc * g;
                    }
                }
            }
        });
        for (col, sorted) in out.chunks_mut(n).zip(t.sorted.chunks(n)) {
            for (&p, &v) in t.grid.order.iter().zip(sorted) {
                col[p] = v;
            }
        }
    }

    /// Adds to `grad` the gradient of ⟨out_bar, forward output⟩ (the last forward's points).
    pub fn backward<T: Real>(
        &self,
        params: &[T],
        out_bar: &[T],
        t: &mut GaussianTape<T>,
        grad: &mut [T],
    ) {
        let dims = self.config.inputs;
        let (_, scale, feature) = self.split(params);
        let (n, rows) = (t.n, t.alpha.len() * t.n);
        for (sorted, col) in t.sorted.chunks_mut(n).zip(out_bar.chunks(n)) {
            for (v, &p) in sorted.iter_mut().zip(&t.grid.order) {
                *v = col[p];
            }
        }
        let tw = self.total * dims;
        let (gmean, rest) = grad.split_at_mut(tw);
        let (gscale, gfeature) = rest.split_at_mut(tw);
        self.each_gaussian(params, t, 2, |i, t| {
            let f = &feature[i * self.width..(i + 1) * self.width];
            let s_i = &scale[i * dims..(i + 1) * dims];
            let c0 = self.channel(i);
            let r = &mut t.run;
            let len = r.len;
            for (s, alpha) in t.alpha.iter().enumerate() {
                r.slot_product(alpha, dims, None, n);
                r.w[..len].fill(T::zero());
                for (c, &fc) in f.iter().enumerate() {
                    let col = &t.sorted[(c0 + c) * rows + s * n..][..n];
                    let bar = &mut r.bar[..len];
                    bar.iter_mut()
                        .zip(&r.at[..len])
                        .for_each(|(b, &q)| *b = col[q]);
                    gfeature[i * self.width + c] += dot(bar, &r.g[..len]);
                    let w = &mut r.w[..len];
                    w.iter_mut().zip(&*bar).for_each(|(w, &b)| *w += fc * b);
                }
                for d in 0..dims {
                    r.slot_product(alpha, dims, Some(d), n);
                    let k = alpha[d];
                    // w·(product without axis d), then against the axis's higher polynomials.
                    let wo = &mut r.other[..len];
                    wo.iter_mut()
                        .zip(&r.g[..len])
                        .zip(&r.w[..len])
                        .for_each(|((o, &g), &w)| *o = g * w);
                    let poly = |k: usize| &r.poly[(d * DEGREES + k) * n..][..len];
                    gmean[i * dims + d] -= dot(wo, poly(k + 1));
                    gscale[i * dims + d] +=
                        s_i[d] * dot(wo, poly(k + 2)) + dot(wo, poly(k)) / s_i[d];
                }
            }
        });
    }

    /// Calls `f(gaussian, tape)` for every Gaussian with points within its cutoff, with `t.run`
    /// holding those points' z, e^{−r²/2} and polynomials up to each axis's order plus `extra`.
    /// The candidates are the rows of cells its support box overlaps.
    fn each_gaussian<T: Real>(
        &self,
        params: &[T],
        t: &mut GaussianTape<T>,
        extra: usize,
        mut f: impl FnMut(usize, &mut GaussianTape<T>),
    ) {
        let dims = self.config.inputs;
        let (mean, scale, _) = self.split(params);
        let cutoff = T::from_f64(self.config.cutoff);
        for i in 0..self.total {
            let mu = &mean[i * dims..(i + 1) * dims];
            let sigma = &scale[i * dims..(i + 1) * dims];
            let Some(rows) = t.grid.rows_of_box(mu, sigma, cutoff, dims) else {
                continue;
            };
            t.run.gather(&t.grid, t.n, rows, mu, sigma, cutoff);
            if t.run.len == 0 {
                continue;
            }
            t.run.evaluate(t.n, sigma, &t.order, extra);
            f(i, t);
        }
    }
}

/// Σ aᵢbᵢ with eight running sums, so that the loop vectorizes (in a fixed order: the same
/// inputs give the same bits).
fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: T = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(&x, &y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().copied().sum::<T>() + tail
}

impl<T: Real> Run<T> {
    /// The points of `rows` within R scales of μ: their places, z and r².
    fn gather(
        &mut self,
        grid: &Grid<T>,
        n: usize,
        rows: BoxRows,
        mu: &[T],
        sigma: &[T],
        cutoff: T,
    ) {
        let dims = mu.len();
        let mut inv = [T::zero(); MAX_AXES];
        for (v, &s) in inv.iter_mut().zip(sigma) {
            *v = T::one() / s;
        }
        let r2max = cutoff * cutoff;
        let mut len = 0;
        for (first, last) in rows {
            for q in grid.start[first]..grid.start[last + 1] {
                let mut r2 = T::zero();
                for d in 0..dims {
                    let z = (grid.xs[d * n + q] - mu[d]) * inv[d];
                    self.z[d * n + len] = z;
                    r2 += z * z;
                }
                if r2 <= r2max {
                    self.at[len] = q;
                    self.e[len] = r2;
                    len += 1;
                }
            }
        }
        self.len = len;
    }

    /// e^{−r²/2} and the polynomials P_k = (−1/σ)ᵏ Heₖ(z), P_{k+1} = −(z/σ)·P_k − (k/σ²)·P_{k−1}
    /// of the gathered points (`n` per axis in the buffers).
    fn evaluate(&mut self, n: usize, sigma: &[T], order: &[usize; MAX_AXES], extra: usize) {
        let len = self.len;
        let half = T::from_f64(-0.5);
        for e in &mut self.e[..len] {
            *e = (half * *e).exp_vector();
        }
        for (d, &sigma) in sigma.iter().enumerate() {
            let inv = T::one() / sigma;
            let inv2 = inv * inv;
            let z = &self.z[d * n..d * n + len];
            let poly = &mut self.poly[d * DEGREES * n..(d + 1) * DEGREES * n];
            poly[..len].fill(T::one());
            poly[n..n + len]
                .iter_mut()
                .zip(z)
                .for_each(|(p, &z)| *p = -z * inv);
            for k in 1..order[d] + extra {
                let (lower, upper) = poly.split_at_mut((k + 1) * n);
                let (pm, pk) = (
                    &lower[(k - 1) * n..(k - 1) * n + len],
                    &lower[k * n..k * n + len],
                );
                let kk = T::from_f64(k as f64) * inv2;
                upper[..len]
                    .iter_mut()
                    .zip(pk.iter().zip(pm))
                    .zip(z)
                    .for_each(|((p, (&pk, &pm)), &z)| *p = -z * inv * pk - kk * pm);
            }
        }
    }

    /// g = e·Π_d P_{α_d}(z_d), leaving out axis `without` if given.
    fn slot_product(
        &mut self,
        alpha: &[usize; MAX_AXES],
        dims: usize,
        without: Option<usize>,
        n: usize,
    ) {
        let len = self.len;
        let g = &mut self.g[..len];
        g.copy_from_slice(&self.e[..len]);
        for d in (0..dims).filter(|&d| Some(d) != without && alpha[d] > 0) {
            let p = &self.poly[(d * DEGREES + alpha[d]) * n..][..len];
            g.iter_mut().zip(p).for_each(|(g, &p)| *g *= p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jet::Partial;

    fn config(cutoff: f64, shared: bool) -> GaussianConfig {
        GaussianConfig {
            count: 60,
            channels: 2,
            shared,
            cutoff,
            feature_std: 1.0,
            ..Default::default()
        }
    }

    fn embed(g: &Gaussians, params: &[f64], layout: &JetLayout, x: &[f64]) -> Vec<f64> {
        let n = x.len() / 2;
        let mut t = g.tape(layout, n);
        let mut out = vec![0.0; layout.len() * n * g.config.channels];
        g.forward(params, x, &mut out, &mut t);
        out
    }

    /// Points on a jittered grid over [−1.2, 1.2]², some outside the means' box.
    fn points(n: usize, rng: &mut Rng) -> Vec<f64> {
        let mut x = vec![0.0; 2 * n];
        for p in 0..n {
            x[p] = rng.uniform_in(-1.2, 1.2);
            x[n + p] = rng.uniform_in(-1.2, 1.2);
        }
        x
    }

    /// value, ∂x, ∂y, ∂xx, ∂xy, ∂yy of one channel, by the textbook formulas, summing only the
    /// Gaussians within `cutoff` scales.
    fn brute_force(g: &Gaussians, params: &[f64], x: [f64; 2], channel: usize) -> [f64; 6] {
        let (mean, scale, feature) = g.split(params);
        let mut out = [0.0; 6];
        for i in 0..g.total {
            let (mu, s) = (&mean[2 * i..2 * i + 2], &scale[2 * i..2 * i + 2]);
            let dx = [x[0] - mu[0], x[1] - mu[1]];
            let r2 = (dx[0] / s[0]).powi(2) + (dx[1] / s[1]).powi(2);
            if r2 > g.config.cutoff.powi(2) {
                continue;
            }
            let f = if g.config.shared {
                feature[i * g.width + channel]
            } else if g.channel(i) == channel {
                feature[i]
            } else {
                continue;
            };
            let v = f * (-0.5 * r2).exp();
            let d1 = [-dx[0] / s[0].powi(2), -dx[1] / s[1].powi(2)];
            let d2 = [
                d1[0] * d1[0] - 1.0 / s[0].powi(2),
                d1[1] * d1[1] - 1.0 / s[1].powi(2),
            ];
            let terms = [1.0, d1[0], d1[1], d2[0], d1[0] * d1[1], d2[1]];
            for (o, t) in out.iter_mut().zip(terms) {
                *o += v * t;
            }
        }
        out
    }

    #[test]
    fn jets_match_the_textbook_formulas_within_the_cutoff() {
        let layout = JetLayout::new(
            2,
            &[
                Partial::from_axes(&[0, 0]),
                Partial::from_axes(&[0, 1]),
                Partial::from_axes(&[1, 1]),
            ],
        );
        let slots: Vec<usize> = [vec![], vec![0], vec![1], vec![0, 0], vec![0, 1], vec![1, 1]]
            .iter()
            .map(|a| layout.slot(&Partial::from_axes(a)).unwrap())
            .collect();
        for shared in [false, true] {
            let g = Gaussians::new(config(2.5, shared));
            let mut rng = Rng::new(5);
            let params: Vec<f64> = g.init_params(&mut rng);
            let n = 40;
            let x = points(n, &mut rng);
            let y = embed(&g, &params, &layout, &x);
            let rows = layout.len() * n;
            for c in 0..2 {
                for p in 0..n {
                    let want = brute_force(&g, &params, [x[p], x[n + p]], c);
                    for (k, &s) in slots.iter().enumerate() {
                        let got = y[c * rows + s * n + p];
                        assert!(
                            (got - want[k]).abs() < 1e-11 * (1.0 + want[k].abs()),
                            "shared {shared}, channel {c}, point {p}, slot {k}: {got} vs {want:?}"
                        );
                    }
                }
            }
        }
    }

    /// The cutoff's error, against all Gaussians summed, is within the sum of the bounds of the
    /// Gaussians it dropped, and the bound is not vacuous (within 50x of what was dropped).
    #[test]
    fn truncation_stays_within_the_stated_bound() {
        let layout = JetLayout::new(
            2,
            &[
                Partial::from_axes(&[0, 0, 0, 0]),
                Partial::from_axes(&[0, 1]),
                Partial::from_axes(&[1, 1]),
            ],
        );
        let cutoff = 3.0;
        let near = Gaussians::new(config(cutoff, false));
        let all = Gaussians::new(config(50.0, false));
        let mut rng = Rng::new(9);
        let params: Vec<f64> = near.init_params(&mut rng);
        let n = 30;
        let x = points(n, &mut rng);
        let (a, b) = (
            embed(&near, &params, &layout, &x),
            embed(&all, &params, &layout, &x),
        );
        let (mean, scale, feature) = near.split(&params);
        let rows = layout.len() * n;
        let mut tightest = f64::INFINITY;
        for (s, alpha) in layout.slots().iter().enumerate() {
            let order = [alpha.count(0), alpha.count(1)];
            for p in 0..n {
                for c in 0..2 {
                    let mut bound = 0.0;
                    for i in (c * 60..(c + 1) * 60).filter(|&i| {
                        let z = |d: usize| (x[d * n + p] - mean[2 * i + d]) / scale[2 * i + d];
                        z(0).powi(2) + z(1).powi(2) > cutoff * cutoff
                    }) {
                        bound +=
                            truncation_bound(&order, &scale[2 * i..2 * i + 2], feature[i], cutoff);
                    }
                    let err = (a[c * rows + s * n + p] - b[c * rows + s * n + p]).abs();
                    assert!(
                        err <= bound,
                        "slot {alpha:?}, point {p}: error {err} above bound {bound}"
                    );
                    if err > 0.0 {
                        tightest = tightest.min(bound / err);
                    }
                }
            }
        }
        assert!(
            tightest < 50.0,
            "the bound is loose everywhere: {tightest}x"
        );
    }

    #[test]
    fn the_bound_needs_a_cutoff_beyond_the_order() {
        assert_eq!(
            truncation_bound(&[2, 2], &[0.1, 0.1], 1.0, 1.9),
            f64::INFINITY
        );
        // Value slot: exactly |f|·e^{−R²/2}.
        let b = truncation_bound(&[0, 0], &[0.1, 0.1], 2.0, 6.0);
        assert!((b - 2.0 * (-18.0f64).exp()).abs() < 1e-20);
    }
}
