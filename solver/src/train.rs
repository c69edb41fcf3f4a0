//! The training loop: Adam, then L-BFGS; resampling; causal ε annealing; a guard
//! against non-finite losses that keeps the last good parameters.

use crate::optim::{Adam, AdamConfig, Lbfgs, LbfgsConfig, LbfgsReport, Objective};
use operators::{Real, Rng};
use std::time::Instant;

/// What the training loop needs of a loss beyond its value and gradient.
pub trait Loss<T: Real>: Objective<T> {
    /// Draws fresh points for the terms that are resampled.
    fn resample(&mut self, rng: &mut Rng);
    /// Residual-based adaptive refinement (nothing, for losses without it).
    fn refine(&mut self, _params: &[T], _rng: &mut Rng, _candidates: usize, _add: usize) {}
    /// The weighted value of each term at the last evaluation.
    fn term_values(&self) -> Vec<f64>;
    /// The names of the terms, in the order of [`term_values`](Self::term_values).
    fn term_names(&self) -> Vec<&str>;
    /// Sets ε of every causal term.
    fn set_causal_eps(&mut self, _eps: f64) {}
    /// The smallest causal weight of the last evaluation (1 if no term is causal).
    fn min_causal_weight(&self) -> f64 {
        1.0
    }
    /// With `true`, every causal weight keeps the value the next evaluation gives it until
    /// released with `false`. L-BFGS holds them: its line search compares trial points of
    /// one objective, and weights that follow the parameters would change it between them.
    fn hold_causal_weights(&mut self, _hold: bool) {}
    /// What a checkpoint must keep beside the parameters (the experts' coefficients of a
    /// hard-constraint loss); empty for most losses.
    fn state(&self) -> Vec<f64> {
        Vec::new()
    }
    /// Restores what [`state`](Self::state) returned.
    fn set_state(&mut self, _state: &[f64]) {}
}

/// The causal-training schedule (Algorithm 1 of Wang et al.): run each ε until every
/// causal weight exceeds δ (checked every `check_every` steps), then move to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct CausalSchedule {
    /// The ε of each stage, in order.
    pub eps: Vec<f64>,
    /// A stage ends once every causal weight exceeds δ.
    pub delta: f64,
    /// Steps between checks of δ.
    pub check_every: usize,
}

impl Default for CausalSchedule {
    fn default() -> Self {
        CausalSchedule {
            eps: vec![1e-2, 1e-1, 1.0, 10.0, 100.0],
            delta: 0.99,
            check_every: 1000,
        }
    }
}

/// What the training loop does: its optimizers, their steps, and its schedules.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Adam steps.
    pub adam_steps: usize,
    /// Adam's settings.
    pub adam: AdamConfig,
    /// L-BFGS iterations after Adam.
    pub lbfgs_steps: usize,
    /// L-BFGS's settings.
    pub lbfgs: LbfgsConfig,
    /// Draw fresh collocation points every this many Adam steps (0: never).
    pub resample_every: usize,
    /// Record the loss every this many steps.
    pub log_every: usize,
    /// The causal ε schedule (losses with causal terms).
    pub causal: Option<CausalSchedule>,
    /// Emit [`Event::Checkpoint`] every this many steps (0: never).
    pub checkpoint_every: usize,
    /// Residual-based adaptive refinement, if any.
    pub adaptive: Option<Adaptive>,
}

/// Residual-based adaptive refinement: every `every` Adam steps, add the `add` points of
/// `candidates` fresh ones where the residual is largest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Adaptive {
    /// Adam steps between refinements.
    pub every: usize,
    /// Fresh points the residual is evaluated on.
    pub candidates: usize,
    /// Points added, where the residual is largest.
    pub add: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            adam_steps: 10_000,
            adam: AdamConfig::default(),
            lbfgs_steps: 0,
            lbfgs: LbfgsConfig::default(),
            resample_every: 0,
            log_every: 100,
            causal: None,
            checkpoint_every: 0,
            adaptive: None,
        }
    }
}

