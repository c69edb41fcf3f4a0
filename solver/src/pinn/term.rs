//! One mean-square loss term: equations (residual expressions) on a set of points,
//! optionally minus a target expression of the coordinates, optionally causal.

use super::{Causal, PointSource};
use operators::expr::{Inputs, Program};
use operators::model::Field;
use operators::{Batched, JetLayout, Partial, Points, Real, Rng};
use std::sync::Mutex;

/// What a term computes.
#[derive(Clone, Debug)]
pub struct TermSpec {
    pub name: String,
    pub weight: f64,
    /// r_e(p) for each equation e; the term is weight · mean_p Σ_e (r_e(p) − target(p))².
    pub equations: Vec<Program>,
    /// A function of the coordinates only (initial values, boundary values, data).
    pub target: Option<Program>,
    pub source: PointSource,
    pub resample: bool,
    pub causal: Option<Causal>,
}

/// Per-chunk scratch: expression registers, adjoints, PDE-parameter gradients, causal bins.
struct Scratch<T> {
    regs: Vec<T>,
    bars: Vec<T>,
    seed: Vec<T>,
    pbar: Vec<T>,
    bin_sum: Vec<f64>,
    bin_count: Vec<f64>,
}

pub struct Term<T: Real, F: Field<T>> {
    spec: TermSpec,
    batch: Batched<T, F>,
    targets: Vec<T>,
    scratch: Vec<Mutex<Scratch<T>>>,
    bin_loss: Vec<f64>,
    bin_weight: Vec<f64>,
    bin_count: Vec<f64>,
    value: f64,
}

impl<T: Real, F: Field<T>> Term<T, F> {
    pub fn new(field: &F, spec: TermSpec, n_extra: usize, chunk: usize, rng: &mut Rng) -> Self {
        let dims = field.inputs();
        let partials: Vec<Partial> = spec
            .equations
            .iter()
            .flat_map(|e| e.partials())
            .map(|(_, p)| p)
            .collect();
        let layout = JetLayout::new(dims, &partials);
        let points: Points<T> = spec.source.draw(rng);
        let batch = Batched::new(field, layout, &points, chunk);
        let regs = spec
            .equations
            .iter()
            .map(Program::registers)
            .max()
            .unwrap_or(1);
        let bins = spec.causal.as_ref().map_or(0, |c| c.bins);
        let scratch = (0..batch.chunks())
            .map(|_| {
                Mutex::new(Scratch {
                    regs: vec![T::zero(); regs * chunk],
                    bars: vec![T::zero(); regs * chunk],
                    seed: vec![T::zero(); chunk],
                    pbar: vec![T::zero(); n_extra],
                    bin_sum: vec![0.0; bins],
                    bin_count: vec![0.0; bins],
                })
            })
            .collect();
        let mut term = Term {
            spec,
            batch,
            targets: Vec::new(),
            scratch,
            bin_loss: vec![0.0; bins],
            bin_weight: vec![1.0; bins],
            bin_count: vec![0.0; bins],
            value: 0.0,
        };
        term.set_targets(&points);
        term
    }

    pub fn spec(&self) -> &TermSpec {
        &self.spec
    }

    pub fn len(&self) -> usize {
        self.batch.len()
    }

    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// The weighted value at the last evaluation.
    pub fn value(&self) -> f64 {
        self.value
    }

    pub fn set_causal_eps(&mut self, eps: f64) {
        if let Some(c) = &mut self.spec.causal {
            c.eps = eps;
        }
    }

    pub fn min_causal_weight(&self) -> f64 {
        self.bin_weight.iter().copied().fold(1.0, f64::min)
    }

    /// Per-bin mean residuals and weights of the last evaluation (causal terms).
    pub fn causal_bins(&self) -> (&[f64], &[f64]) {
        (&self.bin_loss, &self.bin_weight)
    }

    pub fn resample(&mut self, rng: &mut Rng) {
        if self.spec.resample {
            let points = self.spec.source.draw(rng);
            self.batch.set_points(&points);
            self.set_targets(&points);
        }
    }

    fn set_targets(&mut self, points: &Points<T>) {
        let Some(target) = &self.spec.target else {
            return;
        };
        let n = points.len();
        let coords: Vec<T> = (0..points.dims())
            .flat_map(|a| points.axis(a).to_vec())
            .collect();
        let layout = JetLayout::value_only(points.dims());
        let inp = Inputs {
            n,
            layout: &layout,
            jets: &[],
            x: &coords,
            params: &[],
        };
        let mut regs = vec![T::zero(); target.registers() * n];
        self.targets = target.eval(&inp, &mut regs).to_vec();
    }

