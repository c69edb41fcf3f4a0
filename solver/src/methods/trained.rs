//! A method trained over the whole domain, run by the trainer: the [`Method`] of every
//! [`Trainable`] (PINN, LPINN, hard constraints).

use super::checkpoint::{Checkpoint, CheckpointError};
use super::method::{Event, Experts, Extra, Method, Report, Trainable};
use crate::pinn::TermSpec;
use crate::train::{self, OptimizerConfig, Outcome, Record, Snapshot, TrainConfig, Trainer};
use crate::{Grid, TrainError};
use operators::{Real, Rng};
use problems::Problem;

/// A trainable method with its trainer and the training it does.
pub struct Trained<T: Real> {
    method: Box<dyn Trainable<T>>,
    trainer: Trainer<T>,
    config: TrainConfig,
    /// Why the last quasi-Newton phase stopped, once one ran.
    quasi_newton_stop: Option<String>,
    /// The grid and the steps between [`Event::Solution`]s, if watched.
    watch: Option<(Grid, usize)>,
}

impl<T: Real> Trained<T> {
    /// `method` at step 0 from `params`, to be trained as `config` says.
    pub fn new(
        method: Box<dyn Trainable<T>>,
        params: Vec<T>,
        config: TrainConfig,
        rng: Rng,
    ) -> Self {
        Trained {
            trainer: Trainer::new(params, &config, rng),
            method,
            config,
            quasi_newton_stop: None,
            watch: None,
        }
    }
}

/// The trainer's state as a checkpoint.
fn checkpoint_of<T: Real>(s: &Snapshot<'_, T>) -> Checkpoint {
    let as_f64 = |v: &[T]| v.iter().map(|x| x.to_f64()).collect::<Vec<_>>();
    let mut c = Checkpoint::default();
    c.push("params", as_f64(s.params));
    c.push("adam_m", as_f64(&s.adam.m));
    c.push("adam_v", as_f64(&s.adam.v));
    if !s.loss_state.is_empty() {
        c.push("loss_state", s.loss_state.iter().copied());
    }
    c.words.push(("rng_state".into(), s.rng.state().to_vec()));
    c.count("step", s.step);
    c.counters.push(("adam_step".into(), s.adam.step));
    c.count("eps_index", s.eps_index);
    c.count("phase", s.phase);
    c.count("phase_start", s.phase_start);
    c.history = s.history.to_vec();
    c
}

