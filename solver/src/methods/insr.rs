//! INSR (Chen et al.) as a method: the time stepper of [`crate::insr`] advanced solve by
//! solve, each solve logged and checkpointed, each output frame reported as soon as it is
//! known, and its network kept, so that the fields at every frame can be evaluated again.

use super::checkpoint::{Checkpoint, CheckpointError};
use super::method::{Curves, Event, Extra, Frame, Method, Report};
use crate::insr::{compared_l2, reference_at, stepper, SolveRecord, State, Stepper};
use crate::train::{Phase, Record};
use crate::{Grid, TrainError};
use operators::{Points, Real, Rng};
use problems::{Insr, Integrator, Problem};
use std::time::Instant;

/// The one term of an INSR record: the loss of a solve.
const STEP_LOSS: &str = "step loss";
/// Columns of the checkpoint's solves table before the diagnostics.
const COLUMNS: usize = 5;

/// An INSR simulation: its stepper and where it stands.
pub struct InsrRun<T: Real> {
    stepper: Box<dyn Stepper<T>>,
    state: State<T>,
    insr: Insr,
    /// The start time.
    t0: f64,
}

/// The problem's simulation before its first solve.
pub fn build<T: Real>(p: &Problem, insr: &Insr, seed: u64) -> InsrRun<T> {
    let mut rng = Rng::new(seed);
    let stepper = stepper::<T>(p, &mut rng);
    let params = stepper.init_params(&mut rng);
    InsrRun {
        stepper,
        state: State::new(params, rng),
        insr: insr.clone(),
        t0: p.domain.lo[p.time_axis.expect("INSR has a time axis")],
    }
}

impl<T: Real> InsrRun<T> {
    fn time(&self, solve: usize) -> f64 {
        self.t0 + solve as f64 * self.insr.settings.dt
    }

    /// The record of solve `j` for the history.
    fn record(&self, j: usize) -> Record {
        let r = &self.state.records[j];
        Record {
            step: j,
            phase: Phase::Adam,
            loss: r.loss,
            terms: vec![r.loss],
            lr: r.lr,
            eps: None,
            wall_s: self.state.records[..=j].iter().map(|r| r.wall_s).sum(),
        }
    }

    /// Solve `j`: the initial fit (0) or step j − 1 → j.
    fn solve(&mut self, j: usize) -> Result<crate::insr::SolveReport, TrainError> {
        let s = &self.insr.settings;
        let (params, rng) = (&mut self.state.params, &mut self.state.rng);
        let solved = match j {
            0 => {
                let iterations = match s.initial_iterations {
                    0 => s.iterations,
                    n => n,
                };
                self.stepper.initial(params, s, iterations, rng)
            }
            _ => self.stepper.step(j - 1, params, s, rng),
        };
        solved.map_err(|term| TrainError::NonFinite { step: j, term })
    }
}

