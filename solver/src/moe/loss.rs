//! Training through the hard-constraint layer (methods.md §E): every step, each expert
//! solves for its coefficients w_e on constraint points of its block (plus the global
//! initial and boundary rows), and the outer loss (residual, initial and boundary terms on
//! other points, with u = Φ(x)·w_e(x)) is differentiated through the solves by the
//! implicit function theorem. Experts run in parallel; their gradients are summed in expert
//! order, so the result does not depend on the number of threads.

use super::least_squares::{backward, solve, LmSettings, LmStop, Rows};
use super::Blocks;
use crate::optim::Objective;
use crate::pinn::{PointSource, Target, TermSpec};
use crate::train::Loss;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use operators::expr::{Inputs, Program};
use operators::model::Field;
use operators::{JetLayout, Mlp, Points, Real, Rng};
use problems::Sampling;
use rayon::prelude::*;

/// Points where one term's equations are imposed, with the term's target values there.
struct PointSet {
    term: usize,
    /// `n × dims`, column-major.
    x: Vec<f64>,
    target: Option<Vec<f64>>,
}

/// What one expert works on in a step.
#[derive(Default)]
struct Expert {
    /// Constraint rows: PDE points in the block, then every condition's global points.
    constraint: Vec<PointSet>,
    /// The outer loss's points that fall in the block, one set per term.
    outer: Vec<PointSet>,
}

/// How an expert's last solve went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolveReport {
    pub iterations: usize,
    pub cost: f64,
    pub stop: LmStop,
}

/// One expert's share of a step.
struct ExpertStep<T> {
    grad: Vec<T>,
    /// Weighted sums of squares per term (already divided by the term's point count).
    values: Vec<f64>,
    w: Vec<f64>,
    report: SolveReport,
}

pub struct HardConstraintLoss<T: Real> {
    /// The backbone: its outputs are the basis functions φ_1..φ_N.
    pub field: Mlp<T>,
    pub blocks: Blocks,
    pub settings: LmSettings,
    /// Term 0 is the PDE residual, the others the conditions.
    terms: Vec<TermSpec>,
    layouts: Vec<JetLayout>,
    constraint_points: usize,
    /// Whether every expert holds every condition's points (else those in its block).
    global_conditions: bool,
    sampling: Sampling,
    experts: Vec<Expert>,
    /// Points of each term in the outer loss (its mean is over all experts).
    outer_points: Vec<usize>,
    /// Each expert's coefficients: the last solution, where the next solve starts.
    w: Vec<Vec<f64>>,
    reports: Vec<SolveReport>,
    values: Vec<f64>,
}

impl<T: Real> HardConstraintLoss<T> {
    /// `terms[0]` must be the PDE residual on interior points; the other terms are the
    /// conditions, imposed on the experts (all of their points on every expert when
    /// `global_conditions`, else the points in each block) and in the outer loss.
    pub fn new(
        field: Mlp<T>,
        blocks: Blocks,
        settings: LmSettings,
        terms: Vec<TermSpec>,
        (constraint_points, global_conditions): (usize, bool),
        sampling: Sampling,
        rng: &mut Rng,
    ) -> Self {
        let layouts = terms.iter().map(|t| t.layout(field.inputs())).collect();
        let k = blocks.len();
        // w0 = 1, as in the paper.
        let w = vec![vec![1.0; field.outputs()]; k];
        let mut loss = HardConstraintLoss {
            field,
            blocks,
            settings,
            values: vec![0.0; terms.len()],
            terms,
            layouts,
            constraint_points,
            global_conditions,
            sampling,
            experts: (0..k).map(|_| Expert::default()).collect(),
            outer_points: Vec::new(),
            w,
            reports: Vec::new(),
        };
        loss.resample(rng);
        loss
    }

    pub fn n_params(&self) -> usize {
        self.field.n_params()
    }

    /// How each expert's last solve went.
    pub fn reports(&self) -> &[SolveReport] {
        &self.reports
    }

    /// u = Φ(x)·w_e(x) at `points`, each point with the coefficients of its block.
    pub fn solution(&self, params: &[T], points: &Points<T>) -> Vec<f64> {
        let basis = crate::predict(&self.field, params, points);
        (0..points.len())
            .map(|i| {
                let e = self.blocks.of(|a| points.axis(a)[i].to_f64());
                basis.iter().zip(&self.w[e]).map(|(b, w)| b[i] * w).sum()
            })
            .collect()
    }