/// What the training loop reports as it goes.
pub enum Event<'a, T> {
    /// A logged step.
    Log(&'a Record),
    /// The complete state at a step, to be saved.
    Checkpoint(Snapshot<'a, T>),
}

/// Everything needed to resume training at `step`.
pub struct Snapshot<'a, T> {
    /// The parameters.
    pub params: &'a [T],
    /// Adam's state.
    pub adam: &'a Adam<T>,
    /// The random stream.
    pub rng: &'a Rng,
    /// Steps taken (Adam and L-BFGS together).
    pub step: usize,
    /// Which ε of the causal schedule is current.
    pub eps_index: usize,
    /// Every logged record so far.
    pub history: &'a [Record],
    /// The loss's own state ([`Loss::state`]).
    pub loss_state: &'a [f64],
}

/// Which optimizer took a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Adam.
    Adam,
    /// L-BFGS.
    Lbfgs,
}

/// One logged step.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The step.
    pub step: usize,
    /// Which optimizer took it.
    pub phase: Phase,
    /// The loss.
    pub loss: f64,
    /// Each term's weighted value (empty for L-BFGS steps).
    pub terms: Vec<f64>,
    /// Adam's learning rate (0 for L-BFGS).
    pub lr: f64,
    /// The causal ε, if any.
    pub eps: Option<f64>,
    /// Wall time since training began, in seconds.
    pub wall_s: f64,
}

/// Why training stopped early.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TrainError {
    /// The loss or its gradient became NaN or infinite; the trainer kept the last good parameters.
    #[error("the loss became non-finite at step {step} (term `{term}`); the parameters of the last finite step were kept")]
    NonFinite {
        /// The step at which it happened.
        step: usize,
        /// The first term that was not finite (`gradient` if all were).
        term: String,
    },
}

/// How training went.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    /// Steps taken.
    pub steps: usize,
    /// The final loss.
    pub loss: f64,
    /// Wall time, in seconds.
    pub wall_s: f64,
    /// L-BFGS's report, if it ran.
    pub lbfgs: Option<LbfgsReport>,
}

/// Training state: parameters, optimizer state, RNG, step count and history.
pub struct Trainer<T> {
    /// The parameters.
    pub params: Vec<T>,
    /// Adam's state.
    pub adam: Adam<T>,
    /// The random stream.
    pub rng: Rng,
    /// Steps taken (Adam and L-BFGS together).
    pub step: usize,
    /// Which ε of the causal schedule is current.
    pub eps_index: usize,
    /// Every logged record so far.
    pub history: Vec<Record>,
    /// The loss's state at the last checkpoint or the end of training.
    pub loss_state: Vec<f64>,
    grad: Vec<T>,
}

impl<T: Real> Trainer<T> {
    /// A trainer at step 0 from `params`.
    pub fn new(params: Vec<T>, config: &TrainConfig, rng: Rng) -> Self {
        let n = params.len();
        Trainer {
            adam: Adam::new(config.adam, n),
            grad: vec![T::zero(); n],
            params,
            rng,
            step: 0,
            eps_index: 0,
            history: Vec::new(),
            loss_state: Vec::new(),
        }
    }

