//! A problem's residual u_t + F(u, u_x, …, x, t) read as an evolution equation u_t = -F on a
//! 1-D grid: what the classical reference solvers step. Grid derivatives go into the jet
//! slots; the compiled program gives F and, by its adjoint, ∂F/∂(each slot) per point.

use crate::ValidationError;
use operators::expr::{Inputs, Program};
use operators::{JetLayout, Partial, Points};
use problems::spec::ConditionKind;
use problems::Problem;

pub struct Evolution {
    residual: Program,
    layout: JetLayout,
    /// For each jet slot: the x-derivative order it holds, or None for u_t.
    orders: Vec<Option<usize>>,
    /// Grid coordinates then the time, as the program reads them (`n × 2`).
    coords: Vec<f64>,
    /// Jet values, slot-major (`slots × n`); u_t stays zero.
    jets: Vec<f64>,
    regs: Vec<f64>,
    bars: Vec<f64>,
    jets_bar: Vec<f64>,
    /// The adjoint seed: F itself, point by point.
    ones: Vec<f64>,
}

impl Evolution {
    /// The residual of a one-field problem over (x, t), on the grid `x`.
    pub fn new(p: &Problem, x: Vec<f64>) -> Result<Evolution, ValidationError> {
        if p.axes != ["x", "t"] || p.symbols.fields.len() != 1 || p.residuals.len() != 1 {
            return Err(ValidationError::Unsupported(format!(
                "needs one field of (x, t) and one residual; {} has axes ({}) and {} residuals",
                p.path.display(),
                p.axes.join(", "),
                p.residuals.len()
            )));
        }
        let residual = p.residuals[0].clone();
        let partials: Vec<Partial> = residual.partials().into_iter().map(|(_, p)| p).collect();
        let layout = JetLayout::new(2, &partials);
        let orders = layout
            .slots()
            .iter()
            .map(|p| match (p.count(0), p.count(1)) {
                (m, 0) => Ok(Some(m)),
                (0, 1) => Ok(None),
                _ => Err(ValidationError::Unsupported(format!(
                    "`{}` reads a time derivative other than u_t",
                    residual.source()
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let n = x.len();
        Ok(Evolution {
            jets: vec![0.0; layout.len() * n],
            regs: vec![0.0; residual.registers() * n],
            bars: vec![0.0; residual.registers() * n],
            jets_bar: vec![0.0; layout.len() * n],
            ones: vec![1.0; n],
            coords: [x, vec![0.0; n]].concat(),
            residual,
            layout,
            orders,
        })
    }

    /// The initial value of a problem on the grid `x`.
    pub fn initial_value(p: &Problem, x: &[f64]) -> Result<Vec<f64>, ValidationError> {
        let initial = p
            .conditions
            .iter()
            .find(|c| c.kind == ConditionKind::Initial)
            .and_then(|c| c.target.clone())
            .ok_or_else(|| {
                ValidationError::Unsupported("the problem has no initial value".into())
            })?;
        let t0 = p.domain.lo[p.time_axis.unwrap_or(1)];
        Ok(initial.eval_at_points(&Points::new(2, [x.to_vec(), vec![t0; x.len()]].concat())))
    }

    pub fn source(&self) -> &str {
        self.residual.source()
    }

    pub fn len(&self) -> usize {
        self.coords.len() / 2
    }

    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// The x-derivative orders F reads, with their slots.
    pub fn orders(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.orders
            .iter()
            .enumerate()
            .filter_map(|(slot, o)| o.map(|m| (slot, m)))
    }

    /// The values of ∂_x^m u (or u_t for `None`) that F reads, to be filled by the solver.
    pub fn slot_mut(&mut self, slot: usize) -> &mut [f64] {
        let n = self.len();
        &mut self.jets[slot * n..(slot + 1) * n]
    }

    /// F at time `t` with every x-derivative slot filled.
    pub fn eval(&mut self, t: f64) -> &[f64] {
        let n = self.len();
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

    /// F and ∂F/∂(each slot) per point at time `t` (slot-major like the jets), from one
    /// evaluation and its adjoint.
    pub fn value_and_jacobian(&mut self, t: f64) -> (&[f64], &[f64]) {
        let n = self.len();
        self.eval(t);
        let inp = Inputs {
            n: self.len(),
            layout: &self.layout,
            jets: &self.jets,
            x: &self.coords,
            params: &[],
        };
        self.jets_bar.fill(0.0);
        self.residual.adjoint(
            &inp,
            &self.regs,
            &self.ones,
            &mut self.bars,
            &mut self.jets_bar,
            &mut [],
        );
        let last = self.residual.registers() - 1;
        (&self.regs[last * n..(last + 1) * n], &self.jets_bar)
    }

    /// The residual must read u_t + F: its change with u_t is one, at the state in the slots.
    pub fn check_first_order_in_time(&mut self, t: f64) -> Result<(), ValidationError> {
        let message = format!(
            "`{}` is not of the form u_t + F(u, x-derivatives, x, t)",
            self.residual.source()
        );
        let not_of_form = || ValidationError::Unsupported(message.clone());
        let Some(slot) = self.orders.iter().position(Option::is_none) else {
            return Err(not_of_form());
        };
        let without = self.eval(t).to_vec();
        self.slot_mut(slot).fill(1.0);
        let with = self.eval(t).to_vec();
        self.slot_mut(slot).fill(0.0);
        if with
            .iter()
            .zip(&without)
            .any(|(a, b)| (a - b - 1.0).abs() > 1e-9)
        {
            return Err(not_of_form());
        }
        Ok(())
    }

    /// The constant coefficients c_m of the part of -F linear in u at u = 0, by central
    /// differences (exact for linear terms). Errors if a coefficient varies with x.
    pub fn linear_part(&mut self) -> Result<Vec<(usize, f64)>, ValidationError> {
        let n = self.len();
        let delta = 1e-4;
        let slots: Vec<(usize, usize)> = self.orders().collect();
        let mut coefficients = Vec::new();
        for (slot, m) in slots {
            let mut side = |sign: f64| {
                self.jets.fill(0.0);
                self.slot_mut(slot).fill(sign * delta);
                self.eval(0.0).to_vec()
            };
            let (plus, minus) = (side(1.0), side(-1.0));
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
                    "the coefficient of the order-{m} x-derivative in `{}` varies with x",
                    self.residual.source()
                )));
            }
            coefficients.push((m, mean));
        }
        self.jets.fill(0.0);
        Ok(coefficients)
    }
}

/// A solution on a 1-D grid at the output times; `u[t][x]`.
#[derive(Clone, Debug)]
pub struct Solution {
    pub x: Vec<f64>,
    pub t: Vec<f64>,
    pub u: Vec<f64>,
}

impl Solution {
    /// The solution at output time index `k`.
    pub fn at(&self, k: usize) -> &[f64] {
        let n = self.x.len();
        &self.u[k * n..(k + 1) * n]
    }
}

/// `snapshots` output times spread evenly over the problem's time interval (both ends), and
/// the steps of each interval: their count and their size, no larger than `dt`.
pub fn output_times(p: &Problem, snapshots: usize, dt: f64) -> (Vec<f64>, usize, f64) {
    let a = p.time_axis.unwrap_or(1);
    let (t0, t1) = (p.domain.lo[a], p.domain.hi[a]);
    let t: Vec<f64> = (0..snapshots)
        .map(|k| t0 + (t1 - t0) * k as f64 / (snapshots - 1) as f64)
        .collect();
    let interval = (t1 - t0) / (snapshots - 1) as f64;
    let substeps = (interval / dt).ceil().max(1.0) as usize;
    (t, substeps, interval / substeps as f64)
}
