//! Fourier pseudo-spectral reference solver for 1-D periodic problems
//! u_t + F(u, u_x, …, u_xxxx, x, t) = 0, stepped by ETDRK4 (Cox & Matthews 2002) with the
//! coefficients computed by contour integrals (Kassam & Trefethen 2005).
//!
//! The PDE is the problem file's own residual, so a reference is never a second transcription
//! of the equation: the part of -F that is linear in u at u = 0 (constant coefficients) is
//! integrated exactly, everything else explicitly.

use crate::evolution::{output_times, Evolution, Solution};
use crate::ValidationError;
use problems::Problem;
use rustfft::num_complex::Complex64 as C;
use rustfft::{Fft, FftPlanner};
use serde::Deserialize;
use std::sync::Arc;

/// Resolution of a spectral reference.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpectralSettings {
    /// Fourier modes (= grid points); a power of two is fastest.
    pub modes: usize,
    /// Largest time step; each output interval is split into equal steps no larger.
    pub dt: f64,
    /// Output times, evenly spaced over the problem's time interval, both ends included.
    #[serde(default = "default_snapshots")]
    pub snapshots: usize,
    /// Zero the top third of the spectrum of the nonlinear term (2/3 rule).
    #[serde(default)]
    pub dealias: bool,
}

fn default_snapshots() -> usize {
    101
}

/// The solution at output time index `k` at any points `xs`, by its Fourier series (exact
/// interpolation of a resolved periodic solution), e.g. onto a grid that includes both ends.
pub fn interpolate(s: &Solution, k: usize, xs: &[f64]) -> Vec<f64> {
    let n = s.x.len();
    let length = (s.x[1] - s.x[0]) * n as f64;
    let mut v: Vec<C> = s.at(k).iter().map(|&u| C::new(u, 0.0)).collect();
    FftPlanner::new().plan_fft_forward(n).process(&mut v);
    let wavenumbers = wavenumbers(n, length);
    xs.iter()
        .map(|&x| {
            let phase = x - s.x[0];
            v.iter()
                .zip(&wavenumbers)
                .map(|(vj, kj)| (vj * C::from_polar(1.0, kj * phase)).re)
                .sum::<f64>()
                / n as f64
        })
        .collect()
}

/// 2πj/L for j in FFT order (0, 1, …, n/2, -n/2 + 1, …, -1).
fn wavenumbers(n: usize, length: f64) -> Vec<f64> {
    (0..n)
        .map(|j| {
            let j = if j <= n / 2 {
                j as f64
            } else {
                j as f64 - n as f64
            };
            std::f64::consts::TAU * j / length
        })
        .collect()
}

/// Solves a 1-D periodic problem (axes x, t; one field) from its initial condition.
pub fn solve(p: &Problem, s: &SpectralSettings) -> Result<Solution, ValidationError> {
    if s.modes < 8 || !s.modes.is_multiple_of(2) || s.dt <= 0.0 || s.snapshots < 2 {
        return Err(ValidationError::Unsupported(
            "spectral solver: modes must be even and at least 8, dt positive, snapshots at least 2"
                .into(),
        ));
    }
    let (lo, hi) = (p.domain.lo[0], p.domain.hi[0]);
    let n = s.modes;
    let x: Vec<f64> = (0..n)
        .map(|j| lo + (hi - lo) * j as f64 / n as f64)
        .collect();
    let spectral = |e: ValidationError| e.in_solver("spectral solver");
    let evolution = Evolution::new(p, x.clone()).map_err(spectral)?;
    let u0 = Evolution::initial_value(p, &x)?;
    let (t, substeps, h) = output_times(p, s.snapshots, s.dt);
    let mut rhs = Rhs::new(evolution, hi - lo, s.dealias).map_err(spectral)?;
    let mut v: Vec<C> = u0.iter().map(|&u| C::new(u, 0.0)).collect();
    rhs.fwd.process(&mut v);
    rhs.fill_jets(&v);
    rhs.evolution
        .check_first_order_in_time(t[0])
        .map_err(spectral)?;
    let mut stepper = Etdrk4::new(rhs, h);

    let mut u = u0;
    let mut time = t[0];
    for &next in &t[1..] {
        for _ in 0..substeps {
            stepper.step(&mut v, time);
            time += h;
        }
        time = next;
        let row = stepper.rhs.physical(&v, 0);
        if row.iter().any(|v| !v.is_finite()) {
            return Err(ValidationError::Unsupported(format!(
                "spectral solver: the solution blew up before t = {time}; use more modes or a smaller dt"
            )));
        }
        u.extend_from_slice(&row);
    }
    Ok(Solution { x, t, u })
}