impl<T: Real> Method<T> for InsrRun<T> {
    fn run(
        &mut self,
        p: &Problem,
        grid: &Grid,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<Report, TrainError> {
        let space = grid.space();
        let points: Points<T> = space.points();
        let steps = self.insr.steps;
        for j in self.state.solves..=steps {
            let start = Instant::now();
            let report = self.solve(j)?;
            let t = self.time(j);
            let prediction = self.stepper.fields(&self.state.params, &points);
            let reference = reference_at(p, &space, t);
            let compared = self.stepper.compared();
            let error = reference
                .as_ref()
                .map_or(f64::NAN, |r| compared_l2(&prediction, r, compared));
            let diagnostics = self.stepper.diagnostics(&self.state.params, &points);
            self.state.records.push(SolveRecord {
                iterations: report.iterations,
                loss: report.loss,
                lr: report.lr,
                wall_s: start.elapsed().as_secs_f64(),
                error,
                diagnostics: diagnostics.iter().map(|(_, v)| *v).collect(),
            });
            self.state.solves = j + 1;
            // The line and record first, then the frame, and the checkpoint last: once it says
            // this solve is done, everything the solve writes is there.
            let what = match j {
                0 => "initial values".to_string(),
                _ => format!("step {j}/{steps}"),
            };
            let error = match error.is_nan() {
                true => String::new(),
                false => format!("  error {error:.3e}"),
            };
            let diagnostics: String = diagnostics
                .iter()
                .map(|(name, v)| format!("  {} {v:.5e}", name.replace('_', " ")))
                .collect();
            on_event(Event::Note(&format!(
                "{what:>16}  t = {t:<8.4}  {:>6} iterations ({})  loss {:.3e}{error}{diagnostics}  {:.1} s",
                report.iterations,
                report.stop.name(),
                report.loss,
                self.state.wall_s()
            )));
            on_event(Event::Log(&self.record(j)));
            if j % self.insr.settings.output_every == 0 || j == steps {
                let params = self.state.params.iter().map(|v| v.to_f64()).collect();
                self.state.frames.push((t, params));
                let times: Vec<f64> = self.state.frames.iter().map(|(t, _)| *t).collect();
                on_event(Event::Frame(Frame {
                    times: &times,
                    fields: &prediction,
                    reference: reference.as_deref(),
                }));
            }
            on_event(Event::Checkpoint(&self.checkpoint()));
        }
        Ok(Report {
            steps,
            loss: self.state.records.last().map_or(f64::NAN, |r| r.loss),
            wall_s: self.state.wall_s(),
        })
    }

    fn checkpoint(&self) -> Checkpoint {
        let s = &self.state;
        let mut c = Checkpoint::default();
        c.push("params", s.params.iter().map(|v| v.to_f64()));
        c.words.push(("rng_state".into(), s.rng.state().to_vec()));
        c.count("solves", s.solves);
        let table: Vec<f64> = s
            .records
            .iter()
            .flat_map(|r| {
                [r.iterations as f64, r.loss, r.lr, r.wall_s, r.error]
                    .into_iter()
                    .chain(r.diagnostics.iter().copied())
            })
            .collect();
        c.push_table("solves", s.records.len(), table);
        c.push("frame_times", s.frames.iter().map(|(t, _)| *t));
        let frames = s
            .frames
            .iter()
            .flat_map(|(_, p)| p.iter().copied())
            .collect();
        c.push_table("frame_params", s.frames.len(), frames);
        // Its history is the solves table's (see `history`), not stored twice.
        c
    }

    fn restore(&mut self, c: &Checkpoint) -> Result<(), CheckpointError> {
        let n = self.stepper.n_params();
        let params = c.array_of("params", n)?;
        let (shape, table) = c.table("solves")?;
        let columns = shape.get(1).copied().unwrap_or(COLUMNS).max(COLUMNS);
        let times = c.array("frame_times")?;
        let frames = c.array_of("frame_params", times.len() * n)?;
        self.state = State {
            params: params.iter().map(|&v| T::from_f64(v)).collect(),
            solves: c.counter("solves")?,
            rng: Rng::from_state(c.words("rng_state")?),
            records: table
                .chunks(columns)
                .map(|r| SolveRecord {
                    iterations: r[0] as usize,
                    loss: r[1],
                    lr: r[2],
                    wall_s: r[3],
                    error: r[4],
                    diagnostics: r[COLUMNS..].to_vec(),
                })
                .collect(),
            frames: times
                .iter()
                .zip(frames.chunks(n.max(1)))
                .map(|(&t, p)| (t, p.to_vec()))
                .collect(),
        };
        Ok(())
    }

    fn steps(&self) -> (usize, usize) {
        (self.state.solves, self.insr.steps + 1)
    }

    fn params(&self) -> &[T] {
        &self.state.params
    }

    fn network_params(&self) -> usize {
        self.stepper.network_params()
    }

    fn term_names(&self) -> Vec<String> {
        vec![STEP_LOSS.into()]
    }

    fn history(&self) -> Vec<Record> {
        (0..self.state.records.len())
            .map(|j| self.record(j))
            .collect()
    }

    fn output_grid(&self, grid: &Grid) -> Grid {
        grid.at_times(self.state.frames.iter().map(|(t, _)| *t).collect())
    }

    fn error_grid(&self, reference: &Grid) -> Grid {
        let last = self.state.frames.last().map_or(self.t0, |(t, _)| *t);
        reference.at_times(vec![last])
    }

    fn compared(&self, _p: &Problem) -> usize {
        self.stepper.compared()
    }

    /// At each of the grid's times, the frame nearest to it.
    fn solution(&self, p: &Problem, grid: &Grid) -> Vec<Vec<f64>> {
        let points: Points<T> = grid.space().points();
        let mut fields = vec![Vec::with_capacity(grid.len()); p.symbols.fields.len()];
        for t in grid.times() {
            let Some((_, params)) = self
                .state
                .frames
                .iter()
                .min_by(|a, b| (a.0 - t).abs().total_cmp(&(b.0 - t).abs()))
            else {
                break;
            };
            let params: Vec<T> = params.iter().map(|&v| T::from_f64(v)).collect();
            for (f, v) in fields.iter_mut().zip(self.stepper.fields(&params, &points)) {
                f.extend(v);
            }
        }
        fields
    }

    fn extra(&self, _p: &Problem) -> Vec<(&'static str, Extra)> {
        let s = &self.state;
        let names = self.stepper.diagnostic_names();
        let diagnostics = names.iter().enumerate().map(|(k, name)| {
            let series = s.records.iter().map(|r| r.diagnostics[k]).collect();
            (name.to_string(), Extra::Numbers(series))
        });
        let iterations: Vec<usize> = s.records.iter().map(|r| r.iterations).collect();
        vec![
            ("parameters", Extra::Count(self.stepper.network_params())),
            (
                "integrator",
                Extra::Text(self.insr.settings.integrator.name().into()),
            ),
            ("dt", Extra::Number(self.insr.settings.dt)),
            ("iterations", Extra::Count(iterations.iter().sum())),
            ("relative_l2_note", Extra::Text("at the final time".into())),
            (
                "relative_l2_per_step",
                Extra::Numbers(s.records.iter().map(|r| r.error).collect()),
            ),
            ("iterations_per_step", Extra::Counts(iterations)),
            (
                "loss_per_step",
                Extra::Numbers(s.records.iter().map(|r| r.loss).collect()),
            ),
            ("diagnostics_per_step", Extra::Named(diagnostics.collect())),
        ]
    }

    fn curves(&self, _p: &Problem) -> Vec<Curves> {
        let s = &self.state;
        let mut curves = Vec::new();
        let error: Vec<(f64, f64)> = (s.records.iter().enumerate())
            .map(|(j, r)| (self.time(j), r.error))
            .collect();
        if error.iter().any(|e| e.1.is_finite()) {
            curves.push(Curves {
                name: "error_over_time",
                title: "relative L2 error at each step",
                x: "t",
                y: "relative L2",
                log: true,
                lines: vec![("INSR".into(), error)],
            });
        }
        let energies: Vec<(String, Vec<(f64, f64)>)> = (self.stepper.diagnostic_names())
            .iter()
            .enumerate()
            .filter(|(_, name)| name.ends_with("energy"))
            .map(|(k, name)| {
                let points = (s.records.iter().enumerate())
                    .map(|(j, r)| (self.time(j), r.diagnostics[k]))
                    .collect();
                (name.replace('_', " "), points)
            })
            .collect();
        if !energies.is_empty() {
            curves.push(Curves {
                name: "energy",
                title: "energies over time",
                x: "t",
                y: "energy",
                log: false,
                lines: energies,
            });
        }
        curves
    }

    fn reports_frames(&self) -> bool {
        true
    }

    fn deforms(&self) -> bool {
        self.stepper.deforms()
    }

    fn describe(&self, p: &Problem) -> Vec<String> {
        let s = &self.insr.settings;
        let mut lines = Vec::new();
        if let Some(e) = &self.insr.energy {
            lines.push(format!("energy      {}", e.source()));
        }
        let form = match s.integrator {
            Integrator::Splitting => {
                "splitting: advect, pressure Poisson, project (velocity and pressure networks; walls)"
                    .to_string()
            }
            Integrator::IncrementalPotential => format!(
                "incremental potential of implicit Euler (density {}, gravity {:?})",
                s.density, s.gravity
            ),
            Integrator::SemiLagrangian => format!(
                "semi-Lagrangian along c = {}, the rest implicit",
                p.spec.method.speed.as_ref().map_or("", |c| c.get_ref())
            ),
            i => format!("{i:?} (theta = {})", i.theta()),
        };
        lines.push(format!("method      INSR, {form}"));
        lines.push(format!(
            "steps       {} of dt = {}, a frame every {}",
            self.insr.steps, s.dt, s.output_every
        ));
        lines.push(format!(
            "each solve  Adam at most {} iterations (lr {}, tenfold drop after {} without progress) on {} fresh points, then L-BFGS {} iterations; the initial fit {} iterations",
            s.iterations,
            s.learning_rate,
            s.patience,
            s.samples,
            s.lbfgs_iterations,
            if s.initial_iterations > 0 { s.initial_iterations } else { s.iterations }
        ));
        lines
    }
}
