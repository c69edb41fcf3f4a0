//! Checks of `[method] kind = "moe_hc"`: what the hard-constraint layer can enforce.

use super::{Condition, Resolver};
use crate::error::ProblemError;
use crate::spec::{ConditionKind, MethodKind, ProblemSpec};

impl Resolver<'_> {
    /// Every restriction of the hard-constraint method, with the key at fault.
    pub(super) fn check_hard_constraint(
        &self,
        spec: &ProblemSpec,
        axes: &[String],
        trainable: &[String],
        conditions: &[Condition],
    ) -> Result<(), ProblemError> {
        if spec.method.kind != MethodKind::MoeHc {
            return Ok(());
        }
        let kind = "method.kind";
        if spec.fields.names.len() != 1 {
            return Err(self.key(kind, "hard constraints solve for one field"));
        }
        if spec.geometry.is_some() {
            return Err(self.key(
                kind,
                "hard-constraint experts are blocks of a box domain; remove [geometry]",
            ));
        }
        if spec.method.causal.is_some() {
            return Err(self.key("method.causal", "hard constraints are not trained causally"));
        }
        if let Some(name) = trainable.first() {
            return Err(self.key(
                format!("parameters.{name}"),
                "hard constraints solve forward problems; unknown parameters need method pinn",
            ));
        }
        for (i, c) in conditions.iter().enumerate() {
            if matches!(c.kind, ConditionKind::Periodic | ConditionKind::Data) {
                return Err(self.key(
                    format!("conditions[{i}].kind"),
                    "hard constraints take initial, Dirichlet, Neumann and Robin conditions",
                ));
            }
        }
        if spec.training.rad_every > 0 {
            return Err(self.key(
                "training.rad_every",
                "residual-based redistribution is for PINNs; hard constraints draw fresh points instead (resample_every = 1)",
            ));
        }
        if spec.training.adaptive_every > 0 {
            return Err(self.key(
                "training.adaptive_every",
                "adaptive refinement is for PINNs; hard constraints draw fresh points instead (resample_every = 1)",
            ));
        }
        let lbfgs = spec
            .training
            .phases()
            .iter()
            .position(|p| p.optimizer.is_quasi_newton());
        if let Some(i) = lbfgs {
            let key = match spec.training.phases.is_empty() {
                true => "training.lbfgs_steps".to_string(),
                false => format!("training.phases[{i}].optimizer"),
            };
            return Err(self.key(
                key,
                "hard constraints train with Adam only (no lbfgs_steps or quasi-Newton phase): the loss depends on the experts' last solutions (warm starts, neighbour rows), which a line search's trial points would move",
            ));
        }
        let h = &spec.method.hard_constraint;
        let key = |k: &str| format!("method.hard_constraint.{k}");
        if let Some(s) = &h.splits {
            if s.len() != axes.len() || s.contains(&0) {
                return Err(self.key(
                    key("splits"),
                    format!(
                        "expected {} numbers ≥ 1 (experts along {})",
                        axes.len(),
                        axes.join(", ")
                    ),
                ));
            }
        }
        for (k, v) in [
            ("basis", h.basis),
            ("constraint_points", h.constraint_points),
        ] {
            if v == 0 {
                return Err(self.key(key(k), "expected a positive number"));
            }
        }
        if h.initial_ansatz && !conditions.iter().any(Condition::is_initial_value) {
            return Err(self.key(
                key("initial_ansatz"),
                "the ansatz u0 + (t − t0)·Φw needs an initial condition (kind = \"initial\") giving u0",
            ));
        }
        if !(h.interface_weight.is_finite() && h.interface_weight >= 0.0) {
            return Err(self.key(key("interface_weight"), "expected a number ≥ 0"));
        }
        for (k, v) in [("tolerance", h.tolerance), ("ridge", h.ridge)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(self.key(key(k), "expected a positive number"));
            }
        }
        if !(h.clip_norm.is_finite() && h.clip_norm >= 0.0) {
            return Err(self.key(key("clip_norm"), "expected a number ≥ 0 (0: no clipping)"));
        }
        Ok(())
    }
}