    /// The network's basis jets on a point set (`slots·n × N`, f64) and its tape.
    fn basis(&self, params: &[T], set: &PointSet) -> (Vec<f64>, <Mlp<T> as Field<T>>::Tape) {
        let n = set.x.len() / self.field.inputs();
        let mut tape = self.field.tape(&self.layouts[set.term], n);
        let x: Vec<T> = set.x.iter().map(|&v| T::from_f64(v)).collect();
        self.field.forward(params, &x, &mut tape);
        let basis = self
            .field
            .output(&tape)
            .iter()
            .map(|v| v.to_f64())
            .collect();
        (basis, tape)
    }

    /// Solve, outer loss and gradient of expert `e`.
    fn expert_step(&self, e: usize, params: &[T]) -> ExpertStep<T> {
        let expert = &self.experts[e];
        let nb = self.field.outputs();
        let mut grad = vec![T::zero(); self.n_params()];
        let mut values = vec![0.0; self.terms.len()];

        // The constraint: basis jets on its rows, then w_e by Levenberg–Marquardt.
        let constraint: Vec<&PointSet> = expert
            .constraint
            .iter()
            .filter(|s| !s.x.is_empty())
            .collect();
        let (c_basis, mut c_tapes): (Vec<Vec<f64>>, Vec<_>) =
            constraint.iter().map(|set| self.basis(params, set)).unzip();
        let rows: Vec<Rows<'_>> = constraint
            .iter()
            .zip(&c_basis)
            .flat_map(|(set, basis)| {
                let term = &self.terms[set.term];
                term.equations.iter().map(move |program| Rows {
                    program,
                    layout: &self.layouts[set.term],
                    x: &set.x,
                    basis,
                    target: set.target.as_deref(),
                    weight: term.weight,
                })
            })
            .collect();
        let sol = solve(&rows, &self.w[e], &self.settings);
        let w = &sol.w;

        // The outer loss with u = Φ·w_e: its direct gradient, and w̄_e for the implicit one.
        let mut w_bar = vec![0.0; nb];
        for set in &expert.outer {
            if set.x.is_empty() {
                continue;
            }
            let n = set.x.len() / self.field.inputs();
            let (basis, mut tape) = self.basis(params, set);
            let (term, layout) = (&self.terms[set.term], &self.layouts[set.term]);
            let len = layout.len() * n;
            let mut u = vec![0.0; len];
            matmul(
                MatMut::from_column_major_slice_mut(&mut u, len, 1),
                Accum::Replace,
                MatRef::from_column_major_slice(&basis, len, nb),
                MatRef::from_column_major_slice(w, nb, 1),
                1.0,
                Par::Seq,
            );
            let inp = Inputs {
                n,
                layout,
                jets: &u,
                x: &set.x,
                params: &[],
            };
            let registers = term.equations.iter().map(Program::registers).max();
            let mut regs = vec![0.0; registers.unwrap_or(1) * n];
            let mut bars = regs.clone();
            let mut u_bar = vec![0.0; len];
            let scale = term.weight / self.outer_points[set.term] as f64;
            let mut seed = vec![0.0; n];
            for program in &term.equations {
                let r = program.eval(&inp, &mut regs);
                for (i, (s, &r)) in seed.iter_mut().zip(r).enumerate() {
                    let d = r - set.target.as_ref().map_or(0.0, |t| t[i]);
                    values[set.term] += scale * d * d;
                    *s = 2.0 * scale * d;
                }
                program.adjoint(&inp, &regs, &seed, &mut bars, &mut u_bar, &mut []);
            }
            // w̄ += Φᵀ·ū; φ̄_k = ū·w_k.
            matmul(
                MatMut::from_column_major_slice_mut(&mut w_bar, nb, 1),
                Accum::Add,
                MatRef::from_column_major_slice(&basis, len, nb).transpose(),
                MatRef::from_column_major_slice(&u_bar, len, 1),
                1.0,
                Par::Seq,
            );
            let phi_bar: Vec<T> = w
                .iter()
                .flat_map(|&wk| u_bar.iter().map(move |&b| T::from_f64(b * wk)))
                .collect();
            self.field.backward(params, &phi_bar, &mut tape, &mut grad);
        }

        // Through the solve: φ̄ on the constraint rows, then into the network.
        let mut row_bars: Vec<Vec<f64>> = rows.iter().map(|r| vec![0.0; r.basis.len()]).collect();
        let mut views: Vec<&mut [f64]> = row_bars.iter_mut().map(Vec::as_mut_slice).collect();
        backward(&rows, w, &w_bar, self.settings.ridge, &mut views);
        let mut row_bar = row_bars.into_iter();
        for ((set, basis), tape) in constraint.iter().zip(&c_basis).zip(&mut c_tapes) {
            let mut bar = vec![0.0; basis.len()];
            for _ in &self.terms[set.term].equations {
                let b = row_bar.next().expect("one adjoint per row set");
                bar.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
            }
            let bar: Vec<T> = bar.into_iter().map(T::from_f64).collect();
            self.field.backward(params, &bar, tape, &mut grad);
        }
        ExpertStep {
            grad,
            values,
            report: SolveReport {
                iterations: sol.iterations,
                cost: sol.cost,
                stop: sol.stop,
            },
            w: sol.w,
        }
    }
}

