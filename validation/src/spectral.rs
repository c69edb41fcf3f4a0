//! Fourier pseudo-spectral reference solver for 1-D periodic problems
//! u_t + F(u, u_x, …, u_xxxx, x, t) = 0, stepped by ETDRK4 (Cox & Matthews 2002) with the
//! coefficients computed by contour integrals (Kassam & Trefethen 2005).
//!
//! The PDE is the problem file's own residual, so a reference is never a second transcription
//! of the equation: the part of -F that is linear in u at u = 0 (constant coefficients) is
//! integrated exactly, everything else explicitly.

use crate::ValidationError;
use operators::expr::{Inputs, Program};
use operators::{JetLayout, Partial, Points};
use problems::spec::ConditionKind;
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

/// A solution on the periodic grid x_j = lo + j·L/n at the output times; `u[t][x]`.
#[derive(Clone, Debug)]
pub struct SpectralSolution {
    pub x: Vec<f64>,
    pub t: Vec<f64>,
    pub u: Vec<f64>,
}

impl SpectralSolution {
    /// The solution at output time index `k`.
    pub fn at(&self, k: usize) -> &[f64] {
        let n = self.x.len();
        &self.u[k * n..(k + 1) * n]
    }

    /// The solution at output time index `k` and any points `xs`, by its Fourier series
    /// (exact interpolation of a resolved solution), e.g. onto a grid that includes both ends.
    pub fn sample(&self, k: usize, xs: &[f64]) -> Vec<f64> {
        let n = self.x.len();
        let length = (self.x[1] - self.x[0]) * n as f64;
        let mut v: Vec<C> = self.at(k).iter().map(|&u| C::new(u, 0.0)).collect();
        FftPlanner::new().plan_fft_forward(n).process(&mut v);
        let wavenumbers = wavenumbers(n, length);
        xs.iter()
            .map(|&x| {
                let phase = x - self.x[0];
                v.iter()
                    .zip(&wavenumbers)
                    .map(|(vj, kj)| (vj * C::from_polar(1.0, kj * phase)).re)
                    .sum::<f64>()
                    / n as f64
            })
            .collect()
    }
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
pub fn solve(p: &Problem, s: &SpectralSettings) -> Result<SpectralSolution, ValidationError> {
    let unsupported = |m: String| ValidationError::Unsupported(format!("spectral solver: {m}"));
    if p.axes != ["x", "t"] || p.symbols.fields.len() != 1 || p.residuals.len() != 1 {
        return Err(unsupported(format!(
            "needs one field of (x, t) and one residual; {} has axes ({}) and {} residuals",
            p.path.display(),
            p.axes.join(", "),
            p.residuals.len()
        )));
    }
    if s.modes < 8 || !s.modes.is_multiple_of(2) || s.dt <= 0.0 || s.snapshots < 2 {
        return Err(unsupported(
            "modes must be even and at least 8, dt positive, snapshots at least 2".into(),
        ));
    }
    let initial = p
        .conditions
        .iter()
        .find(|c| c.kind == ConditionKind::Initial)
        .and_then(|c| c.target.clone())
        .ok_or_else(|| unsupported("the problem has no initial value".into()))?;
    let (lo, hi) = (p.domain.lo[0], p.domain.hi[0]);
    let (t0, t1) = (p.domain.lo[1], p.domain.hi[1]);
    let n = s.modes;
    let x: Vec<f64> = (0..n)
        .map(|j| lo + (hi - lo) * j as f64 / n as f64)
        .collect();
    let mut rhs = Rhs::new(&p.residuals[0], x.clone(), hi - lo, s.dealias)?;
    let u0 = initial.eval_at_points(&Points::new(2, [x.clone(), vec![t0; n]].concat()));
    rhs.check_first_order_in_time(&u0, t0)?;

    let t: Vec<f64> = (0..s.snapshots)
        .map(|k| t0 + (t1 - t0) * k as f64 / (s.snapshots - 1) as f64)
        .collect();
    let interval = (t1 - t0) / (s.snapshots - 1) as f64;
    let substeps = (interval / s.dt).ceil().max(1.0) as usize;
    let h = interval / substeps as f64;
    let mut stepper = Etdrk4::new(rhs, h);

    let mut v: Vec<C> = u0.iter().map(|&u| C::new(u, 0.0)).collect();
    stepper.rhs.fwd.process(&mut v);
    let mut u = u0;
    let mut time = t0;
    for &next in &t[1..] {
        for _ in 0..substeps {
            stepper.step(&mut v, time);
            time += h;
        }
        time = next;
        let row = stepper.rhs.physical(&v, 0);
        if row.iter().any(|v| !v.is_finite()) {
            return Err(unsupported(format!(
                "the solution blew up before t = {time}; use more modes or a smaller dt"
            )));
        }
        u.extend_from_slice(&row);
    }
    Ok(SpectralSolution { x, t, u })
}

/// The right-hand side N̂(v̂, t) = FFT(-F(u)) - L·v̂ and the symbol of L, with scratch memory.
struct Rhs {
    residual: Program,
    layout: JetLayout,
    /// For each jet slot: the x-derivative order it holds, or None for u_t.
    orders: Vec<Option<usize>>,
    /// Wavenumbers 2πj/L in FFT order.
    k: Vec<f64>,
    /// The symbol of the linear part L = Σ c_m ∂_x^m.
    linear: Vec<C>,
    dealias: bool,
    fwd: Arc<dyn Fft<f64>>,
    inv: Arc<dyn Fft<f64>>,
    /// Grid coordinates then the time, as the program reads them (`n × 2`).
    coords: Vec<f64>,
    jets: Vec<f64>,
    regs: Vec<f64>,
    spectrum: Vec<C>,
}

impl Rhs {
    fn new(
        residual: &Program,
        x: Vec<f64>,
        length: f64,
        dealias: bool,
    ) -> Result<Rhs, ValidationError> {
        let n = x.len();
        let partials: Vec<Partial> = residual.partials().into_iter().map(|(_, p)| p).collect();
        let layout = JetLayout::new(2, &partials);
        let orders = layout
            .slots()
            .iter()
            .map(|p| match (p.count(0), p.count(1)) {
                (m, 0) => Ok(Some(m)),
                (0, 1) => Ok(None),
                _ => Err(ValidationError::Unsupported(format!(
                    "spectral solver: `{}` reads a time derivative other than u_t",
                    residual.source()
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let k = wavenumbers(n, length);
        let mut planner = FftPlanner::new();
        let coords = [x, vec![0.0; n]].concat();
        let mut rhs = Rhs {
            residual: residual.clone(),
            jets: vec![0.0; layout.len() * n],
            regs: vec![0.0; residual.registers() * n],
            layout,
            orders,
            k,
            linear: Vec::new(),
            dealias,
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
            coords,
            spectrum: vec![C::new(0.0, 0.0); n],
        };
        rhs.linear = rhs.linear_symbol()?;
        Ok(rhs)
    }

    fn n(&self) -> usize {
        self.k.len()
    }

    /// F at time `t` with every jet slot already filled.
    fn eval(&mut self, t: f64) -> &[f64] {
        let n = self.n();
        self.coords[n..].fill(t);
        let inp = Inputs {
            n,
            layout: &self.layout,
            jets: &self.jets,
            x: &self.coords,
            params: &[],
        };
        self.residual.eval(&inp, &mut self.regs)
    }

    /// c_m = -∂F/∂(∂_x^m u) at u = 0 by central differences (exact for linear terms; the
    /// explicit part absorbs any remainder, so only stiffness, not accuracy, rests on it).
    fn linear_symbol(&mut self) -> Result<Vec<C>, ValidationError> {
        let n = self.n();
        let delta = 1e-4;
        let mut coefficients = Vec::new();
        for slot in 0..self.orders.len() {
            let Some(m) = self.orders[slot] else { continue };
            let side = |sign: f64, rhs: &mut Rhs| {
                rhs.jets.fill(0.0);
                rhs.jets[slot * n..(slot + 1) * n].fill(sign * delta);
                rhs.eval(0.0).to_vec()
            };
            let (plus, minus) = (side(1.0, self), side(-1.0, self));
            let c: Vec<f64> = plus
                .iter()
                .zip(&minus)
                .map(|(a, b)| -(a - b) / (2.0 * delta))
                .collect();
            let mean = c.iter().sum::<f64>() / n as f64;
            if c.iter()
                .any(|v| (v - mean).abs() > 1e-8 * mean.abs().max(1.0))
            {
                return Err(ValidationError::Unsupported(format!(
                    "spectral solver: the coefficient of the order-{m} x-derivative in `{}` varies with x",
                    self.residual.source()
                )));
            }
            coefficients.push((m, mean));
        }
        Ok((0..n)
            .map(|j| {
                coefficients
                    .iter()
                    .map(|&(m, c)| derivative_symbol(&self.k, j, m) * c)
                    .sum()
            })
            .collect())
    }

    /// The residual must read u_t + F: its change with u_t is one, checked at the initial state.
    fn check_first_order_in_time(&mut self, u0: &[f64], t0: f64) -> Result<(), ValidationError> {
        let n = self.n();
        let mut v: Vec<C> = u0.iter().map(|&u| C::new(u, 0.0)).collect();
        self.fwd.process(&mut v);
        self.fill_jets(&v);
        let Some(slot) = self.orders.iter().position(Option::is_none) else {
            return Err(ValidationError::Unsupported(format!(
                "spectral solver: `{}` has no u_t",
                self.residual.source()
            )));
        };
        let without = self.eval(t0).to_vec();
        self.jets[slot * n..(slot + 1) * n].fill(1.0);
        let with = self.eval(t0).to_vec();
        if with
            .iter()
            .zip(&without)
            .any(|(a, b)| (a - b - 1.0).abs() > 1e-9)
        {
            return Err(ValidationError::Unsupported(format!(
                "spectral solver: `{}` is not of the form u_t + F(u, x-derivatives, x, t)",
                self.residual.source()
            )));
        }
        Ok(())
    }

    /// Physical values of the x-derivative of order `m` of the field with spectrum `v`.
    fn physical(&mut self, v: &[C], m: usize) -> Vec<f64> {
        let mut out = vec![0.0; self.n()];
        inverse(&self.inv, &self.k, &mut self.spectrum, v, m, &mut out);
        out
    }

    /// Every jet slot from the spectrum `v` (u_t is zero: F does not read it).
    fn fill_jets(&mut self, v: &[C]) {
        let n = self.n();
        for (slot, jet) in self.jets.chunks_exact_mut(n).enumerate() {
            match self.orders[slot] {
                Some(m) => inverse(&self.inv, &self.k, &mut self.spectrum, v, m, jet),
                None => jet.fill(0.0),
            }
        }
    }

    /// N̂(v̂, t) into `out`.
    fn nonlinear(&mut self, v: &[C], t: f64, out: &mut [C]) {
        let n = self.n();
        self.fill_jets(v);
        let f = self.eval(t);
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