    /// The state now, as a checkpoint would save it.
    pub fn snapshot(&self) -> Snapshot<'_, T> {
        Snapshot {
            params: &self.params,
            adam: &self.adam,
            rng: &self.rng,
            step: self.step,
            eps_index: self.eps_index,
            history: &self.history,
            loss_state: &self.loss_state,
        }
    }

    /// Runs the remaining Adam steps, then the remaining L-BFGS iterations (so a trainer
    /// restored from a checkpoint continues where it stopped); `on_event` sees every logged
    /// record and every checkpoint.
    pub fn run<L: Loss<T>>(
        &mut self,
        loss: &mut L,
        config: &TrainConfig,
        mut on_event: impl FnMut(Event<'_, T>),
    ) -> Result<TrainReport, TrainError> {
        let start = Instant::now();
        let wall0 = self.history.last().map_or(0.0, |r| r.wall_s);
        let mut last_good = self.params.clone();
        if let Some(c) = &config.causal {
            loss.set_causal_eps(c.eps[self.eps_index.min(c.eps.len() - 1)]);
        }
        let due = |every: usize, step: usize| every > 0 && step > 0 && step.is_multiple_of(every);
        while self.step < config.adam_steps {
            if due(config.resample_every, self.step) {
                loss.resample(&mut self.rng);
            }
            if let Some(a) = config.adaptive.filter(|a| due(a.every, self.step)) {
                loss.refine(&self.params, &mut self.rng, a.candidates, a.add);
            }
            let value = loss.value_and_grad(&self.params, &mut self.grad);
            if !value.is_finite() || self.grad.iter().any(|g| !g.is_finite()) {
                self.params.copy_from_slice(&last_good);
                return Err(self.non_finite(loss));
            }
            if self.step.is_multiple_of(config.log_every) {
                last_good.copy_from_slice(&self.params);
                let r = self.record(
                    Phase::Adam,
                    value,
                    loss,
                    config,
                    wall0 + start.elapsed().as_secs_f64(),
                );
                on_event(Event::Log(&r));
                self.history.push(r);
            }
            if due(config.checkpoint_every, self.step) {
                self.loss_state = loss.state();
                on_event(Event::Checkpoint(self.snapshot()));
            }
            if let Some(c) = &config.causal {
                if due(c.check_every, self.step)
                    && loss.min_causal_weight() > c.delta
                    && self.eps_index + 1 < c.eps.len()
                {
                    self.eps_index += 1;
                    loss.set_causal_eps(c.eps[self.eps_index]);
                }
            }
            self.adam.step(&mut self.params, &self.grad);
            self.step += 1;
        }
        let mut lbfgs_report = None;
        let remaining = config
            .lbfgs_steps
            .saturating_sub(self.step - config.adam_steps.min(self.step));
        if remaining > 0 {
            let mut opt = Lbfgs::new(config.lbfgs, self.params.len());
            let base = self.step;
            let mut params = std::mem::take(&mut self.params);
            let (adam, rng, eps_index, history, loss_state) = (
                &self.adam,
                &self.rng,
                self.eps_index,
                &mut self.history,
                &self.loss_state,
            );
            loss.hold_causal_weights(true);
            let report = opt.minimize(loss, &mut params, remaining, |it, f, x| {
                let step = base + it;
                if step.is_multiple_of(config.log_every) {
                    let r = Record {
                        step,
                        phase: Phase::Lbfgs,
                        loss: f,
                        terms: vec![],
                        lr: 0.0,
                        eps: None,
                        wall_s: wall0 + start.elapsed().as_secs_f64(),
                    };
                    on_event(Event::Log(&r));
                    history.push(r);
                }
                if due(config.checkpoint_every, step) {
                    on_event(Event::Checkpoint(Snapshot {
                        params: x,
                        adam,
                        rng,
                        step,
                        eps_index,
                        history,
                        loss_state,
                    }));
                }
            });
            loss.hold_causal_weights(false);
            self.params = params;
            self.step += report.iterations;
            lbfgs_report = Some(report);
        }
        // The last Adam step moved the parameters after the last evaluation: evaluate once more
        // so the final record (and a loss's state, such as the experts' coefficients) belongs
        // to the final parameters.
        let value = loss.value_and_grad(&self.params, &mut self.grad);
        if !value.is_finite() {
            return Err(self.non_finite(loss));
        }
        self.loss_state = loss.state();
        let phase = if self.step > config.adam_steps {
            Phase::Lbfgs
        } else {
            Phase::Adam
        };
        let r = self.record(
            phase,
            value,
            loss,
            config,
            wall0 + start.elapsed().as_secs_f64(),
        );
        on_event(Event::Log(&r));
        // The final record replaces one logged at the same step (it also carries every term).
        if self.history.last().is_some_and(|last| last.step == r.step) {
            self.history.pop();
        }
        self.history.push(r);
        Ok(TrainReport {
            steps: self.step,
            loss: value,
            wall_s: wall0 + start.elapsed().as_secs_f64(),
            lbfgs: lbfgs_report,
        })
    }

    fn record<L: Loss<T>>(
        &self,
        phase: Phase,
        loss_value: f64,
        loss: &L,
        config: &TrainConfig,
        wall_s: f64,
    ) -> Record {
        Record {
            step: self.step,
            phase,
            loss: loss_value,
            terms: loss.term_values(),
            lr: self.adam.lr(),
            eps: config
                .causal
                .as_ref()
                .map(|c| c.eps[self.eps_index.min(c.eps.len() - 1)]),
            wall_s,
        }
    }

    fn non_finite<L: Loss<T>>(&self, loss: &L) -> TrainError {
        let names = loss.term_names();
        let values = loss.term_values();
        let term = names
            .iter()
            .zip(&values)
            .find(|(_, v)| !v.is_finite())
            .map_or("gradient", |(n, _)| n)
            .to_string();
        TrainError::NonFinite {
            step: self.step,
            term,
        }
    }
}
