//! Training through the hard-constraint layer (methods.md §E). A step has three phases:
//! 1. each expert solves for its coefficients w_e on constraint points of its block (plus
//!    the conditions' rows and, on the faces it shares, its neighbours' solutions of the
//!    previous step) and evaluates the outer loss (residual, initial and boundary terms on
//!    other points, with u = Φ(x)·w_e(x)) and its direct gradient;
//! 2. on every interface between neighbouring blocks, the two experts' solutions and their
//!    normal derivatives are asked to agree (see `seams`);
//! 3. each expert carries its total w̄_e back through its solve by the implicit function
//!    theorem.
//!
//! Experts run in parallel; gradients are summed in a fixed order, so the result does not
//! depend on the number of threads.

use super::basis::{Backbone, BasisAt};
use super::least_squares::{backward, combine, solve, LmSettings, LmStop, Rows};
use super::points::{Expert, ExpertPoints};
use super::schedule::longest_first;
use super::seams::{Seam, Seams};
use super::{Blocks, InitialAnsatz};
use crate::optim::Objective;
use crate::pinn::TermSpec;
use crate::train::Loss;
use operators::expr::{Backprop, Inputs, Symbols};
use operators::model::Field;
use operators::{JetLayout, Model, Points, Real, Rng};
use rayon::prelude::*;

/// How an expert's last solve went.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SolveReport {
    /// Levenberg–Marquardt iterations.
    pub iterations: usize,
    /// ½‖R(w)‖² at the end.
    pub cost: f64,
    /// Why it ended.
    pub stop: LmStop,
}

/// An expert after phase 1: its solve, what its backward needs, and its share of the
/// outer loss.
struct Solved<T: Real> {
    /// The expert's non-empty constraint sets, then its seams when it has neighbour rows
    /// (the basis on each is in the expert's [`Workspace`]).
    sets: Vec<RowSet>,
    w: Vec<f64>,
    report: SolveReport,
    /// ∂L/∂w_e of the outer loss so far.
    w_bar: Vec<f64>,
    /// The direct gradient (through u = Φ·w_e with w_e fixed).
    grad: Vec<T>,
    /// Weighted sums of squares per term (already divided by the term's point count).
    values: Vec<f64>,
}

/// What an expert's step keeps from one step to the next: the basis on each of its point
/// sets (see [`BasisAt`]) and the adjoints of its rows.
#[derive(Default)]
struct Workspace<T: Real> {
    /// On each of the solve's row sets, in [`Solved::sets`]' order.
    rows: Vec<BasisAt<T>>,
    /// The adjoint of each constraint row's basis jets.
    row_bars: Vec<Vec<f64>>,
}

/// Where an expert's constraint rows come from.
#[derive(Clone, Copy)]
enum RowSet {
    /// One of its constraint point sets.
    Constraint(usize),
    /// A seam, where the solution takes the values of the neighbour's previous one (the
    /// lower one's when `from_lower`).
    Seam { seam: usize, from_lower: bool },
}

/// One interface's term: its value and gradients.
struct Jump<T> {
    value: f64,
    /// ∂L/∂w of the lower expert; the upper one's is its negative.
    w_bar: Vec<f64>,
    grad: Vec<T>,
}

/// The loss of hard-constrained experts: each block's coefficients solve its constraints
/// exactly, and the outer loss trains the backbone whose outputs are the basis functions.
pub struct HardConstraintLoss<T: Real> {
    /// The backbone: its outputs are the basis functions φ_1..φ_N.
    pub field: Model<T>,
    /// The experts' blocks.
    pub blocks: Blocks,
    /// How each expert's least-squares problem is solved.
    pub settings: LmSettings,
    /// Term 0 is the PDE residual, the others the conditions.
    terms: Vec<TermSpec>,
    layouts: Vec<JetLayout>,
    points: ExpertPoints,
    ansatz: Option<InitialAnsatz>,
    experts: Vec<Expert>,
    seams: Seams,
    /// Points of each term in the outer loss (its mean is over all experts).
    outer_points: Vec<usize>,
    /// Each expert's coefficients: the last solution, where the next solve starts.
    w: Vec<Vec<f64>>,
    /// The network's parameters at the last step: with `w`, the previous solutions that the
    /// neighbour rows ask for.
    previous_params: Option<Vec<T>>,
    reports: Vec<SolveReport>,
    /// Per term, then the interface term when there is one.
    values: Vec<f64>,
    /// Each expert's workspace, and the basis on each seam.
    work: Vec<Workspace<T>>,
    seam_basis: Vec<BasisAt<T>>,
    /// Each worker thread's basis on the outer loss's point sets: one set's is done with
    /// before the next, and one per expert instead would spread a step over more memory than
    /// a core's cache holds (1.06x slower at K = 8 on one thread).
    outer_basis: Vec<BasisAt<T>>,
}

