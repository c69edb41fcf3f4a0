//! Terms whose adjoint needs totals over every point first: causal weights (per-bin losses),
//! norms (per-equation sums) and paired points (the partner's value). Each evaluates all
//! chunks, reduces in chunk order (so results do not depend on the thread count), then runs
//! one backward pass seeded from the totals.

use super::{Reduction, Scratch, Term, WeightHold};
use operators::expr::{Inputs, Program};
use operators::model::Field;
use operators::{Batched, ChunkView, JetLayout, Real};

/// What a backward pass reads of a term.
struct Parts<'a, T> {
    equations: &'a [Program],
    layout: &'a JetLayout,
    /// Values of the trainable PDE parameters.
    extra: &'a [T],
}

impl<T: Real> Parts<'_, T> {
    /// Backward after a forward pass: equation `e` at point `p` of a chunk is seeded with
    /// `seed(e, chunk, p, r)` = ∂loss/∂r.
    fn backward<F: Field<T>>(
        &self,
        batch: &mut Batched<T, F, Scratch<T>>,
        field: &F,
        net: &[T],
        gnet: &mut [T],
        seed: impl Fn(usize, &ChunkView<'_, T>, usize, T) -> T + Sync,
    ) {
        batch.backward(
            field,
            net,
            |chunk, sc, bar| {
                bar.fill(T::zero());
                let inp = Inputs::of_chunk(&chunk, self.layout, self.extra);
                for (e, eq) in self.equations.iter().enumerate() {
                    sc.kernel.run(eq, &inp, bar, |p, r| seed(e, &chunk, p, r));
                }
            },
            gnet,
        );
    }
}

