//! One loss term: equations (residual expressions) on a set of points, optionally minus a
//! target expression of the coordinates, reduced over the points as its [`Reduction`] says:
//! in one pass (one_pass.rs: mean squares, normal derivatives) or in two, after totals over
//! every point (two_pass.rs: causal, norms, pairs).

use super::{Causal, PointSource};
use crate::train::Redistribution;
use operators::expr::{Backprop, Inputs, Program};
use operators::model::Field;
use operators::{Batched, JetLayout, Partial, Points, Real, Rng};

mod one_pass;
mod two_pass;

/// What a term computes.
#[derive(Clone, Debug)]
pub struct TermSpec {
    /// The term's name, in logs and reports.
    pub name: String,
    /// Its weight in the loss.
    pub weight: f64,
    /// r_e(p) for each equation e; the term is weight · mean_p Σ_e (r_e(p) − target(p))²,
    /// or, on paired points, weight · mean_pairs Σ_e (r_e(lower) − r_e(upper))².
    pub equations: Vec<Program>,
    /// What the equations should equal (zero if `None`).
    pub target: Option<Target>,
    /// Where its points come from.
    pub source: PointSource,
    /// Whether its points are drawn afresh when the trainer resamples.
    pub resample: bool,
    /// How residuals become the term's value.
    pub reduction: Reduction,
}

impl TermSpec {
    /// The jets of the field that the term's equations read.
    pub fn layout(&self, dims: usize) -> JetLayout {
        layout_read_by(&self.equations, dims)
    }
}

/// The smallest layout holding every jet the expressions read.
pub fn layout_read_by(programs: &[Program], dims: usize) -> JetLayout {
    let partials: Vec<Partial> = programs
        .iter()
        .flat_map(|e| e.partials())
        .map(|(_, p)| p)
        .collect();
    JetLayout::new(dims, &partials)
}

/// How a term reduces its residuals r_e = equation_e − target over points; each is one
/// seed of the residual kernel ([`Backprop`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Reduction {
    /// weight · mean over points of Σ_e r_e².
    MeanSquare,
    /// The mean square per time bin, weighted by causal weights (PDE residual terms only).
    Causal(Causal),
    /// weight · Σ_e scale_e · ‖r_e‖₂: Euclidean norms over the points, one per equation (the
    /// loss of Lagrangian PINNs, Mojgani et al.). Not a mean, so it does not shrink as
    /// points are added, and its gradient has the same size whatever the residual's.
    Norm {
        /// The scale of each equation's norm.
        scales: Vec<f64>,
    },
    /// weight · mean over pairs of Σ_e (r_e(lower) − r_e(upper))², on points that come in
    /// (lower, upper) pairs (periodic conditions); no target.
    Paired,
    /// The equations are the spatial gradient of a field; the residual is its component along
    /// the boundary's outward normal, minus the target (Neumann conditions on curved
    /// boundaries), and the term is its mean square.
    NormalDerivative,
}

/// The right-hand side of a condition.
#[derive(Clone, Debug)]
pub enum Target {
    /// A function of the coordinates (initial values, boundary values, analytic data).
    Expression(Program),
    /// One value per point of a fixed point set (measured data, a previous time window).
    Values(Vec<f64>),
}

/// How many sums of squares a term keeps: one per time bin (causal) or per equation (norms).
fn sums(spec: &TermSpec) -> usize {
    match &spec.reduction {
        Reduction::Causal(c) => c.bins,
        Reduction::Norm { .. } => spec.equations.len(),
        Reduction::MeanSquare | Reduction::Paired | Reduction::NormalDerivative => 0,
    }
}

