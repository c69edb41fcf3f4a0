//! What a method keeps to resume: named arrays, counters and random streams, and its history.
//! One type for every method, so that the application writes and reads one kind of file.

use crate::train::Record;

/// Everything a method needs to resume where it stopped, as named values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checkpoint {
    /// Arrays of numbers, each with its shape (parameters, optimizer moments, frames).
    pub arrays: Vec<(String, Vec<usize>, Vec<f64>)>,
    /// Arrays of words (random streams).
    pub words: Vec<(String, Vec<u64>)>,
    /// Counters (steps, phases).
    pub counters: Vec<(String, u64)>,
    /// Every logged record so far (empty for a method whose arrays hold its history).
    pub history: Vec<Record>,
}

/// A checkpoint that does not fit the method resuming from it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CheckpointError {
    /// A value the method needs is not there.
    #[error("the checkpoint has no `{0}`")]
    Missing(String),
    /// A value has another length than the method's.
    #[error("the checkpoint's `{name}` has {found} values, the problem {expected}")]
    Length {
        /// The value.
        name: String,
        /// What the method needs.
        expected: usize,
        /// What the checkpoint holds.
        found: usize,
    },
}

impl Checkpoint {
    /// Adds a one-dimensional array.
    pub fn push(&mut self, name: &str, values: impl IntoIterator<Item = f64>) {
        let data: Vec<f64> = values.into_iter().collect();
        self.arrays.push((name.into(), vec![data.len()], data));
    }

    /// Adds a table of `rows` rows (its columns are the data's length over `rows`).
    pub fn push_table(&mut self, name: &str, rows: usize, data: Vec<f64>) {
        let columns = data.len().checked_div(rows).unwrap_or(0);
        self.arrays.push((name.into(), vec![rows, columns], data));
    }

    /// Adds a counter.
    pub fn count(&mut self, name: &str, value: usize) {
        self.counters.push((name.into(), value as u64));
    }

    /// The array `name`.
    pub fn array(&self, name: &str) -> Result<&[f64], CheckpointError> {
        self.table(name).map(|(_, data)| data)
    }

    /// The array `name` with its shape.
    pub fn table(&self, name: &str) -> Result<(&[usize], &[f64]), CheckpointError> {
        self.arrays
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, shape, data)| (shape.as_slice(), data.as_slice()))
            .ok_or_else(|| CheckpointError::Missing(name.into()))
    }

    /// The array `name`, which must hold `expected` values.
    pub fn array_of(&self, name: &str, expected: usize) -> Result<&[f64], CheckpointError> {
        let data = self.array(name)?;
        match data.len() == expected {
            true => Ok(data),
            false => Err(CheckpointError::Length {
                name: name.into(),
                expected,
                found: data.len(),
            }),
        }
    }

    /// The counter `name`.
    pub fn counter(&self, name: &str) -> Result<usize, CheckpointError> {
        self.counters
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v as usize)
            .ok_or_else(|| CheckpointError::Missing(name.into()))
    }

    /// The words `name`, which must be `N` of them.
    pub fn words<const N: usize>(&self, name: &str) -> Result<[u64; N], CheckpointError> {
        let (_, words) = self
            .words
            .iter()
            .find(|(n, _)| n == name)
            .ok_or_else(|| CheckpointError::Missing(name.into()))?;
        words
            .as_slice()
            .try_into()
            .map_err(|_| CheckpointError::Length {
                name: name.into(),
                expected: N,
                found: words.len(),
            })
    }
}
