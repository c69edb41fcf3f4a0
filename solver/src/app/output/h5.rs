//! HDF5 files of a run: `results.h5` (fields on the grid, reference, errors, loss history)
//! and `checkpoint.h5` (everything needed to resume). Both are written to a temporary name
//! and renamed, so a crash never leaves a half-written file under the real name.

use crate::methods::Checkpoint;
use crate::train::{Phase, Record};
use crate::Grid;
use hdf5::types::VarLenUnicode;
use std::path::Path;

pub(crate) fn create_atomic(
    path: &Path,
    write: impl FnOnce(&hdf5::File) -> hdf5::Result<()>,
) -> hdf5::Result<()> {
    let tmp = path.with_extension("h5.tmp");
    {
        let file = hdf5::File::create(&tmp)?;
        write(&file)?;
    }
    std::fs::rename(&tmp, path)
        .map_err(|e| hdf5::Error::from(format!("renaming {}: {e}", tmp.display()).as_str()))
}

pub(crate) fn dataset(
    g: &hdf5::Group,
    name: &str,
    shape: &[usize],
    data: &[f64],
) -> hdf5::Result<()> {
    g.new_dataset::<f64>()
        .shape(shape)
        .create(name)?
        .write_raw(data)
}

fn text_attr(g: &hdf5::Group, name: &str, value: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = value
        .parse()
        .map_err(|_| hdf5::Error::from("text attribute with a NUL byte"))?;
    g.new_attr::<VarLenUnicode>().create(name)?.write_scalar(&v)
}

fn history(g: &hdf5::Group, records: &[Record], term_names: &[&str]) -> hdf5::Result<()> {
    let h = g.create_group("history")?;
    let n = records.len();
    let col = |f: &dyn Fn(&Record) -> f64| records.iter().map(f).collect::<Vec<_>>();
    dataset(&h, "step", &[n], &col(&|r| r.step as f64))?;
    dataset(&h, "loss", &[n], &col(&|r| r.loss))?;
    dataset(&h, "learning_rate", &[n], &col(&|r| r.lr))?;
    dataset(&h, "wall_s", &[n], &col(&|r| r.wall_s))?;
    // 1 for quasi-Newton steps (named when L-BFGS was the only one; kept for old files).
    dataset(
        &h,
        "lbfgs",
        &[n],
        &col(&|r| f64::from(u8::from(r.phase == Phase::QuasiNewton))),
    )?;
    let k = term_names.len();
    let terms: Vec<f64> = records
        .iter()
        .flat_map(|r| (0..k).map(|i| r.terms.get(i).copied().unwrap_or(f64::NAN)))
        .collect();
    dataset(&h, "terms", &[n, k], &terms)?;
    text_attr(&h, "term_names", &term_names.join("\n"))
}

/// Everything `results.h5` holds.
pub struct Results<'a> {
    /// The grid the fields are on.
    pub grid: &'a Grid,
    /// The fields' names.
    pub field_names: &'a [String],
    /// Each field on the grid.
    pub fields: &'a [Vec<f64>],
    /// Reference values on the same grid, when there is a reference.
    pub reference: Option<&'a [Vec<f64>]>,
    /// The loss history.
    pub history: &'a [Record],
    /// The loss terms' names, in the history's order.
    pub term_names: &'a [&'a str],
    /// summary.json's text.
    pub summary_json: &'a str,
}

