//! Terms whose adjoint at a point needs only that point: mean squares, and the normal
//! derivative's mean square. Each runs forward and backward chunk by chunk.

use super::{Reduction, Scratch, Term};
use operators::expr::Inputs;
use operators::model::Field;
use operators::Real;

impl<T: Real, F: Field<T>> Term<T, F> {
    /// weight · mean over points of Σ_e (r_e − target)², or, for a normal-derivative term,
    /// of (Σ_a n_a ∂_a u − target)², where equation a is ∂_a u.
    pub(super) fn one_pass_value_and_grad(
        &mut self,
        field: &F,
        net: &[T],
        extra: &[T],
        gnet: &mut [T],
    ) -> f64 {
        let scale = self.spec.weight / self.batch.len() as f64;
        let (equations, targets, layout) = (&self.spec.equations, &self.targets, &self.layout);
        let (normals, total) = (&self.normals, self.batch.len());
        let along_normal = self.spec.reduction == Reduction::NormalDerivative;
        self.batch.value_and_grad(
            field,
            net,
            |chunk, sc, bar| {
                bar.fill(T::zero());
                let inp = Inputs::of_chunk(&chunk, layout, extra);
                let target = |p: usize| targets.get(chunk.offset + p).copied().unwrap_or(T::zero());
                let mut sum = 0.0;
                if !along_normal {
                    for eq in equations {
                        sc.kernel.run(eq, &inp, bar, |p, r| {
                            let d = r - target(p);
                            sum += d.to_f64() * d.to_f64();
                            T::from_f64(2.0 * scale) * d
                        });
                    }
                    return scale * sum;
                }
                let normal = |a: usize, p: usize| normals[a * total + chunk.offset + p];
                let Scratch {
                    kernel, combined, ..
                } = sc;
                let combined = &mut combined[..chunk.n];
                combined.fill(T::zero());
                for (a, eq) in equations.iter().enumerate() {
                    for (p, &r) in kernel.eval(eq, &inp).iter().enumerate() {
                        combined[p] += normal(a, p) * r;
                    }
                }
                for (p, c) in combined.iter_mut().enumerate() {
                    *c -= target(p);
                    sum += c.to_f64() * c.to_f64();
                }
                // Each equation's seed is 2·scale·r·n_a.
                for (a, eq) in equations.iter().enumerate() {
                    kernel.run(eq, &inp, bar, |p, _| {
                        T::from_f64(2.0 * scale) * combined[p] * normal(a, p)
                    });
                }
                scale * sum
            },
            gnet,
        )
    }
}