impl<T: Real> HardConstraintLoss<T> {
    /// `terms[0]` must be the PDE residual on interior points; the other terms are the
    /// conditions, imposed on the experts and in the outer loss (but for the initial values
    /// when an `ansatz` makes them exact). `symbols` name the field and coordinates, for the
    /// jets compared across interfaces. Draw points with `resample` before the first step.
    pub fn new(
        field: Model<T>,
        blocks: Blocks,
        settings: LmSettings,
        terms: Vec<TermSpec>,
        points: ExpertPoints,
        ansatz: Option<InitialAnsatz>,
        symbols: &Symbols,
    ) -> Self {
        let dims = field.inputs();
        let layouts: Vec<JetLayout> = terms.iter().map(|t| t.layout(dims)).collect();
        let k = blocks.len();
        let seams = Seams::new(
            &blocks,
            &layouts[0],
            symbols,
            points.interface,
            points.interface_weight,
        );
        HardConstraintLoss {
            // w0 = 1, as in the paper.
            w: vec![vec![1.0; field.outputs()]; k],
            field,
            values: vec![0.0; terms.len() + usize::from(!seams.is_empty())],
            work: (0..k).map(|_| Workspace::default()).collect(),
            seam_basis: seams.list.iter().map(|_| BasisAt::default()).collect(),
            outer_basis: Vec::new(),
            seams,
            blocks,
            settings,
            terms,
            layouts,
            points,
            ansatz,
            experts: (0..k).map(|_| Expert::default()).collect(),
            outer_points: Vec::new(),
            previous_params: None,
            reports: Vec::new(),
        }
    }

    /// Parameters of the backbone (the trained vector).
    pub fn n_params(&self) -> usize {
        self.field.n_params()
    }

    /// The terms, the PDE residual first, with the points of each in the outer loss.
    pub fn terms(&self) -> impl Iterator<Item = (&TermSpec, usize)> {
        self.terms.iter().zip(self.outer_points.iter().copied())
    }

    /// How each expert's last solve went.
    pub fn reports(&self) -> &[SolveReport] {
        &self.reports
    }

    /// u = Φ(x)·w_e(x) at `points`, each point with the coefficients of its block (with an
    /// initial ansatz, u0(x) + (t − t0)·Φ(x)·w_e(x)).
    pub fn solution(&self, params: &[T], points: &Points<T>) -> Vec<f64> {
        let n = points.len();
        let layout = JetLayout::value_only(points.dims());
        let x: Vec<f64> = points.coords().iter().map(|v| v.to_f64()).collect();
        let mut basis: Vec<f64> = crate::predict(&self.field, params, points)
            .concat()
            .iter()
            .map(|v| v.to_f64())
            .collect();
        if let Some(a) = &self.ansatz {
            a.basis(&layout, &x, &mut basis);
        }
        let offset = self.ansatz.as_ref().and_then(|a| a.offset(&layout, &x));
        (0..n)
            .map(|i| {
                let e = self.blocks.of(|a| x[a * n + i]);
                let u0 = offset.as_ref().map_or(0.0, |o| o[i]);
                let phi = basis.iter().skip(i).step_by(n);
                u0 + phi.zip(&self.w[e]).map(|(b, w)| b * w).sum::<f64>()
            })
            .collect()
    }

    /// The backbone at parameters `params`.
    fn backbone<'a>(&'a self, params: &'a [T]) -> Backbone<'a, T> {
        Backbone {
            field: &self.field,
            params,
            ansatz: self.ansatz.as_ref(),
        }
    }