/// A term's batch over `points`, with each chunk's scratch.
fn batch_with_scratch<T: Real, F: Field<T>>(
    field: &F,
    spec: &TermSpec,
    layout: &JetLayout,
    points: &Points<T>,
    chunk: usize,
    n_extra: usize,
) -> Batched<T, F, Scratch<T>> {
    let bins = sums(spec);
    let vals = if spec.reduction == Reduction::Paired {
        spec.equations.len()
    } else {
        0
    };
    Batched::with_scratch(field, layout.clone(), points, chunk, |n| Scratch {
        kernel: Backprop::new(&spec.equations, n, n_extra),
        combined: vec![T::zero(); n],
        vals: vec![T::zero(); vals * n],
        bin_sum: vec![0.0; bins],
        bin_count: vec![0.0; bins],
    })
}

/// Per-chunk scratch: the residual kernel's, and what the reductions keep.
struct Scratch<T> {
    kernel: Backprop<T>,
    /// The combined residual of a normal-derivative term.
    combined: Vec<T>,
    /// Equation values of the chunk (paired terms).
    vals: Vec<T>,
    /// Sums of squares per time bin (causal) or per equation (norms).
    bin_sum: Vec<f64>,
    bin_count: Vec<f64>,
}

/// Causal weights that follow the parameters, or are held from the next evaluation on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum WeightHold {
    Free,
    FromNext,
    Held,
}

/// A loss term with its points, their batches and its scratch.
pub struct Term<T: Real, F: Field<T>> {
    spec: TermSpec,
    layout: JetLayout,
    batch: Batched<T, F, Scratch<T>>,
    targets: Vec<T>,
    /// Mean residual per time bin (causal), or the norm per equation (norms).
    bin_loss: Vec<f64>,
    bin_weight: Vec<f64>,
    bin_count: Vec<f64>,
    /// Whether `bin_weight` follows the parameters (see `Loss::hold_causal_weights`).
    hold: WeightHold,
    /// Equation values at every point (paired terms).
    values: Vec<T>,
    /// Outward normals, `points × spatial dims` column-major (normal-derivative terms).
    normals: Vec<T>,
    /// The drawn points and those added by adaptive refinement (kept across resampling).
    points: Points<T>,
    added: Vec<Vec<f64>>,
    chunk: usize,
    n_extra: usize,
    value: f64,
}

impl<T: Real, F: Field<T>> Term<T, F> {
    /// The term of `spec` over `field`, with its points drawn.
    pub fn new(field: &F, spec: TermSpec, n_extra: usize, chunk: usize, rng: &mut Rng) -> Self {
        let layout = spec.layout(field.inputs());
        let (points, normals) = spec.source.draw_with_normals::<T>(rng);
        let batch = batch_with_scratch(field, &spec, &layout, &points, chunk, n_extra);
        let bins = sums(&spec);
        let paired = spec.reduction == Reduction::Paired;
        let n_eq = spec.equations.len();
        assert_eq!(
            paired,
            spec.source.is_pairs(),
            "paired terms, and only they, draw points in pairs"
        );
        assert!(
            !(paired && spec.target.is_some()),
            "paired terms take no target"
        );
        if let Reduction::Norm { scales } = &spec.reduction {
            assert_eq!(scales.len(), n_eq, "one norm scale per equation");
        }
        let mut term = Term {
            spec,
            layout,
            batch,
            targets: Vec::new(),
            bin_loss: vec![0.0; bins],
            bin_weight: vec![1.0; bins],
            bin_count: vec![0.0; bins],
            hold: WeightHold::Free,
            normals: Vec::new(),
            points: points.clone(),
            added: Vec::new(),
            chunk,
            n_extra,
            values: if paired {
                vec![T::zero(); n_eq * points.len()]
            } else {
                vec![]
            },
            value: 0.0,
        };
        term.set_targets(&points);
        term.set_normals(normals);
        term
    }

    /// What the term computes.
    pub fn spec(&self) -> &TermSpec {
        &self.spec
    }

