//! The state of an INSR simulation after each solve, and its checkpoint: a killed run
//! resumes at the last completed step with the same parameters and random stream.

use crate::output::h5::{create_atomic, dataset};
use operators::{Real, Rng};
use std::path::Path;

/// One solve: the initial fit (solve 0) or a time step.
#[derive(Clone, Debug, PartialEq)]
pub struct SolveRecord {
    pub iterations: usize,
    pub loss: f64,
    pub lr: f64,
    pub wall_s: f64,
    /// Relative L2 error against the reference at this time (NaN without).
    pub error: f64,
    /// The stepper's diagnostics (energies, volume) after this solve.
    pub diagnostics: Vec<f64>,
}

/// Everything a simulation carries from one step to the next.
#[derive(Clone, Debug)]
pub struct State<T> {
    pub params: Vec<T>,
    /// Solves completed: 0 before the initial fit, n + 1 after step n.
    pub solves: usize,
    pub rng: Rng,
    pub records: Vec<SolveRecord>,
    /// The network at every output frame: the field at that time.
    pub frames: Vec<(f64, Vec<f64>)>,
}

/// Columns of the solves table before the diagnostics.
const COLUMNS: usize = 5;

impl<T: Real> State<T> {
    pub fn new(params: Vec<T>, rng: Rng) -> Self {
        State {
            params,
            solves: 0,
            rng,
            records: vec![],
            frames: vec![],
        }
    }

    /// Wall time of every solve so far.
    pub fn wall_s(&self) -> f64 {
        self.records.iter().map(|r| r.wall_s).sum()
    }

    pub fn write(&self, path: &Path) -> hdf5::Result<()> {
        create_atomic(path, |f| {
            let params: Vec<f64> = self.params.iter().map(|v| v.to_f64()).collect();
            dataset(f, "params", &[params.len()], &params)?;
            f.new_dataset::<u64>()
                .shape([4])
                .create("rng_state")?
                .write_raw(&self.rng.state())?;
            f.new_attr::<u64>()
                .create("solves")?
                .write_scalar(&(self.solves as u64))?;
            let table: Vec<f64> = self
                .records
                .iter()
                .flat_map(|r| {
                    [r.iterations as f64, r.loss, r.lr, r.wall_s, r.error]
                        .into_iter()
                        .chain(r.diagnostics.iter().copied())
                })
                .collect();
            let columns = COLUMNS + self.records.first().map_or(0, |r| r.diagnostics.len());
            dataset(f, "solves", &[self.records.len(), columns], &table)?;
            let times: Vec<f64> = self.frames.iter().map(|(t, _)| *t).collect();
            dataset(f, "frame_times", &[times.len()], &times)?;
            let frames: Vec<f64> = self
                .frames
                .iter()
                .flat_map(|(_, p)| p.iter().copied())
                .collect();
            dataset(f, "frame_params", &[times.len(), params.len()], &frames)
        })
    }

    /// Restores a state written by [`write`](Self::write) for a network of `n_params`.
    pub fn read(path: &Path, n_params: usize) -> hdf5::Result<Self> {
        let f = hdf5::File::open(path)?;
        let params: Vec<f64> = f.dataset("params")?.read_raw()?;
        if params.len() != n_params {
            return Err(hdf5::Error::from(
                format!(
                    "the checkpoint has {} parameters, the problem {n_params}",
                    params.len()
                )
                .as_str(),
            ));
        }
        let rng: Vec<u64> = f.dataset("rng_state")?.read_raw()?;
        let solves = f.dataset("solves")?;
        let columns = solves
            .shape()
            .get(1)
            .copied()
            .unwrap_or(COLUMNS)
            .max(COLUMNS);
        let table: Vec<f64> = solves.read_raw()?;
        let times: Vec<f64> = f.dataset("frame_times")?.read_raw()?;
        let frames: Vec<f64> = f.dataset("frame_params")?.read_raw()?;
        Ok(State {
            params: params.into_iter().map(T::from_f64).collect(),
            solves: f.attr("solves")?.read_scalar::<u64>()? as usize,
            rng: Rng::from_state([rng[0], rng[1], rng[2], rng[3]]),
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
                .zip(frames.chunks(n_params.max(1)))
                .map(|(&t, p)| (t, p.to_vec()))
                .collect(),
        })
    }
}
