//! Checks of the `[model]`, `[method]`, `[training]` and `[output]` settings.

use super::Resolver;
use crate::error::ProblemError;
use crate::spec::{MethodKind, ModelKind, OptimizerKind, ProblemSpec};

impl Resolver<'_> {
    /// `kind = "pig"` has no embedding and no characteristic branch; `[model.gaussians]` needs
    /// positive sizes (it is read only by `pig`, so `--vary model.kind=mlp,pig` works on one file).
    fn check_gaussians(&self, spec: &ProblemSpec) -> Result<(), ProblemError> {
        let m = &spec.model;
        if m.kind == ModelKind::Pig && m.embedding.is_some() {
            return Err(self.key(
                "model.embedding",
                "a PIG's Gaussians are its embedding; remove [model.embedding]",
            ));
        }
        if m.kind == ModelKind::Pig && spec.method.kind == MethodKind::Lpinn {
            return Err(self.key(
                "model.kind",
                "a Lagrangian PINN's state is exactly periodic in the label, which Gaussians are not; use mlp",
            ));
        }
        let Some(g) = &m.gaussians else {
            return Ok(());
        };
        if g.count == 0 || g.channels == 0 {
            return Err(self.key("model.gaussians", "expected a positive count and channels"));
        }
        if !(g.sigma > 0.0 && g.sigma.is_finite()) {
            return Err(self.key("model.gaussians.sigma", "expected a positive number"));
        }
        if !(g.cutoff >= 2.0 && g.cutoff.is_finite()) {
            return Err(self.key(
                "model.gaussians.cutoff",
                "expected at least 2 scales (the truncation bound needs R² ≥ the derivative order)",
            ));
        }
        if g.decoder.is_empty() || g.decoder.contains(&0) {
            return Err(self.key(
                "model.gaussians.decoder",
                "expected at least one hidden layer, each of positive width",
            ));
        }
        Ok(())
    }

    pub(super) fn check_settings(
        &self,
        spec: &ProblemSpec,
        axes: &[String],
    ) -> Result<(), ProblemError> {
        let m = &spec.model;
        self.check_gaussians(spec)?;
        if m.hidden.is_empty() || m.hidden.contains(&0) {
            return Err(self.key(
                "model.hidden",
                "expected at least one hidden layer, each of positive width",
            ));
        }
        if m.kind == ModelKind::ModifiedMlp && m.hidden.iter().any(|&w| w != m.hidden[0]) {
            return Err(self.key("model.hidden", "a modified MLP needs equal hidden widths"));
        }
        if let Some(crate::spec::EmbeddingSpec::Periodic { axes: names, .. }) = &m.embedding {
            for a in names {
                if !axes.contains(a) || a == "t" {
                    return Err(self.key(
                        "model.embedding.axes",
                        format!("`{a}` is not a spatial axis of the domain"),
                    ));
                }
            }
        }
        if spec.method.windows != 1 {
            return Err(self.key("method.windows", "time marching from problem files is not available yet (the Rust API has it: solver::march); expected 1"));
        }
        if spec.method.causal.is_some() && !axes.iter().any(|a| a == "t") {
            return Err(self.key("method.causal", "causal training needs a time axis"));
        }
        let t = &spec.training;
        if !(t.learning_rate > 0.0 && t.learning_rate.is_finite()) {
            return Err(self.key("training.learning_rate", "expected a positive number"));
        }
        if t.collocation == 0 {
            return Err(self.key(
                "training.collocation",
                "expected a positive number of points",
            ));
        }
        if t.rad_every > 0 {
            if t.rad_candidates < t.collocation {
                return Err(self.key(
                    "training.rad_candidates",
                    format!(
                        "expected at least the {} collocation points it draws them from",
                        t.collocation
                    ),
                ));
            }
            if !(t.rad_k >= 0.0 && t.rad_k.is_finite() && t.rad_c >= 0.0 && t.rad_c.is_finite())
                || t.rad_k + t.rad_c == 0.0
            {
                return Err(self.key(
                    "training.rad_k",
                    "expected rad_k ≥ 0 and rad_c ≥ 0, finite, not both 0",
                ));
            }
        }
        if !t.phases.is_empty() && (t.adam_steps.is_some() || t.lbfgs_steps.is_some()) {
            return Err(self.key(
                "training.phases",
                "give the optimizers either as [[training.phases]] or as adam_steps and lbfgs_steps, not both",
            ));
        }
        for (i, phase) in t.phases.iter().enumerate() {
            let key = |k: &str| format!("training.phases[{i}].{k}");
            if phase.steps == 0 {
                return Err(self.key(key("steps"), "expected a positive number of steps"));
            }
            let misplaced = match phase.optimizer {
                OptimizerKind::Adam => phase.history.is_some().then_some("history"),
                _ => [
                    ("learning_rate", phase.learning_rate.is_some()),
                    ("decay_rate", phase.decay_rate.is_some()),
                    ("decay_every", phase.decay_every.is_some()),
                ]
                .into_iter()
                .find_map(|(k, given)| given.then_some(k))
                .or_else(|| {
                    (phase.optimizer != OptimizerKind::Lbfgs && phase.history.is_some())
                        .then_some("history")
                }),
            };
            if let Some(k) = misplaced {
                let optimizer = phase.optimizer.name();
                return Err(self.key(key(k), format!("not a setting of optimizer {optimizer}")));
            }
            if phase
                .learning_rate
                .is_some_and(|r| !(r > 0.0 && r.is_finite()))
            {
                return Err(self.key(key("learning_rate"), "expected a positive number"));
            }
            if phase.history == Some(0) || phase.decay_every == Some(0) {
                let k = if phase.history == Some(0) {
                    "history"
                } else {
                    "decay_every"
                };
                return Err(self.key(key(k), "expected a positive number"));
            }
        }
        if let Some(g) = &spec.output.grid {
            if g.len() != axes.len() || g.iter().any(|&n| n < 2) {
                return Err(self.key(
                    "output.grid",
                    format!(
                        "expected {} numbers ≥ 2 (points along {})",
                        axes.len(),
                        axes.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}
