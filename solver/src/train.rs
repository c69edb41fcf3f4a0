//! The training loop: Adam, then L-BFGS; resampling; causal ε annealing; a guard
//! against non-finite losses that keeps the last good parameters.

use crate::optim::{Adam, AdamConfig, Lbfgs, LbfgsConfig, LbfgsReport, Objective};
use crate::pinn::PinnLoss;
use operators::model::Field;
use operators::{Real, Rng};
use std::time::Instant;

/// The causal-training schedule (Algorithm 1 of Wang et al.): run each ε until every
/// causal weight exceeds δ (checked every `check_every` steps), then move to the next.
#[derive(Clone, Debug, PartialEq)]
pub struct CausalSchedule {
    pub eps: Vec<f64>,
    pub delta: f64,
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

#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    pub adam_steps: usize,
    pub adam: AdamConfig,
    pub lbfgs_steps: usize,
    pub lbfgs: LbfgsConfig,
    /// Draw fresh collocation points every this many Adam steps (0: never).
    pub resample_every: usize,
    /// Record the loss every this many steps.
    pub log_every: usize,
    pub causal: Option<CausalSchedule>,
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
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Adam,
    Lbfgs,
}

/// One logged step.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub step: usize,
    pub phase: Phase,
    pub loss: f64,
    pub terms: Vec<f64>,
    pub lr: f64,
    pub eps: Option<f64>,
    pub wall_s: f64,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum TrainError {
    #[error("the loss became non-finite at step {step} (term `{term}`); the parameters of the last finite step were kept")]
    NonFinite { step: usize, term: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct TrainReport {
    pub steps: usize,
    pub loss: f64,
    pub wall_s: f64,
    pub lbfgs: Option<LbfgsReport>,
}

/// Training state: parameters, optimizer state, RNG, step count and history.
pub struct Trainer<T> {
    pub params: Vec<T>,
    pub adam: Adam<T>,
    pub rng: Rng,
    pub step: usize,
    pub eps_index: usize,
    pub history: Vec<Record>,
    grad: Vec<T>,
}

impl<T: Real> Trainer<T> {
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
        }
    }

    /// Runs the remaining Adam steps, then L-BFGS; `on_log` sees each logged record.
    pub fn run<F: Field<T>>(
        &mut self,
        loss: &mut PinnLoss<T, F>,
        config: &TrainConfig,
        mut on_log: impl FnMut(&Record),
    ) -> Result<TrainReport, TrainError> {
        let start = Instant::now();
        let mut last_good = self.params.clone();
        let mut value = f64::NAN;
        if let Some(c) = &config.causal {
            loss.set_causal_eps(c.eps[self.eps_index.min(c.eps.len() - 1)]);
        }
        while self.step < config.adam_steps {
            if config.resample_every > 0
                && self.step > 0
                && self.step.is_multiple_of(config.resample_every)
            {
                loss.resample(&mut self.rng);
            }
            value = loss.value_and_grad(&self.params, &mut self.grad);
            if !value.is_finite() || self.grad.iter().any(|g| !g.is_finite()) {
                self.params.copy_from_slice(&last_good);
                return Err(self.non_finite(loss));
            }
            if self.step.is_multiple_of(config.log_every) {
                last_good.copy_from_slice(&self.params);
                let r = self.record(Phase::Adam, value, loss, config, start);
                on_log(&r);
                self.history.push(r);
            }
            if let Some(c) = &config.causal {
                let check = self.step > 0 && self.step.is_multiple_of(c.check_every);
                if check && loss.min_causal_weight() > c.delta && self.eps_index + 1 < c.eps.len() {
                    self.eps_index += 1;
                    loss.set_causal_eps(c.eps[self.eps_index]);
                }
            }
            self.adam.step(&mut self.params, &self.grad);
            self.step += 1;
        }
        let mut lbfgs_report = None;
        if config.lbfgs_steps > 0 {
            let mut opt = Lbfgs::new(config.lbfgs, self.params.len());
            let base = self.step;
            let mut records = Vec::new();
            let mut params = std::mem::take(&mut self.params);
            let report = opt.minimize(loss, &mut params, config.lbfgs_steps, |it, f| {
                if it.is_multiple_of(config.log_every) {
                    let wall_s = start.elapsed().as_secs_f64();
                    let r = Record {
                        step: base + it,
                        phase: Phase::Lbfgs,
                        loss: f,
                        terms: vec![],
                        lr: 0.0,
                        eps: None,
                        wall_s,
                    };
                    on_log(&r);
                    records.push(r);
                }
            });
            self.params = params;
            self.history.extend(records);
            self.step += report.iterations;
            value = report.loss;
            lbfgs_report = Some(report);
        }
        let value = if value.is_finite() {
            loss.value_and_grad(&self.params, &mut self.grad)
        } else {
            value
        };
        let r = self.record(
            if lbfgs_report.is_some() {
                Phase::Lbfgs
            } else {
                Phase::Adam
            },
            value,
            loss,
            config,
            start,
        );
        on_log(&r);
        self.history.push(r);
        Ok(TrainReport {
            steps: self.step,
            loss: value,
            wall_s: start.elapsed().as_secs_f64(),
            lbfgs: lbfgs_report,
        })
    }

    fn record<F: Field<T>>(
        &self,
        phase: Phase,
        loss_value: f64,
        loss: &PinnLoss<T, F>,
        config: &TrainConfig,
        start: Instant,
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
            wall_s: start.elapsed().as_secs_f64(),
        }
    }

    fn non_finite<F: Field<T>>(&self, loss: &PinnLoss<T, F>) -> TrainError {
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