    /// Adds this term's gradient to `grad` (network, then PDE parameters); returns its value.
    pub fn value_and_grad(&mut self, field: &F, params: &[T], grad: &mut [T]) -> f64 {
        let n_net = field.n_params();
        let (net, extra) = params.split_at(n_net);
        let (gnet, gextra) = grad.split_at_mut(n_net);
        let value = if self.spec.causal.is_some() {
            self.causal_value_and_grad(field, net, extra, gnet)
        } else {
            let scale = self.spec.weight / self.batch.len() as f64;
            let (equations, targets, scratch) =
                (&self.spec.equations, &self.targets, &self.scratch);
            let layout = self.batch.layout().clone();
            self.batch.value_and_grad(
                field,
                net,
                |chunk, bar| {
                    bar.fill(T::zero());
                    let sc = &mut *scratch[chunk.index].lock().unwrap();
                    let inp = Inputs {
                        n: chunk.n,
                        layout: &layout,
                        jets: chunk.jets,
                        x: chunk.x,
                        params: extra,
                    };
                    let target =
                        |p: usize| targets.get(chunk.offset + p).copied().unwrap_or(T::zero());
                    let mut sum = 0.0;
                    for eq in equations {
                        let r = eq.eval(&inp, &mut sc.regs);
                        for (p, (s, &r)) in sc.seed.iter_mut().zip(r).enumerate() {
                            let d = r - target(p);
                            sum += d.to_f64() * d.to_f64();
                            *s = T::from_f64(2.0 * scale) * d;
                        }
                        eq.adjoint(
                            &inp,
                            &sc.regs,
                            &sc.seed[..chunk.n],
                            &mut sc.bars,
                            bar,
                            &mut sc.pbar,
                        );
                    }
                    scale * sum
                },
                gnet,
            )
        };
        self.collect_parameter_gradients(gextra);
        self.value = value;
        value
    }

    /// Causal: forward everything, compute per-bin losses and weights, then backward.
    fn causal_value_and_grad(&mut self, field: &F, net: &[T], extra: &[T], gnet: &mut [T]) -> f64 {
        let causal = self.spec.causal.clone().unwrap();
        let (equations, targets, scratch) = (&self.spec.equations, &self.targets, &self.scratch);
        let layout = self.batch.layout().clone();
        self.batch.forward(field, net);
        let t_axis = causal.axis;
        self.batch.map_chunks(field, |chunk| {
            let sc = &mut *scratch[chunk.index].lock().unwrap();
            sc.bin_sum.fill(0.0);
            sc.bin_count.fill(0.0);
            let Scratch {
                regs,
                bin_sum,
                bin_count,
                ..
            } = sc;
            let inp = Inputs {
                n: chunk.n,
                layout: &layout,
                jets: chunk.jets,
                x: chunk.x,
                params: extra,
            };
            for eq in equations {
                for (p, &r) in eq.eval(&inp, regs).iter().enumerate() {
                    let d =
                        (r - targets.get(chunk.offset + p).copied().unwrap_or(T::zero())).to_f64();
                    let k = causal.bin(chunk.x[t_axis * chunk.n + p].to_f64());
                    bin_sum[k] += d * d;
                    bin_count[k] += 1.0;
                }
            }
        });
        self.bin_loss.fill(0.0);
        self.bin_count.fill(0.0);
        for sc in &self.scratch {
            let sc = sc.lock().unwrap();
            for k in 0..causal.bins {
                self.bin_loss[k] += sc.bin_sum[k];
                self.bin_count[k] += sc.bin_count[k] / equations.len() as f64;
            }
        }
        for (l, &c) in self.bin_loss.iter_mut().zip(&self.bin_count) {
            *l = if c > 0.0 { *l / c } else { 0.0 };
        }
        causal.weights(&self.bin_loss, &mut self.bin_weight);
        let occupied = self.bin_count.iter().filter(|&&c| c > 0.0).count().max(1) as f64;
        let w = self.spec.weight;
        let value = w / occupied
            * self
                .bin_loss
                .iter()
                .zip(&self.bin_weight)
                .map(|(l, wk)| l * wk)
                .sum::<f64>();
        let (weights, counts) = (&self.bin_weight, &self.bin_count);
        self.batch.backward(
            field,
            net,
            |chunk, bar| {
                bar.fill(T::zero());
                let sc = &mut *scratch[chunk.index].lock().unwrap();
                let inp = Inputs {
                    n: chunk.n,
                    layout: &layout,
                    jets: chunk.jets,
                    x: chunk.x,
                    params: extra,
                };
                for eq in equations {
                    let r = eq.eval(&inp, &mut sc.regs);
                    for (p, (s, &r)) in sc.seed.iter_mut().zip(r).enumerate() {
                        let k = causal.bin(chunk.x[t_axis * chunk.n + p].to_f64());
                        let d = r - targets.get(chunk.offset + p).copied().unwrap_or(T::zero());
                        *s = T::from_f64(2.0 * w * weights[k] / (occupied * counts[k])) * d;
                    }
                    eq.adjoint(
                        &inp,
                        &sc.regs,
                        &sc.seed[..chunk.n],
                        &mut sc.bars,
                        bar,
                        &mut sc.pbar,
                    );
                }
            },
            gnet,
        );
        value
    }

    /// Sums the per-chunk gradients of trainable PDE parameters, in chunk order.
    fn collect_parameter_gradients(&self, gextra: &mut [T]) {
        for sc in &self.scratch {
            let mut sc = sc.lock().unwrap();
            for (g, pb) in gextra.iter_mut().zip(sc.pbar.iter_mut()) {
                *g += *pb;
                *pb = T::zero();
            }
        }
    }
}