/// Splits points among the blocks, keeping each point's target value.
fn split(
    blocks: &Blocks,
    term: usize,
    points: &Points<f64>,
    target: Option<&[f64]>,
) -> Vec<PointSet> {
    let mut members = vec![Vec::new(); blocks.len()];
    for i in 0..points.len() {
        members[blocks.of(|a| points.axis(a)[i])].push(i);
    }
    members
        .into_iter()
        .map(|m| PointSet {
            term,
            x: points.select(&m).coords().to_vec(),
            target: target.map(|t| m.iter().map(|&i| t[i]).collect()),
        })
        .collect()
}

impl<T: Real> Objective<T> for HardConstraintLoss<T> {
    fn value_and_grad(&mut self, x: &[T], grad: &mut [T]) -> f64 {
        let steps: Vec<ExpertStep<T>> = (0..self.experts.len())
            .into_par_iter()
            .map(|e| self.expert_step(e, x))
            .collect();
        grad.fill(T::zero());
        self.values.fill(0.0);
        self.reports.clear();
        for (e, step) in steps.into_iter().enumerate() {
            grad.iter_mut().zip(&step.grad).for_each(|(g, s)| *g += *s);
            self.values
                .iter_mut()
                .zip(&step.values)
                .for_each(|(v, s)| *v += s);
            self.w[e] = step.w;
            self.reports.push(step.report);
        }
        self.values.iter().sum()
    }
}

impl<T: Real> Loss<T> for HardConstraintLoss<T> {
    /// Fresh constraint points in every block, fresh global condition rows, and fresh outer
    /// points (the paper draws a new random mask at every call).
    fn resample(&mut self, rng: &mut Rng) {
        let target = |t: &TermSpec, points: &Points<f64>| match &t.target {
            Some(Target::Expression(p)) => Some(p.eval_at_points(points)),
            Some(Target::Values(_)) => unreachable!("problems reject data conditions here"),
            None => None,
        };
        for (e, expert) in self.experts.iter_mut().enumerate() {
            let source = PointSource::Interior {
                domain: self.blocks.bounds(e),
                n: self.constraint_points,
                sampling: self.sampling,
            };
            let points = source.draw::<f64>(rng);
            expert.constraint = vec![PointSet {
                term: 0,
                target: target(&self.terms[0], &points),
                x: points.coords().to_vec(),
            }];
        }
        for (t, term) in self.terms.iter().enumerate().skip(1) {
            let points = term.source.draw::<f64>(rng);
            let values = target(term, &points);
            if self.global_conditions {
                let x = points.coords().to_vec();
                for expert in &mut self.experts {
                    expert.constraint.push(PointSet {
                        term: t,
                        x: x.clone(),
                        target: values.clone(),
                    });
                }
            } else {
                let shares = split(&self.blocks, t, &points, values.as_deref());
                for (expert, set) in self.experts.iter_mut().zip(shares) {
                    expert.constraint.push(set);
                }
            }
        }
        self.outer_points.clear();
        for expert in &mut self.experts {
            expert.outer.clear();
        }
        for (t, term) in self.terms.iter().enumerate() {
            let points = term.source.draw::<f64>(rng);
            self.outer_points.push(points.len());
            let values = target(term, &points);
            for (expert, set) in
                self.experts
                    .iter_mut()
                    .zip(split(&self.blocks, t, &points, values.as_deref()))
            {
                expert.outer.push(set);
            }
        }
    }

    fn term_values(&self) -> Vec<f64> {
        self.values.clone()
    }

    fn term_names(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.name.as_str()).collect()
    }

    fn state(&self) -> Vec<f64> {
        self.w.concat()
    }

    /// The coefficients of a checkpoint (none: keep the starting ones).
    fn set_state(&mut self, state: &[f64]) {
        if state.is_empty() {
            return;
        }
        let nb = self.field.outputs();
        assert_eq!(
            state.len(),
            nb * self.w.len(),
            "one coefficient per basis function and expert"
        );
        for (w, s) in self.w.iter_mut().zip(state.chunks(nb)) {
            w.copy_from_slice(s);
        }
    }
}