    /// The layout and points of one of expert `e`'s row sets.
    fn at(&self, e: usize, set: RowSet) -> (&JetLayout, &[f64]) {
        match set {
            RowSet::Constraint(s) => {
                let set = &self.experts[e].constraint[s];
                (&self.layouts[set.term], &set.x)
            }
            RowSet::Seam { seam, .. } => {
                let seam = &self.seams.list[seam];
                (self.seams.layout(seam), &seam.x)
            }
        }
    }

    /// The residual rows of expert `e` on its row sets, with their basis jets.
    fn rows<'a>(&'a self, e: usize, sets: &[RowSet], basis: &'a [BasisAt<T>]) -> Vec<Rows<'a>> {
        sets.iter()
            .zip(basis)
            .flat_map(|(&set, basis)| -> Vec<Rows<'a>> {
                let basis = &basis.values;
                match set {
                    RowSet::Constraint(s) => {
                        let set = &self.experts[e].constraint[s];
                        let term = &self.terms[set.term];
                        term.equations
                            .iter()
                            .map(|program| Rows {
                                program,
                                layout: &self.layouts[set.term],
                                x: &set.x,
                                basis,
                                target: set.target.as_deref(),
                                offset: set.offset.as_deref(),
                                weight: term.weight,
                            })
                            .collect()
                    }
                    RowSet::Seam { seam, from_lower } => self.seams.rows(seam, from_lower, basis),
                }
            })
            .collect()
    }

    /// The equations a row set contributes.
    fn equations(&self, e: usize, set: RowSet) -> usize {
        match set {
            RowSet::Constraint(s) => self.terms[self.experts[e].constraint[s].term]
                .equations
                .len(),
            RowSet::Seam { seam, .. } => self.seams.equations(&self.seams.list[seam]),
        }
    }

    /// Phase 1 for expert `e`: w_e by Levenberg–Marquardt on its constraint, then the outer
    /// loss with u = Φ·w_e, its direct gradient and w̄_e.
    /// `outer` is the worker thread's basis for the outer loss's point sets, one after the
    /// other.
    fn solve(
        &self,
        e: usize,
        params: &[T],
        work: &mut Workspace<T>,
        outer: &mut BasisAt<T>,
    ) -> Solved<T> {
        let expert = &self.experts[e];
        let nb = self.field.outputs();
        let mut sets: Vec<RowSet> = (0..expert.constraint.len())
            .filter(|&s| !expert.constraint[s].x.is_empty())
            .map(RowSet::Constraint)
            .collect();
        for (seam, s) in self.seams.list.iter().enumerate() {
            let i = s.interface;
            if s.previous.is_some() && (i.lower == e || i.upper == e) {
                let from_lower = i.upper == e;
                sets.push(RowSet::Seam { seam, from_lower });
            }
        }
        let net = self.backbone(params);
        work.rows.resize_with(sets.len(), BasisAt::default);
        for (&set, basis) in sets.iter().zip(&mut work.rows) {
            let (layout, x) = self.at(e, set);
            basis.eval(net, layout, x);
        }
        let sol = solve(&self.rows(e, &sets, &work.rows), &self.w[e], &self.settings);
        let w = &sol.w;

        let mut grad = vec![T::zero(); self.n_params()];
        let mut values = vec![0.0; self.terms.len()];
        let mut w_bar = vec![0.0; nb];
        let basis = outer;
        for set in expert.outer.iter().filter(|s| !s.x.is_empty()) {
            let n = set.x.len() / self.field.inputs();
            let (term, layout) = (&self.terms[set.term], &self.layouts[set.term]);
            basis.eval(net, layout, &set.x);
            let mut u = vec![0.0; layout.len() * n];
            combine(&basis.values, w, set.offset.as_deref(), &mut u);
            let inp = Inputs {
                n,
                layout,
                jets: &u,
                x: &set.x,
                params: &[],
            };
            let mut kernel = Backprop::new(&term.equations, n, 0);
            let mut u_bar = vec![0.0; u.len()];
            let scale = term.weight / self.outer_points[set.term] as f64;
            for program in &term.equations {
                kernel.run(program, &inp, &mut u_bar, |i, r| {
                    let d = r - set.target.as_ref().map_or(0.0, |t| t[i]);
                    values[set.term] += scale * d * d;
                    2.0 * scale * d
                });
            }
            basis.pull_back(net, (layout, &set.x), (&u_bar, w), &mut w_bar, &mut grad);
        }
        Solved {
            sets,
            report: SolveReport {
                iterations: sol.iterations,
                cost: sol.cost,
                stop: sol.stop,
            },
            w: sol.w,
            w_bar,
            grad,
            values,
        }
    }

    /// Phase 2 on one seam: weight·mean over the seam points of Σ_k (∂^k u_lower − ∂^k u_upper)².
    /// Both sides share the basis, so the jumps are Φ·(w_lower − w_upper).
    fn jump(
        &self,
        seam: &Seam,
        params: &[T],
        w: (&[f64], &[f64]),
        basis: &mut BasisAt<T>,
    ) -> Jump<T> {
        let (net, at) = (
            self.backbone(params),
            (self.seams.layout(seam), &seam.x[..]),
        );
        basis.eval(net, at.0, at.1);
        let delta: Vec<f64> = w.0.iter().zip(w.1).map(|(a, b)| a - b).collect();
        let mut jump = vec![0.0; basis.values.len() / delta.len()];
        combine(&basis.values, &delta, None, &mut jump);
        let value = self.seams.penalty(&mut jump);
        let mut w_bar = vec![0.0; delta.len()];
        let mut grad = vec![T::zero(); self.n_params()];
        basis.pull_back(net, at, (&jump, &delta), &mut w_bar, &mut grad);
        Jump { value, w_bar, grad }
    }

    /// The jets of the lower and upper experts' last solutions on a seam, when there are
    /// neighbour rows and a last step.
    fn previous_solutions(&self, seam: &Seam, basis: &mut BasisAt<T>) -> Option<[Vec<f64>; 2]> {
        let params = self.previous_params.as_ref()?;
        basis.eval(self.backbone(params), self.seams.layout(seam), &seam.x);
        let basis = &basis.values;
        let jets = |w: &[f64]| {
            let mut u = vec![0.0; basis.len() / w.len()];
            combine(basis, w, None, &mut u);
            u
        };
        let i = seam.interface;
        Some([jets(&self.w[i.lower]), jets(&self.w[i.upper])])
    }

    /// Phase 3 for expert `e`: w̄_e through the solve (the implicit function theorem) onto
    /// the constraint rows' basis jets, then into the network; returns the expert's gradient.
    fn backward(
        &self,
        e: usize,
        params: &[T],
        mut solved: Solved<T>,
        w_bar: &[f64],
        work: &mut Workspace<T>,
    ) -> Vec<T> {
        {
            let rows = self.rows(e, &solved.sets, &work.rows);
            work.row_bars.resize_with(rows.len(), Vec::new);
            for (bar, r) in work.row_bars.iter_mut().zip(&rows) {
                bar.clear();
                bar.resize(r.basis.len(), 0.0);
            }
            let mut views: Vec<&mut [f64]> =
                work.row_bars.iter_mut().map(Vec::as_mut_slice).collect();
            backward(&rows, &solved.w, w_bar, self.settings.ridge, &mut views);
        }
        let net = self.backbone(params);
        let mut row_bar = work.row_bars.iter();
        for (&set, basis) in solved.sets.iter().zip(&mut work.rows) {
            let sums = |bar: &mut [f64]| {
                for _ in 0..self.equations(e, set) {
                    let b = row_bar.next().expect("one adjoint per row set");
                    bar.iter_mut().zip(b).for_each(|(a, b)| *a += b);
                }
            };
            basis.backward_from(net, self.at(e, set), sums, &mut solved.grad);
        }
        solved.grad
    }
}

