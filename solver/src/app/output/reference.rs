//! The reference solution on its grid: read from HDF5 or evaluated from closed forms.

use crate::Grid;
use operators::Points;
use problems::{Problem, Reference};
use std::path::Path;

/// Reference values of every field on a grid.
#[derive(Clone, Debug)]
pub struct ReferenceData {
    /// The reference's own grid.
    pub grid: Grid,
    /// Each field on it.
    pub fields: Vec<Vec<f64>>,
    /// Where it came from (a file, or `analytic`).
    pub source: String,
}

impl ReferenceData {
    /// The reference's values on `grid`: its own where the grids agree, otherwise evaluated
    /// there (closed forms only; `None` for a file on another grid).
    pub fn on(&self, p: &Problem, grid: &Grid) -> Option<Vec<Vec<f64>>> {
        if self.grid == *grid {
            return Some(self.fields.clone());
        }
        match load_reference(p, grid) {
            Ok(Some(d)) if d.grid == *grid => Some(d.fields),
            _ => None,
        }
    }
}

/// A reference that cannot be read or does not fit the problem.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ReferenceError {
    /// The reference file.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

/// Loads or evaluates the problem's reference; `grid` is used for analytic references.
pub fn load_reference(p: &Problem, grid: &Grid) -> Result<Option<ReferenceData>, ReferenceError> {
    match &p.reference {
        None => Ok(None),
        Some(Reference::File(path)) => read_file(p, path).map(Some),
        Some(Reference::Analytic(programs)) => {
            let points: Points<f64> = grid.points();
            let fields = programs
                .iter()
                .map(|prog| prog.eval_at_points(&points))
                .collect();
            Ok(Some(ReferenceData {
                grid: grid.clone(),
                fields,
                source: "analytic".into(),
            }))
        }
    }
}

fn read_file(p: &Problem, path: &Path) -> Result<ReferenceData, ReferenceError> {
    let err = |message: String| ReferenceError {
        path: path.display().to_string(),
        message,
    };
    let file = hdf5::File::open(path).map_err(|e| err(format!("cannot open as HDF5: {e}")))?;
    let mut coords = Vec::new();
    for a in &p.axes {
        let ds = file
            .dataset(a)
            .map_err(|_| err(format!("no dataset `{a}` with the coordinates of axis {a}")))?;
        let c: Vec<f64> = ds
            .read_raw()
            .map_err(|e| err(format!("dataset `{a}`: {e}")))?;
        if c.len() < 2 || c.iter().any(|v| !v.is_finite()) {
            return Err(err(format!(
                "dataset `{a}` must hold at least 2 finite coordinates"
            )));
        }
        coords.push(c);
    }
    let grid = Grid {
        axes: p.axes.clone(),
        coords,
        time_axis: p.time_axis,
    };
    let shape = grid.shape();
    let mut fields = Vec::new();
    for f in &p.symbols.fields {
        let ds = file
            .dataset(f)
            .map_err(|_| err(format!("no dataset `{f}` for field {f}")))?;
        if ds.shape() != shape {
            return Err(err(format!(
                "dataset `{f}` has shape {:?}; expected {:?} (indexed [{}])",
                ds.shape(),
                shape,
                p.axes.iter().rev().cloned().collect::<Vec<_>>().join(", ")
            )));
        }
        fields.push(
            ds.read_raw::<f64>()
                .map_err(|e| err(format!("dataset `{f}`: {e}")))?,
        );
    }
    Ok(ReferenceData {
        grid,
        fields,
        source: path.display().to_string(),
    })
}