/// Writes `r` to `path` (atomically: a crash leaves the old file or none).
pub fn write_results(path: &Path, r: &Results<'_>) -> hdf5::Result<()> {
    create_atomic(path, |f| {
        let coords = f.create_group("coords")?;
        for (a, c) in r.grid.axes.iter().zip(&r.grid.coords) {
            dataset(&coords, a, &[c.len()], c)?;
        }
        let shape = r.grid.shape();
        let fields = f.create_group("fields")?;
        for (name, v) in r.field_names.iter().zip(r.fields) {
            dataset(&fields, name, &shape, v)?;
        }
        if let Some(reference) = r.reference {
            let (rg, eg) = (f.create_group("reference")?, f.create_group("error")?);
            for ((name, v), u) in r.field_names.iter().zip(reference).zip(r.fields) {
                dataset(&rg, name, &shape, v)?;
                let err: Vec<f64> = u.iter().zip(v).map(|(a, b)| (a - b).abs()).collect();
                dataset(&eg, name, &shape, &err)?;
            }
        }
        history(f, r.history, r.term_names)?;
        text_attr(
            f,
            "layout",
            &format!(
                "fields[{}]",
                r.grid
                    .axes
                    .iter()
                    .rev()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )?;
        text_attr(f, "summary", r.summary_json)
    })
}

/// Fields read back from a `results.h5`: its grid, each field, and the reference where
/// the file holds one.
pub struct StoredFields {
    /// The grid the fields are on.
    pub grid: Grid,
    /// Each field, x fastest.
    pub fields: Vec<Vec<f64>>,
    /// The reference on the same grid, if the file holds one.
    pub reference: Option<Vec<Vec<f64>>>,
}

/// Reads the fields `names` on the axes `axes` (with `time_axis`) from a `results.h5`.
pub fn read_results(
    path: &Path,
    axes: &[String],
    time_axis: Option<usize>,
    names: &[String],
) -> hdf5::Result<StoredFields> {
    let f = hdf5::File::open(path)?;
    let coords = f.group("coords")?;
    let coords = axes
        .iter()
        .map(|a| coords.dataset(a)?.read_raw::<f64>())
        .collect::<hdf5::Result<_>>()?;
    let read = |group: &hdf5::Group| {
        names
            .iter()
            .map(|n| group.dataset(n)?.read_raw::<f64>())
            .collect::<hdf5::Result<Vec<_>>>()
    };
    let fields = read(&f.group("fields")?)?;
    let reference = match f.group("reference") {
        Ok(g) => Some(read(&g)?),
        Err(_) => None,
    };
    Ok(StoredFields {
        grid: Grid {
            axes: axes.to_vec(),
            coords,
            time_axis,
        },
        fields,
        reference,
    })
}

/// A column of a table: numbers (NaN where missing) or text.
pub enum TableColumn<'a> {
    /// Numbers.
    Numbers(&'a [f64]),
    /// Text.
    Text(&'a [String]),
}

/// A table as one 1-D dataset per column (`ansatz collect`); the attribute `columns` lists
/// their names in order, comma-separated.
pub fn write_table(path: &Path, columns: &[(&str, TableColumn<'_>)]) -> hdf5::Result<()> {
    create_atomic(path, |f| {
        for (name, column) in columns {
            match column {
                TableColumn::Numbers(v) => dataset(f, name, &[v.len()], v)?,
                TableColumn::Text(v) => {
                    let text = v
                        .iter()
                        .map(|s| s.parse::<VarLenUnicode>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| hdf5::Error::from("text with a NUL byte"))?;
                    f.new_dataset::<VarLenUnicode>()
                        .shape([v.len()])
                        .create(*name)?
                        .write_raw(&text)?
                }
            }
        }
        let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
        text_attr(f, "columns", &names.join(","))
    })
}

/// Fields alone on a grid (what `ansatz export` writes).
pub fn write_fields(
    path: &Path,
    grid: &Grid,
    names: &[String],
    fields: &[Vec<f64>],
) -> hdf5::Result<()> {
    create_atomic(path, |f| {
        let coords = f.create_group("coords")?;
        for (a, c) in grid.axes.iter().zip(&grid.coords) {
            dataset(&coords, a, &[c.len()], c)?;
        }
        let g = f.create_group("fields")?;
        for (name, v) in names.iter().zip(fields) {
            dataset(&g, name, &grid.shape(), v)?;
        }
        text_attr(
            f,
            "layout",
            &format!(
                "fields[{}]",
                grid.axes
                    .iter()
                    .rev()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })
}

/// A reference file as a problem's `[reference] file` reads it: one dataset per axis at the
/// root and each field indexed [t, …, x], with a `source` attribute.
pub fn write_reference(
    path: &Path,
    grid: &Grid,
    names: &[String],
    fields: &[Vec<f64>],
    source: &str,
) -> hdf5::Result<()> {
    create_atomic(path, |f| {
        for (a, c) in grid.axes.iter().zip(&grid.coords) {
            dataset(f, a, &[c.len()], c)?;
        }
        for (name, v) in names.iter().zip(fields) {
            dataset(f, name, &grid.shape(), v)?;
        }
        text_attr(f, "source", source)
    })
}

/// Writes a method's checkpoint: its arrays and random streams as datasets, its counters as
/// attributes, and its history, if it keeps one apart, as a group.
pub fn write_checkpoint(
    path: &Path,
    c: &Checkpoint,
    term_names: &[&str],
    precision: &str,
) -> hdf5::Result<()> {
    create_atomic(path, |f| {
        for (name, shape, data) in &c.arrays {
            dataset(f, name, shape, data)?;
        }
        for (name, words) in &c.words {
            f.new_dataset::<u64>()
                .shape([words.len()])
                .create(name.as_str())?
                .write_raw(words)?;
        }
        for (name, v) in &c.counters {
            f.new_attr::<u64>().create(name.as_str())?.write_scalar(v)?;
        }
        text_attr(f, "precision", precision)?;
        match c.history.is_empty() {
            true => Ok(()),
            false => history(f, &c.history, term_names),
        }
    })
}

/// Reads a checkpoint written by [`write_checkpoint`].
pub fn read_checkpoint(path: &Path) -> hdf5::Result<Checkpoint> {
    let f = hdf5::File::open(path)?;
    let mut c = Checkpoint::default();
    for name in f.member_names()? {
        let Ok(d) = f.dataset(&name) else {
            continue;
        };
        if d.dtype()?.is::<u64>() {
            c.words.push((name, d.read_raw()?));
        } else {
            c.arrays.push((name, d.shape(), d.read_raw()?));
        }
    }
    for name in f.attr_names()? {
        // Text attributes (the precision) are for readers, not for resuming.
        if let Ok(v) = f.attr(&name).and_then(|a| a.read_scalar::<u64>()) {
            c.counters.push((name, v));
        }
    }
    let Ok(h) = f.group("history") else {
        return Ok(c);
    };
    let col = |name: &str| -> hdf5::Result<Vec<f64>> { h.dataset(name)?.read_raw::<f64>() };
    let (step, loss, lr, wall, lbfgs) = (
        col("step")?,
        col("loss")?,
        col("learning_rate")?,
        col("wall_s")?,
        col("lbfgs")?,
    );
    let terms_ds = h.dataset("terms")?;
    let k = terms_ds.shape().get(1).copied().unwrap_or(0);
    let terms = terms_ds.read_raw::<f64>()?;
    c.history = (0..step.len())
        .map(|i| Record {
            step: step[i] as usize,
            phase: if lbfgs[i] > 0.5 {
                Phase::QuasiNewton
            } else {
                Phase::Adam
            },
            loss: loss[i],
            terms: terms[i * k..(i + 1) * k].to_vec(),
            lr: lr[i],
            eps: None,
            wall_s: wall[i],
        })
        .collect();
    Ok(c)
}
