//! The training loop: phases of optimizers run one after the other (Adam, then L-BFGS, by
//! default, or a dense self-scaled quasi-Newton method); resampling; causal ε annealing; a guard against non-finite losses that keeps the
//! last good parameters.

use crate::optim::{
    Adam, AdamConfig, Objective, QuasiNewton, QuasiNewtonConfig, QuasiNewtonReport, Step,
    StopReason,
};
use operators::{Real, Rng};
use std::time::Instant;

/// What the training loop needs of a loss beyond its value and gradient.
pub trait Loss<T: Real>: Objective<T> {
    /// Draws fresh points for the terms that are resampled.
    fn resample(&mut self, rng: &mut Rng);
    /// Residual-based adaptive refinement (nothing, for losses without it).
    fn refine(&mut self, _params: &[T], _rng: &mut Rng, _candidates: usize, _add: usize) {}
    /// Residual-based redistribution of the collocation points (nothing, for losses without).
    fn redistribute(&mut self, _params: &[T], _rng: &mut Rng, _rad: &Redistribution) {}
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
    /// The optimizers, run one after the other; a phase that stops early (quasi-Newton converged)
    /// hands over to the next at the step it reached.
    pub phases: Vec<PhaseConfig>,
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
    /// Residual-based redistribution of the collocation points, if any.
    pub redistribution: Option<Redistribution>,
}

/// Residual-based adaptive distribution (RAD, Wu et al. 2023): every `every` steps of any
/// phase, the collocation points are drawn from `candidates` fresh ones with probability
/// ∝ |r|^k / mean |r|^k + c, without replacement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Redistribution {
    /// Steps between redistributions.
    pub every: usize,
    /// Fresh points the residual is evaluated on.
    pub candidates: usize,
    /// The exponent of the residual in the density.
    pub k: f64,
    /// The density's uniform part.
    pub c: f64,
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
            phases: vec![PhaseConfig {
                optimizer: OptimizerConfig::Adam(AdamConfig::default()),
                steps: 10_000,
            }],
            resample_every: 0,
            log_every: 100,
            causal: None,
            checkpoint_every: 0,
            adaptive: None,
            redistribution: None,
        }
    }
}

impl TrainConfig {
    /// Refuses a phase whose optimizer would keep more than `available` bytes for `n`
    /// parameters (a dense inverse Hessian takes 8·n² bytes).
    pub fn check_memory(&self, n: usize, available: u64) -> Result<(), TrainError> {
        for (phase, p) in self.phases.iter().enumerate() {
            let OptimizerConfig::QuasiNewton(q) = p.optimizer else {
                continue;
            };
            let bytes = q.memory_bytes(n) as u64;
            if bytes > available {
                return Err(TrainError::OutOfMemory {
                    phase,
                    optimizer: q.memory.name(),
                    params: n,
                    bytes,
                    available,
                });
            }
        }
        Ok(())
    }

    /// Steps of every phase together (what a run does if no phase stops early).
    pub fn total_steps(&self) -> usize {
        self.phases.iter().map(|p| p.steps).sum()
    }
}

/// One phase of training: an optimizer for `steps` steps (quasi-Newton: iterations).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PhaseConfig {
    /// The optimizer and its settings.
    pub optimizer: OptimizerConfig,
    /// Steps of the phase.
    pub steps: usize,
}

impl PhaseConfig {
    /// The usual two phases: `adam_steps` of Adam, then `lbfgs_steps` of L-BFGS if any.
    pub fn adam_then_lbfgs(
        adam_steps: usize,
        adam: AdamConfig,
        lbfgs_steps: usize,
        lbfgs: QuasiNewtonConfig,
    ) -> Vec<PhaseConfig> {
        let mut phases = vec![PhaseConfig {
            optimizer: OptimizerConfig::Adam(adam),
            steps: adam_steps,
        }];
        if lbfgs_steps > 0 {
            phases.push(PhaseConfig {
                optimizer: OptimizerConfig::QuasiNewton(lbfgs),
                steps: lbfgs_steps,
            });
        }
        phases
    }
}

/// An optimizer with its settings. A new optimizer is a variant here, its implementation in
/// `optim/`, and its arm in [`Trainer::run`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerConfig {
    /// Adam, driven step by step by the trainer (resampling, refinement, causal ε).
    Adam(AdamConfig),
    /// L-BFGS or a dense (self-scaled) BFGS-family method with a strong-Wolfe line search,
    /// on fixed points and held causal weights.
    QuasiNewton(QuasiNewtonConfig),
}