impl<T: Real, F: Field<T>> Term<T, F> {
    /// Causal: forward everything, compute per-bin losses and weights, then backward.
    pub(super) fn causal_value_and_grad(
        &mut self,
        field: &F,
        net: &[T],
        extra: &[T],
        gnet: &mut [T],
    ) -> f64 {
        let Reduction::Causal(causal) = &self.spec.reduction else {
            unreachable!("a causal term")
        };
        let (equations, targets, layout) = (&self.spec.equations, &self.targets, &self.layout);
        self.batch.forward(field, net);
        let t_axis = causal.axis;
        self.batch.map_chunks(field, |chunk, sc| {
            sc.bin_sum.fill(0.0);
            sc.bin_count.fill(0.0);
            let Scratch {
                kernel,
                bin_sum,
                bin_count,
                ..
            } = sc;
            let inp = Inputs::of_chunk(&chunk, layout, extra);
            for eq in equations {
                for (p, &r) in kernel.eval(eq, &inp).iter().enumerate() {
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
        for sc in self.batch.scratch() {
            for k in 0..causal.bins {
                self.bin_loss[k] += sc.bin_sum[k];
                self.bin_count[k] += sc.bin_count[k] / equations.len() as f64;
            }
        }
        for (l, &c) in self.bin_loss.iter_mut().zip(&self.bin_count) {
            *l = if c > 0.0 { *l / c } else { 0.0 };
        }
        match self.hold {
            WeightHold::Held => {}
            WeightHold::Free => causal.weights(&self.bin_loss, &mut self.bin_weight),
            WeightHold::FromNext => {
                causal.weights(&self.bin_loss, &mut self.bin_weight);
                self.hold = WeightHold::Held;
            }
        }
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
        let parts = Parts {
            equations,
            layout,
            extra,
        };
        parts.backward(&mut self.batch, field, net, gnet, |_, chunk, p, r| {
            let k = causal.bin(chunk.x[t_axis * chunk.n + p].to_f64());
            let d = r - targets.get(chunk.offset + p).copied().unwrap_or(T::zero());
            T::from_f64(2.0 * w * weights[k] / (occupied * counts[k])) * d
        });
        value
    }

    /// Norms: forward everything, sum each equation's squares, then backward with the
    /// adjoint of weight · Σ_e scale_e · √(S_e), which is weight · scale_e · r / √(S_e).
    pub(super) fn norm_value_and_grad(
        &mut self,
        field: &F,
        net: &[T],
        extra: &[T],
        gnet: &mut [T],
    ) -> f64 {
        let Reduction::Norm { scales } = &self.spec.reduction else {
            unreachable!("a norm term")
        };
        let (equations, targets, layout) = (&self.spec.equations, &self.targets, &self.layout);
        let target = |offset: usize| targets.get(offset).copied().unwrap_or(T::zero());
        self.batch.forward(field, net);
        self.batch.map_chunks(field, |chunk, sc| {
            let inp = Inputs::of_chunk(&chunk, layout, extra);
            for (e, eq) in equations.iter().enumerate() {
                sc.bin_sum[e] = sc
                    .kernel
                    .eval(eq, &inp)
                    .iter()
                    .enumerate()
                    .map(|(p, &r)| (r - target(chunk.offset + p)).to_f64().powi(2))
                    .sum();
            }
        });
        // Chunk order, so the sums do not depend on the thread count.
        let norms = &mut self.bin_loss;
        norms.fill(0.0);
        for sc in self.batch.scratch() {
            norms.iter_mut().zip(&sc.bin_sum).for_each(|(n, s)| *n += s);
        }
        norms.iter_mut().for_each(|n| *n = n.sqrt());
        let w = self.spec.weight;
        let value = w * norms.iter().zip(scales).map(|(n, s)| n * s).sum::<f64>();
        let factor = |e: usize| {
            if norms[e] > 0.0 {
                w * scales[e] / norms[e]
            } else {
                0.0
            }
        };
        let parts = Parts {
            equations,
            layout,
            extra,
        };
        parts.backward(&mut self.batch, field, net, gnet, |e, chunk, p, r| {
            T::from_f64(factor(e)) * (r - target(chunk.offset + p))
        });
        value
    }

    /// Paired points: forward everything, gather the equation values, then backward with
    /// the adjoint of Σ (r(lower) − r(upper))².
    pub(super) fn paired_value_and_grad(
        &mut self,
        field: &F,
        net: &[T],
        extra: &[T],
        gnet: &mut [T],
    ) -> f64 {
        let (equations, layout) = (&self.spec.equations, &self.layout);
        let total = self.batch.len();
        let half = total / 2;
        self.batch.forward(field, net);
        self.batch.map_chunks(field, |chunk, sc| {
            let inp = Inputs::of_chunk(&chunk, layout, extra);
            for (e, eq) in equations.iter().enumerate() {
                let r = sc.kernel.eval(eq, &inp);
                sc.vals[e * chunk.n..(e + 1) * chunk.n].copy_from_slice(r);
            }
        });
        let mut offset = 0;
        for sc in self.batch.scratch() {
            let n = sc.vals.len().min((total - offset) * equations.len()) / equations.len().max(1);
            for e in 0..equations.len() {
                self.values[e * total + offset..e * total + offset + n]
                    .copy_from_slice(&sc.vals[e * n..(e + 1) * n]);
            }
            offset += n;
        }
        let values = &self.values;
        let diff = |e: usize, q: usize| values[e * total + q] - values[e * total + q + half];
        let w = self.spec.weight;
        let value = w / half as f64
            * (0..equations.len())
                .flat_map(|e| (0..half).map(move |q| diff(e, q).to_f64().powi(2)))
                .sum::<f64>();
        let parts = Parts {
            equations,
            layout,
            extra,
        };
        parts.backward(&mut self.batch, field, net, gnet, |e, chunk, p, _| {
            let g = chunk.offset + p;
            let (q, sign) = if g < half { (g, 1.0) } else { (g - half, -1.0) };
            T::from_f64(sign * 2.0 * w / half as f64) * diff(e, q)
        });
        value
    }
}