    /// The drawn points (without those added by refinement).
    pub fn points(&self) -> &Points<T> {
        &self.points
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Whether the term has no points.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// The weighted value at the last evaluation.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// Sets ε of the term's causal weights.
    pub fn set_causal_eps(&mut self, eps: f64) {
        if let Reduction::Causal(c) = &mut self.spec.reduction {
            c.eps = eps;
        }
    }

    /// The smallest causal weight of the last evaluation (1 if the term is not causal).
    pub fn min_causal_weight(&self) -> f64 {
        self.bin_weight.iter().copied().fold(1.0, f64::min)
    }

    /// See [`Loss::hold_causal_weights`](crate::train::Loss::hold_causal_weights).
    pub fn hold_causal_weights(&mut self, hold: bool) {
        self.hold = if hold {
            WeightHold::FromNext
        } else {
            WeightHold::Free
        };
    }

    /// Per-bin mean residuals and weights of the last evaluation (causal terms).
    pub fn causal_bins(&self) -> (&[f64], &[f64]) {
        (&self.bin_loss, &self.bin_weight)
    }

    /// Draws fresh points (for terms that are resampled).
    pub fn resample(&mut self, field: &F, rng: &mut Rng) {
        if self.spec.resample {
            let (points, normals) = self.spec.source.draw_with_normals(rng);
            self.set_normals(normals);
            self.set_points(field, points);
        }
    }

    /// Whether adaptive refinement applies: a plain residual on interior points.
    pub fn refinable(&self) -> bool {
        self.spec.reduction == Reduction::MeanSquare
            && self.spec.target.is_none()
            && self.spec.source.is_interior()
    }

    /// Residual-based adaptive refinement: draws `candidates` fresh points, evaluates the
    /// residual there, and adds the `add` points where it is largest.
    pub fn refine(
        &mut self,
        field: &F,
        params: &[T],
        rng: &mut Rng,
        candidates: usize,
        add: usize,
    ) {
        if !self.refinable() || add == 0 {
            return;
        }
        let pool: Points<T> = self.spec.source.with_n(candidates).draw(rng);
        let squared = self.squared_residuals(field, params, &pool);
        let mut order: Vec<usize> = (0..squared.len()).collect();
        order.sort_by(|&a, &b| squared[b].total_cmp(&squared[a]));
        let dims = pool.dims();
        self.added.extend(
            order
                .into_iter()
                .take(add)
                .map(|p| (0..dims).map(|a| pool.axis(a)[p].to_f64()).collect()),
        );
        self.rebuild(field);
    }

    /// Residual-based adaptive distribution (RAD): draws `rad.candidates` fresh points and
    /// keeps as many as the term has drawn points, chosen without replacement with probability
    /// ∝ |r|^k / mean |r|^k + c (Efraimidis–Spirakis keys u^(1/w), the largest kept). Points
    /// added by refinement stay.
    pub fn redistribute(&mut self, field: &F, params: &[T], rng: &mut Rng, rad: &Redistribution) {
        if !self.refinable() {
            return;
        }
        let pool: Points<T> = self.spec.source.with_n(rad.candidates).draw(rng);
        let powered: Vec<f64> = self
            .squared_residuals(field, params, &pool)
            .into_iter()
            .map(|sq| sq.sqrt().powf(rad.k))
            .collect();
        let mean = powered.iter().sum::<f64>() / powered.len() as f64;
        let keys: Vec<f64> = powered
            .iter()
            .map(|&e| {
                let w = if mean > 0.0 { e / mean } else { 0.0 } + rad.c;
                rng.uniform().ln() / w
            })
            .collect();
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]));
        order.truncate(self.points.len());
        order.sort_unstable();
        let dims = pool.dims();
        let pool = &pool;
        let coords = (0..dims)
            .flat_map(|a| order.iter().map(move |&p| pool.axis(a)[p]))
            .collect();
        self.set_points(field, Points::new(dims, coords));
    }

    /// New drawn points (added ones stay), their batch and their targets.
    fn set_points(&mut self, field: &F, points: Points<T>) {
        self.set_targets(&points);
        self.points = points;
        if self.added.is_empty() {
            self.batch.set_points(&self.points);
        } else {
            self.rebuild(field);
        }
    }

    /// The sum over equations of each point's squared residual.
    fn squared_residuals(&self, field: &F, params: &[T], pool: &Points<T>) -> Vec<f64> {
        let mut batch = Batched::new(field, self.layout.clone(), pool, self.chunk);
        let n_net = field.n_params();
        batch.forward(field, &params[..n_net]);
        let (equations, layout) = (&self.spec.equations, &self.layout);
        let extra = &params[n_net..];
        batch
            .map_chunks(field, |chunk, ()| {
                let inp = Inputs::of_chunk(&chunk, layout, extra);
                let mut kernel = Backprop::new(equations, chunk.n, 0);
                let mut sq = vec![0.0; chunk.n];
                for eq in equations {
                    for (s, r) in sq.iter_mut().zip(kernel.eval(eq, &inp)) {
                        *s += r.to_f64() * r.to_f64();
                    }
                }
                sq
            })
            .concat()
    }

    /// Number of points added by adaptive refinement so far.
    pub fn added_points(&self) -> usize {
        self.added.len()
    }

    /// A new batch over the drawn and the added points.
    fn rebuild(&mut self, field: &F) {
        let dims = self.points.dims();
        let n = self.points.len() + self.added.len();
        let mut coords = Vec::with_capacity(n * dims);
        for a in 0..dims {
            coords.extend_from_slice(self.points.axis(a));
            coords.extend(self.added.iter().map(|r| T::from_f64(r[a])));
        }
        self.batch = batch_with_scratch(
            field,
            &self.spec,
            &self.layout,
            &Points::new(dims, coords),
            self.chunk,
            self.n_extra,
        );
    }

    fn set_normals(&mut self, normals: Option<Vec<Vec<f64>>>) {
        if self.spec.reduction != Reduction::NormalDerivative {
            return;
        }
        let rows = normals.expect("a normal-derivative term draws boundary points");
        let dims = self.spec.equations.len();
        assert!(
            rows.iter().all(|r| r.len() == dims),
            "one equation per spatial axis"
        );
        self.normals = (0..dims)
            .flat_map(|a| rows.iter().map(move |r| T::from_f64(r[a])))
            .collect();
    }

    fn set_targets(&mut self, points: &Points<T>) {
        self.targets = match &self.spec.target {
            None => Vec::new(),
            Some(Target::Values(v)) => {
                assert_eq!(v.len(), points.len(), "one target value per point");
                v.iter().map(|&v| T::from_f64(v)).collect()
            }
            Some(Target::Expression(target)) => target.eval_at_points(points),
        };
    }

    /// Adds this term's gradient to `grad` (network, then PDE parameters); returns its value.
    pub fn value_and_grad(&mut self, field: &F, params: &[T], grad: &mut [T]) -> f64 {
        let n_net = field.n_params();
        let (net, extra) = params.split_at(n_net);
        let (gnet, gextra) = grad.split_at_mut(n_net);
        let value = match self.spec.reduction {
            Reduction::MeanSquare | Reduction::NormalDerivative => {
                self.one_pass_value_and_grad(field, net, extra, gnet)
            }
            Reduction::Causal(_) => self.causal_value_and_grad(field, net, extra, gnet),
            Reduction::Norm { .. } => self.norm_value_and_grad(field, net, extra, gnet),
            Reduction::Paired => self.paired_value_and_grad(field, net, extra, gnet),
        };
        self.collect_parameter_gradients(gextra);
        self.value = value;
        value
    }

    /// Sums the per-chunk gradients of trainable PDE parameters, in chunk order.
    fn collect_parameter_gradients(&mut self, gextra: &mut [T]) {
        for sc in self.batch.scratch_mut() {
            sc.kernel.take_params_bar(gextra);
        }
    }
}