/// The right-hand side N̂(v̂, t) = FFT(-F(u)) - L·v̂ and the symbol of L, with scratch memory.
struct Rhs {
    evolution: Evolution,
    /// Wavenumbers 2πj/L in FFT order.
    k: Vec<f64>,
    /// The symbol of the linear part L = Σ c_m ∂_x^m.
    linear: Vec<C>,
    dealias: bool,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
    spectrum: Vec<C>,
}

impl Rhs {
    fn new(mut evolution: Evolution, length: f64, dealias: bool) -> Result<Rhs, ValidationError> {
        let n = evolution.len();
        let k = wavenumbers(n, length);
        let linear = evolution.linear_part()?;
        let linear = (0..n)
            .map(|j| {
                linear
                    .iter()
                    .map(|&(m, c)| derivative_symbol(&k, j, m) * c)
                    .sum()
            })
            .collect();
        let mut planner = FftPlanner::new();
        Ok(Rhs {
            evolution,
            k,
            linear,
            dealias,
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
            spectrum: vec![C::new(0.0, 0.0); n],
        })
    }

    fn n(&self) -> usize {
        self.k.len()
    }

    /// Physical values of the x-derivative of order `m` of the field with spectrum `v`.
    fn physical(&mut self, v: &[C], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.n()];
        inverse(&self.inv, &self.k, &mut self.spectrum, v, m, &mut out);
        out
    }

    /// Every x-derivative slot from the spectrum `v`.
    fn fill_jets(&mut self, v: &[C]) {
        let slots: Vec<(usize, usize)> = self.evolution.orders().collect();
        for (slot, m) in slots {
            let jet = self.evolution.slot_mut(slot);
            inverse(&self.inv, &self.k, &mut self.spectrum, v, m, jet);
        }
    }

    /// N̂(v̂, t) into `out`.
    fn nonlinear(&mut self, v: &[C], t: f64, out: &mut [C]) {
        let n = self.n();
        self.fill_jets(v);
        let f = self.evolution.eval(t);
        for (o, &fi) in out.iter_mut().zip(f) {
            *o = C::new(-fi, 0.0);
        }
        self.fwd.process(out);
        for j in 0..n {
            out[j] -= self.linear[j] * v[j];
        }
        if self.dealias {
            let cut = n / 3;
            for (j, o) in out.iter_mut().enumerate() {
                if j.min(n - j) > cut {
                    *o = C::new(0.0, 0.0);
                }
            }
        }
    }
}

/// (ik)^m, with the Nyquist mode of odd derivatives set to zero (it has no real derivative).
fn derivative_symbol(k: &[f64], j: usize, m: usize) -> C {
    if m % 2 == 1 && j == k.len() / 2 {
        return C::new(0.0, 0.0);
    }
    C::new(0.0, k[j]).powu(m as u32)
}

/// `out` = the real field whose spectrum is (ik)^m·v, through the scratch `spectrum`.
fn inverse(
    inv: &Arc<dyn Fft<f64>>,
    k: &[f64],
    spectrum: &mut [C],
    v: &[C],
    m: usize,
    out: &mut [f64],
) {
    let n = k.len();
    for j in 0..n {
        spectrum[j] = v[j] * derivative_symbol(k, j, m) / n as f64;
    }
    inv.process(spectrum);
    for (o, c) in out.iter_mut().zip(spectrum.iter()) {
        *o = c.re;
    }
}