impl OptimizerConfig {
    /// Which optimizer, for the records.
    pub fn kind(&self) -> Phase {
        match self {
            OptimizerConfig::Adam(_) => Phase::Adam,
            OptimizerConfig::QuasiNewton(_) => Phase::QuasiNewton,
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
    /// Adam's state (that of the last Adam phase).
    pub adam: &'a Adam<T>,
    /// The random stream.
    pub rng: &'a Rng,
    /// Steps taken (Adam and L-BFGS together).
    pub step: usize,
    /// Which ε of the causal schedule is current.
    pub eps_index: usize,
    /// The phase in progress (an index into [`TrainConfig::phases`]).
    pub phase: usize,
    /// The step at which that phase began.
    pub phase_start: usize,
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
    /// A quasi-Newton method (L-BFGS or dense).
    QuasiNewton,
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
    /// Each term's weighted value.
    pub terms: Vec<f64>,
    /// Adam's learning rate (0 for quasi-Newton steps).
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
    /// An optimizer's state would not fit in the memory available.
    #[error("training.phases[{phase}].optimizer: {optimizer} keeps {:.2} GB for {params} parameters, more than the {:.2} GB available; use \"lbfgs\" (memory O(history x parameters)) or a smaller network", *bytes as f64 / 1e9, *available as f64 / 1e9)]
    OutOfMemory {
        /// The phase (an index into [`TrainConfig::phases`]).
        phase: usize,
        /// The optimizer's name.
        optimizer: &'static str,
        /// Parameters trained.
        params: usize,
        /// Bytes its state would take.
        bytes: u64,
        /// Bytes available.
        available: u64,
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
    /// The last quasi-Newton phase's report, if one ran.
    pub quasi_newton: Option<QuasiNewtonReport>,
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
    /// The phase in progress (an index into [`TrainConfig::phases`]; their number once done).
    pub phase: usize,
    /// The step at which that phase began.
    pub phase_start: usize,
    /// Every logged record so far.
    pub history: Vec<Record>,
    /// The loss's state at the last checkpoint or the end of training.
    pub loss_state: Vec<f64>,
    grad: Vec<T>,
    /// The quasi-Newton method of the phase in progress, kept across a pause.
    quasi_newton: Option<QuasiNewton<T>>,
    /// The report of the last quasi-Newton phase that ended.
    quasi_newton_report: Option<QuasiNewtonReport>,
    /// Wall time, from the first call of [`run_until`](Self::run_until).
    clock: Option<Clock>,
    /// The optimizer of the last step taken, for the final record.
    last_phase: Option<Phase>,
}

/// How far [`Trainer::run_until`] got.
pub enum Outcome {
    /// At the step asked for, with phases left: call again to go on.
    Paused,
    /// Every phase ran.
    Done(TrainReport),
}

impl<T: Real> Trainer<T> {
    /// A trainer at step 0 from `params`.
    pub fn new(params: Vec<T>, config: &TrainConfig, rng: Rng) -> Self {
        let n = params.len();
        let adam = config
            .phases
            .iter()
            .find_map(|p| match p.optimizer {
                OptimizerConfig::Adam(c) => Some(c),
                _ => None,
            })
            .unwrap_or_default();
        Trainer {
            adam: Adam::new(adam, n),
            grad: vec![T::zero(); n],
            params,
            rng,
            step: 0,
            eps_index: 0,
            phase: 0,
            phase_start: 0,
            history: Vec::new(),
            loss_state: Vec::new(),
            quasi_newton: None,
            quasi_newton_report: None,
            clock: None,
            last_phase: None,
        }
    }

    /// Wall time of training so far, in seconds (resumed runs included).
    pub fn wall_s(&self) -> f64 {
        self.clock.map_or_else(
            || self.history.last().map_or(0.0, |r| r.wall_s),
            |c| c.now(),
        )
    }

    /// The state now, as a checkpoint would save it.
    pub fn snapshot(&self) -> Snapshot<'_, T> {
        Snapshot {
            params: &self.params,
            adam: &self.adam,
            rng: &self.rng,
            step: self.step,
            eps_index: self.eps_index,
            phase: self.phase,
            phase_start: self.phase_start,
            history: &self.history,
            loss_state: &self.loss_state,
        }
    }

    /// Runs what remains of the phases, in order (so a trainer restored from a checkpoint
    /// continues where it stopped); `on_event` sees every logged record and every checkpoint.
    pub fn run<L: Loss<T> + ?Sized>(
        &mut self,
        loss: &mut L,
        config: &TrainConfig,
        on_event: impl FnMut(Event<'_, T>),
    ) -> Result<TrainReport, TrainError> {
        match self.run_until(loss, config, usize::MAX, on_event)? {
            Outcome::Done(report) => Ok(report),
            Outcome::Paused => unreachable!("no pause before the last step"),
        }
    }

    /// Like [`run`](Self::run), but pauses once `pause_at` steps are taken (if phases remain),
    /// so the caller can look at the parameters (the error against a reference) and call
    /// again; the optimizers' state is kept, so a paused run takes the very same steps.
    pub fn run_until<L: Loss<T> + ?Sized>(
        &mut self,
        loss: &mut L,
        config: &TrainConfig,
        pause_at: usize,
        mut on_event: impl FnMut(Event<'_, T>),
    ) -> Result<Outcome, TrainError> {
        let wall0 = self.history.last().map_or(0.0, |r| r.wall_s);
        let clock = *self.clock.get_or_insert(Clock {
            start: Instant::now(),
            wall0,
        });
        if let Some(c) = &config.causal {
            loss.set_causal_eps(c.eps[self.eps_index.min(c.eps.len() - 1)]);
        }
        if self.last_phase.is_none() {
            // A resumed trainer: the phase before the current one, if this one has not begun.
            let k = self
                .phase
                .checked_sub((self.step == self.phase_start) as usize);
            self.last_phase = k
                .and_then(|k| config.phases.get(k))
                .map(|p| p.optimizer.kind());
        }
        while let Some(phase) = config.phases.get(self.phase) {
            let end = self.phase_start + phase.steps;
            let stop = end.min(pause_at);
            let before = self.step;
            let ended = match phase.optimizer {
                OptimizerConfig::Adam(adam) => {
                    // A resumed trainer holds the phase's moments; its settings are the phase's.
                    self.adam.config = adam;
                    self.run_adam(loss, config, stop, &clock, &mut on_event)?;
                    self.step >= end
                }
                OptimizerConfig::QuasiNewton(qn) => {
                    self.run_quasi_newton(loss, config, qn, (stop, end), &clock, &mut on_event)
                }
            };
            if self.step > before {
                self.last_phase = Some(phase.optimizer.kind());
            }
            if !ended {
                return Ok(Outcome::Paused);
            }
            self.phase += 1;
            self.phase_start = self.step;
            if let Some(OptimizerConfig::Adam(adam)) =
                config.phases.get(self.phase).map(|p| p.optimizer)
            {
                self.adam = Adam::new(adam, self.params.len());
            }
        }
        let last_kind = self.last_phase.unwrap_or(Phase::Adam);
        // The last Adam step moved the parameters after the last evaluation: evaluate once more
        // so the final record (and a loss's state, such as the experts' coefficients) belongs
        // to the final parameters.
        let value = loss.value_and_grad(&self.params, &mut self.grad);
        if !value.is_finite() {
            return Err(self.non_finite(loss));
        }
        self.loss_state = loss.state();
        let r = self.record(last_kind, value, loss, config, clock.now());
        on_event(Event::Log(&r));
        // The final record replaces one logged at the same step (it also carries every term).
        if self.history.last().is_some_and(|last| last.step == r.step) {
            self.history.pop();
        }
        self.history.push(r);
        Ok(Outcome::Done(TrainReport {
            steps: self.step,
            loss: value,
            wall_s: clock.now(),
            quasi_newton: self.quasi_newton_report.clone(),
        }))
    }

    /// Adam steps up to step `end`, with resampling, refinement and the causal schedule.
    fn run_adam<L: Loss<T> + ?Sized>(
        &mut self,
        loss: &mut L,
        config: &TrainConfig,
        end: usize,
        clock: &Clock,
        on_event: &mut impl FnMut(Event<'_, T>),
    ) -> Result<(), TrainError> {
        let mut last_good = self.params.clone();
        while self.step < end {
            if due(config.resample_every, self.step) {
                loss.resample(&mut self.rng);
            }
            if let Some(a) = config.adaptive.filter(|a| due(a.every, self.step)) {
                loss.refine(&self.params, &mut self.rng, a.candidates, a.add);
            }
            self.redistribute_if_due(loss, config);
            let value = loss.value_and_grad(&self.params, &mut self.grad);
            if !value.is_finite() || self.grad.iter().any(|g| !g.is_finite()) {
                self.params.copy_from_slice(&last_good);
                return Err(self.non_finite(loss));
            }
            if self.log_and_checkpoint(Phase::Adam, value, loss, (config, clock), on_event) {
                last_good.copy_from_slice(&self.params);
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
        Ok(())
    }

    /// Quasi-Newton iterations up to step `stop` of a phase that ends at `end`, the causal
    /// weights held; whether the phase ended (at `end`, or because the method stopped).
    fn run_quasi_newton<L: Loss<T> + ?Sized>(
        &mut self,
        loss: &mut L,
        config: &TrainConfig,
        qn: QuasiNewtonConfig,
        (stop, end): (usize, usize),
        clock: &Clock,
        on_event: &mut impl FnMut(Event<'_, T>),
    ) -> bool {
        if self.step >= end {
            return true;
        }
        let mut opt = match self.quasi_newton.take() {
            Some(opt) => opt,
            None => {
                let mut opt = QuasiNewton::new(qn, self.params.len());
                loss.hold_causal_weights(true);
                opt.start(loss, &self.params);
                opt
            }
        };
        let mut reason = None;
        while self.step < stop {
            if self.redistribute_if_due(loss, config) {
                // A new objective: its value and gradient here, the curvature kept.
                opt.start(loss, &self.params);
            }
            match opt.step(loss, &mut self.params) {
                Ok(Step::Moved(f)) => {
                    self.step += 1;
                    self.log_and_checkpoint(Phase::QuasiNewton, f, loss, (config, clock), on_event);
                }
                Ok(Step::Restarted) => self.step += 1,
                Err(r) => {
                    reason = Some(r);
                    break;
                }
            }
        }
        if reason.is_none() && self.step < end {
            self.quasi_newton = Some(opt);
            return false;
        }
        loss.hold_causal_weights(false);
        self.quasi_newton_report = Some(QuasiNewtonReport {
            iterations: opt.iterations,
            evaluations: opt.evaluations,
            reason: reason.unwrap_or(StopReason::MaxIterations),
            loss: opt.loss(),
        });
        true
    }

    /// Redistributes the collocation points if due at this step; whether it did.
    fn redistribute_if_due<L: Loss<T> + ?Sized>(
        &mut self,
        loss: &mut L,
        config: &TrainConfig,
    ) -> bool {
        let Some(rad) = config.redistribution.filter(|r| due(r.every, self.step)) else {
            return false;
        };
        loss.redistribute(&self.params, &mut self.rng, &rad);
        true
    }

    /// The record of this step and the checkpoint, where due; whether it was logged.
    fn log_and_checkpoint<L: Loss<T> + ?Sized>(
        &mut self,
        phase: Phase,
        value: f64,
        loss: &L,
        (config, clock): (&TrainConfig, &Clock),
        on_event: &mut impl FnMut(Event<'_, T>),
    ) -> bool {
        let logged = self.step.is_multiple_of(config.log_every);
        if logged {
            let r = self.record(phase, value, loss, config, clock.now());
            on_event(Event::Log(&r));
            self.history.push(r);
        }
        if due(config.checkpoint_every, self.step) {
            self.loss_state = loss.state();
            on_event(Event::Checkpoint(self.snapshot()));
        }
        logged
    }

    fn record<L: Loss<T> + ?Sized>(
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
            lr: match phase {
                Phase::Adam => self.adam.lr(),
                Phase::QuasiNewton => 0.0,
            },
            eps: config
                .causal
                .as_ref()
                .map(|c| c.eps[self.eps_index.min(c.eps.len() - 1)]),
            wall_s,
        }
    }

    fn non_finite<L: Loss<T> + ?Sized>(&self, loss: &L) -> TrainError {
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

/// Whether a periodic action is due at `step` (never at step 0, never with `every` 0).
fn due(every: usize, step: usize) -> bool {
    every > 0 && step > 0 && step.is_multiple_of(every)
}

/// Wall time of a training run, resumed ones included.
#[derive(Clone, Copy)]
struct Clock {
    start: Instant,
    /// Wall time before this call (from the history of a resumed run).
    wall0: f64,
}

impl Clock {
    fn now(&self) -> f64 {
        self.wall0 + self.start.elapsed().as_secs_f64()
    }
}