impl<T: Real> Method<T> for Trained<T> {
    fn run(
        &mut self,
        p: &Problem,
        _grid: &Grid,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Report, TrainError> {
        let Trained {
            method,
            trainer,
            config,
            watch,
            ..
        } = self;
        let mut watched_at = None;
        let report = loop {
            if let Some((grid, every)) = watch {
                if trainer.step.is_multiple_of(*every) && watched_at != Some(trainer.step) {
                    watched_at = Some(trainer.step);
                    let fields = method.solution(p, &trainer.params, grid);
                    let (step, wall_s) = (trainer.step, trainer.wall_s());
                    on_event(Event::Solution {
                        step,
                        wall_s,
                        fields: &fields,
                    });
                }
            }
            let pause_at = watch
                .as_ref()
                .map_or(usize::MAX, |(_, every)| (trainer.step / every + 1) * every);
            let outcome = trainer.run_until(method.loss_mut(), config, pause_at, |e| match e {
                train::Event::Log(r) => on_event(Event::Log(r)),
                train::Event::Checkpoint(s) => on_event(Event::Checkpoint(&checkpoint_of(&s))),
            })?;
            if let Outcome::Done(report) = outcome {
                break report;
            }
        };
        if let Some((grid, _)) = watch.as_ref().filter(|_| watched_at != Some(trainer.step)) {
            let fields = method.solution(p, &trainer.params, grid);
            on_event(Event::Solution {
                step: trainer.step,
                wall_s: report.wall_s,
                fields: &fields,
            });
        }
        self.quasi_newton_stop = report.quasi_newton.map(|q| q.reason.to_string());
        Ok(Report {
            steps: report.steps,
            loss: report.loss,
            wall_s: report.wall_s,
        })
    }

    fn watch(&mut self, grid: Grid, every: usize) {
        self.watch = (every > 0).then_some((grid, every));
    }

    fn checkpoint(&self) -> Checkpoint {
        checkpoint_of(&self.trainer.snapshot())
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        let t = &mut self.trainer;
        let n = t.params.len();
        let read = |name: &str| -> Result<Vec<T>, CheckpointError> {
            Ok(c.array_of(name, n)?
                .iter()
                .map(|&v| T::from_f64(v))
                .collect())
        };
        t.params = read("params")?;
        t.adam.m = read("adam_m")?;
        t.adam.v = read("adam_v")?;
        t.loss_state = c.array("loss_state").map_or(Vec::new(), <[f64]>::to_vec);
        t.rng = Rng::from_state(c.words("rng_state")?);
        t.step = c.counter("step")?;
        t.adam.step = c.counter("adam_step")? as u64;
        t.eps_index = c.counter("eps_index")?;
        // Checkpoints from before phases resume in the first phase.
        t.phase = c.counter("phase").unwrap_or(0);
        t.phase_start = c.counter("phase_start").unwrap_or(0);
        t.history = c.history.clone();
        self.method.loss_mut().set_state(&t.loss_state);
        Ok(())
    }

    fn steps(&self) -> (usize, usize) {
        (self.trainer.step, self.config.total_steps())
    }

    fn params(&self) -> &[T] {
        &self.trainer.params
    }

    fn network_params(&self) -> usize {
        self.method.network_params()
    }

    fn term_names(&self) -> Vec<String> {
        let names = self.method.loss().term_names();
        names.into_iter().map(String::from).collect()
    }

    fn history(&self) -> Vec<Record> {
        self.trainer.history.clone()
    }

    fn solution(&self, p: &Problem, grid: &Grid) -> Vec<Vec<f64>> {
        self.method.solution(p, &self.trainer.params, grid)
    }

    fn extra(&self, p: &Problem) -> Vec<(&'static str, Extra)> {
        let names = self.method.loss().term_names();
        let values = self.method.loss().term_values();
        let terms = names
            .iter()
            .zip(values)
            .map(|(n, v)| (n.to_string(), Extra::Number(v)));
        let unknowns = p
            .symbols
            .trainable
            .iter()
            .zip(&self.trainer.params[self.method.network_params()..])
            .map(|(n, v)| (n.clone(), Extra::Number(v.to_f64())));
        let mut extra = vec![
            ("parameters", Extra::Count(self.trainer.params.len())),
            ("loss_terms", Extra::Named(terms.collect())),
            ("unknown_parameters", Extra::Named(unknowns.collect())),
        ];
        if let Some(stop) = &self.quasi_newton_stop {
            extra.push(("quasi_newton_stop", Extra::Text(stop.clone())));
        }
        extra
    }

    fn terms(&self) -> Vec<(&TermSpec, usize)> {
        self.method.terms()
    }

    fn fields<'a>(&'a self, p: &'a Problem) -> &'a [String] {
        self.method.fields(p)
    }

    fn describe(&self, p: &Problem) -> Vec<String> {
        let phases: Vec<String> = (self.config.phases.iter())
            .map(|phase| match phase.optimizer {
                OptimizerConfig::Adam(a) => format!("Adam {} steps (lr {})", phase.steps, a.lr),
                OptimizerConfig::QuasiNewton(q) => {
                    format!("{} {} iterations", q.memory.name(), phase.steps)
                }
            })
            .collect();
        let mut lines = self.method.describe(p);
        lines.push(format!(
            "training    {}, {}",
            phases.join(", then "),
            T::NAME
        ));
        lines
    }

    fn characteristics(
        &self,
        p: &Problem,
        labels: &[f64],
        times: &[f64],
    ) -> Option<Vec<Vec<(f64, f64)>>> {
        let params = &self.trainer.params;
        self.method.characteristics(p, params, labels, times)
    }

    fn experts(&self) -> Option<Experts> {
        self.method.experts()
    }
}