/// ETDRK4 for v̂_t = L v̂ + N̂(v̂, t) with diagonal L.
struct Etdrk4 {
    rhs: Rhs,
    h: f64,
    e: Vec<C>,
    e2: Vec<C>,
    q: Vec<C>,
    f1: Vec<C>,
    f2: Vec<C>,
    f3: Vec<C>,
    /// Stage values and their nonlinear terms.
    a: Vec<C>,
    b: Vec<C>,
    c: Vec<C>,
    nv: Vec<C>,
    na: Vec<C>,
    nb: Vec<C>,
    nc: Vec<C>,
}

impl Etdrk4 {
    /// Coefficients as means over a circle of radius 1 around each hL (Kassam–Trefethen),
    /// the full circle because L is complex for odd derivatives.
    fn new(rhs: Rhs, h: f64) -> Etdrk4 {
        const POINTS: usize = 64;
        let roots: Vec<C> = (0..POINTS)
            .map(|j| {
                C::from_polar(
                    1.0,
                    std::f64::consts::TAU * (j as f64 + 0.5) / POINTS as f64,
                )
            })
            .collect();
        let mean = |l: C, f: &dyn Fn(C) -> C| -> C {
            roots.iter().map(|&r| f(l * h + r)).sum::<C>() / POINTS as f64
        };
        let n = rhs.n();
        let mut s = Etdrk4 {
            h,
            e: Vec::with_capacity(n),
            e2: Vec::with_capacity(n),
            q: Vec::with_capacity(n),
            f1: Vec::with_capacity(n),
            f2: Vec::with_capacity(n),
            f3: Vec::with_capacity(n),
            a: vec![C::new(0.0, 0.0); n],
            b: vec![C::new(0.0, 0.0); n],
            c: vec![C::new(0.0, 0.0); n],
            nv: vec![C::new(0.0, 0.0); n],
            na: vec![C::new(0.0, 0.0); n],
            nb: vec![C::new(0.0, 0.0); n],
            nc: vec![C::new(0.0, 0.0); n],
            rhs,
        };
        for &l in &s.rhs.linear {
            s.e.push((l * h).exp());
            s.e2.push((l * h / 2.0).exp());
            s.q.push(mean(l, &|z| ((z / 2.0).exp() - 1.0) / z) * h);
            s.f1.push(
                mean(l, &|z| {
                    (-4.0 - z + z.exp() * (4.0 - 3.0 * z + z * z)) / z.powu(3)
                }) * h,
            );
            s.f2.push(mean(l, &|z| (2.0 + z + z.exp() * (z - 2.0)) / z.powu(3)) * h);
            s.f3.push(
                mean(l, &|z| {
                    (-4.0 - 3.0 * z - z * z + z.exp() * (4.0 - z)) / z.powu(3)
                }) * h,
            );
        }
        s
    }

    /// One step of size h from time t (index loops: seven arrays move in step).
    #[allow(clippy::needless_range_loop)]
    fn step(&mut self, v: &mut [C], t: f64) {
        let h = self.h;
        self.rhs.nonlinear(v, t, &mut self.nv);
        for j in 0..v.len() {
            self.a[j] = self.e2[j] * v[j] + self.q[j] * self.nv[j];
        }
        self.rhs.nonlinear(&self.a, t + h / 2.0, &mut self.na);
        for j in 0..v.len() {
            self.b[j] = self.e2[j] * v[j] + self.q[j] * self.na[j];
        }
        self.rhs.nonlinear(&self.b, t + h / 2.0, &mut self.nb);
        for j in 0..v.len() {
            self.c[j] = self.e2[j] * self.a[j] + self.q[j] * (2.0 * self.nb[j] - self.nv[j]);
        }
        self.rhs.nonlinear(&self.c, t + h, &mut self.nc);
        for j in 0..v.len() {
            v[j] = self.e[j] * v[j]
                + self.nv[j] * self.f1[j]
                + 2.0 * (self.na[j] + self.nb[j]) * self.f2[j]
                + self.nc[j] * self.f3[j];
        }
    }
}