impl<T: Real> Objective<T> for HardConstraintLoss<T> {
    fn value_and_grad(&mut self, x: &[T], grad: &mut [T]) -> f64 {
        let (mut work, mut seam_basis) = (
            std::mem::take(&mut self.work),
            std::mem::take(&mut self.seam_basis),
        );
        let previous: Vec<Option<[Vec<f64>; 2]>> = self
            .seams
            .list
            .par_iter()
            .zip(&mut seam_basis)
            .map(|(s, basis)| self.previous_solutions(s, basis))
            .collect();
        for (seam, previous) in self.seams.list.iter_mut().zip(previous) {
            seam.previous = previous;
        }
        // Solves whose last run took the most iterations start first.
        let costs: Vec<usize> = (0..self.experts.len())
            .map(|e| self.reports.get(e).map_or(0, |r| r.iterations))
            .collect();
        let mut outer = std::mem::take(&mut self.outer_basis);
        outer.resize_with(rayon::current_num_threads(), BasisAt::default);
        let mut solved: Vec<Solved<T>> =
            longest_first(&costs, &mut work, &mut outer, |e, work, outer| {
                self.solve(e, x, work, outer)
            });
        self.outer_basis = outer;
        let jumps: Vec<Jump<T>> = self
            .seams
            .list
            .par_iter()
            .zip(&mut seam_basis)
            .map(|(s, basis)| {
                let i = s.interface;
                self.jump(s, x, (&solved[i.lower].w, &solved[i.upper].w), basis)
            })
            .collect();
        let mut w_bars: Vec<Vec<f64>> = solved
            .iter_mut()
            .map(|s| std::mem::take(&mut s.w_bar))
            .collect();
        self.values.fill(0.0);
        grad.fill(T::zero());
        for (seam, jump) in self.seams.list.iter().zip(&jumps) {
            let i = seam.interface;
            w_bars[i.lower]
                .iter_mut()
                .zip(&jump.w_bar)
                .for_each(|(a, b)| *a += b);
            w_bars[i.upper]
                .iter_mut()
                .zip(&jump.w_bar)
                .for_each(|(a, b)| *a -= b);
            grad.iter_mut().zip(&jump.grad).for_each(|(g, s)| *g += *s);
            self.values[self.terms.len()] += jump.value;
        }
        self.reports.clear();
        for (e, s) in solved.iter().enumerate() {
            self.values
                .iter_mut()
                .zip(&s.values)
                .for_each(|(v, s)| *v += s);
            self.w[e].clone_from(&s.w);
            self.reports.push(s.report);
        }
        let grads: Vec<Vec<T>> = solved
            .into_par_iter()
            .zip(w_bars)
            .zip(&mut work)
            .enumerate()
            .map(|(e, ((s, w_bar), work))| self.backward(e, x, s, &w_bar, work))
            .collect();
        (self.work, self.seam_basis) = (work, seam_basis);
        for g in grads {
            grad.iter_mut().zip(&g).for_each(|(a, b)| *a += *b);
        }
        if self.points.neighbour_rows {
            self.previous_params = Some(x.to_vec());
        }
        self.values.iter().sum()
    }
}

