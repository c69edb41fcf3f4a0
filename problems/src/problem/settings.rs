//! Checks of the `[model]`, `[method]`, `[training]` and `[output]` settings.

use super::Resolver;
use crate::error::ProblemError;
use crate::spec::{MethodKind, ModelKind, ProblemSpec};

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