impl<T: Real> Loss<T> for HardConstraintLoss<T> {
    /// Fresh constraint points in every block, fresh condition rows, fresh outer and
    /// interface points (the paper draws a new random mask at every call).
    fn resample(&mut self, rng: &mut Rng) {
        let ansatz = self.ansatz.as_ref();
        (self.experts, self.outer_points) =
            self.points
                .draw(&self.terms, &self.layouts, &self.blocks, ansatz, rng);
        self.seams.resample(&self.blocks, self.points.sampling, rng);
    }

    fn term_values(&self) -> Vec<f64> {
        self.values.clone()
    }

    fn term_names(&self) -> Vec<&str> {
        let names = self.terms.iter().map(|t| t.name.as_str());
        let seams = (!self.seams.is_empty()).then_some("interface");
        names.chain(seams).collect()
    }

    /// Every expert's coefficients, then the parameters of the last step when the
    /// neighbour rows need them.
    fn state(&self) -> Vec<f64> {
        let mut state = self.w.concat();
        if let Some(p) = &self.previous_params {
            state.extend(p.iter().map(|v| v.to_f64()));
        }
        state
    }

    /// The coefficients (and last parameters) of a checkpoint (none: keep the starting ones).
    fn set_state(&mut self, state: &[f64]) {
        if state.is_empty() {
            return;
        }
        let nb = self.field.outputs();
        let (w, params) = state.split_at(nb * self.w.len());
        assert!(
            params.is_empty() || params.len() == self.n_params(),
            "one coefficient per basis function and expert, then the network's parameters"
        );
        for (w, s) in self.w.iter_mut().zip(w.chunks(nb)) {
            w.copy_from_slice(s);
        }
        self.previous_params =
            (!params.is_empty()).then(|| params.iter().map(|&v| T::from_f64(v)).collect());
    }
}
