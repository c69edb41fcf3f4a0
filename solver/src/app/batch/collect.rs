//! `ansatz collect`: every run of a sweep in one table (swept values, status, steps, final
//! loss, errors, recovered unknowns, time) as CSV and HDF5, with a plot of the error against
//! the first swept setting.

use super::error::{io_err, BatchError};
use super::manifest::display;
use super::manifest::Manifest;
use super::status::Status;
use crate::app::output::h5::{write_table, TableColumn};
use crate::app::output::{plot, write_atomic};
use serde_json::Value;
use std::path::Path;

/// One column of the sweep's table.
pub enum Column {
    /// Numbers, NaN where a run has none.
    Numbers(Vec<f64>),
    /// Text.
    Text(Vec<String>),
}

/// Columns in order; every column has one value per run.
pub struct Table {
    /// Name and values of each column.
    pub columns: Vec<(String, Column)>,
}

impl Table {
    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    fn rows(&self) -> usize {
        match self.columns.first() {
            Some((_, Column::Numbers(v))) => v.len(),
            Some((_, Column::Text(v))) => v.len(),
            None => 0,
        }
    }

    fn cell(&self, column: usize, row: usize, readable: bool) -> String {
        match &self.columns[column].1 {
            Column::Text(v) => v[row].clone(),
            Column::Numbers(v) => number(v[row], readable),
        }
    }

    /// CSV with a header row; missing numbers are empty cells, numbers round-trip exactly.
    pub fn csv(&self) -> String {
        let quote = |s: String| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s
            }
        };
        let header: Vec<String> = self.columns.iter().map(|(n, _)| quote(n.clone())).collect();
        let mut lines = vec![header.join(",")];
        for r in 0..self.rows() {
            let row: Vec<String> = (0..self.columns.len())
                .map(|c| quote(self.cell(c, r, false)))
                .collect();
            lines.push(row.join(","));
        }
        lines.join("\n") + "\n"
    }

    /// Aligned columns for the terminal.
    pub fn pretty(&self) -> String {
        let cells: Vec<Vec<String>> = (0..self.columns.len())
            .map(|c| {
                std::iter::once(self.columns[c].0.clone())
                    .chain((0..self.rows()).map(|r| self.cell(c, r, true)))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = cells
            .iter()
            .map(|col| col.iter().map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        (0..=self.rows())
            .map(|r| {
                let line: Vec<String> = cells
                    .iter()
                    .zip(&widths)
                    .map(|(col, w)| format!("{:<w$}", col[r]))
                    .collect();
                line.join("  ").trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A cell: exact (shortest round-trip) for files, four significant digits for reading.
fn number(v: f64, readable: bool) -> String {
    let exact = format!("{v}");
    if v.is_nan() {
        String::new()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if !readable || exact.len() <= 6 {
        exact
    } else if (1e-2..1e5).contains(&v.abs()) {
        let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

/// Gathers the sweep in `dir` into a table, and writes `collect.csv`, `collect.h5` and
/// `collect.png` beside the manifest.
pub fn collect(dir: &Path) -> Result<Table, BatchError> {
    let manifest = Manifest::load(dir)?;
    let table = gather(dir, &manifest);
    let csv = dir.join("collect.csv");
    write_atomic(&csv, table.csv().as_bytes()).map_err(|e| io_err(&csv, e))?;
    let h5 = dir.join("collect.h5");
    let columns: Vec<(&str, TableColumn<'_>)> = table
        .columns
        .iter()
        .map(|(n, c)| {
            let column = match c {
                Column::Numbers(v) => TableColumn::Numbers(v),
                Column::Text(v) => TableColumn::Text(v),
            };
            (n.as_str(), column)
        })
        .collect();
    write_table(&h5, &columns).map_err(|e| io_err(&h5, e))?;
    let png = dir.join("collect.png");
    if let Err(e) = plot::fonts_available().and_then(|()| {
        plot_errors(&png, &manifest, &table).map_err(|e| format!("{}: {e}", png.display()))
    }) {
        eprintln!("warning: {e}");
    }
    Ok(table)
}

fn gather(dir: &Path, manifest: &Manifest) -> Table {
    let runs = &manifest.runs;
    let summaries: Vec<Value> = runs
        .iter()
        .map(|e| {
            std::fs::read_to_string(dir.join(&e.out).join("summary.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null)
        })
        .collect();
    let statuses: Vec<Status> = runs.iter().map(|e| Status::of(dir, e)).collect();
    let numbers = |f: &dyn Fn(usize) -> Option<f64>| {
        Column::Numbers((0..runs.len()).map(|i| f(i).unwrap_or(f64::NAN)).collect())
    };
    let mut columns = vec![
        ("index".to_string(), numbers(&|i| Some(i as f64))),
        (
            "name".to_string(),
            Column::Text(runs.iter().map(|e| e.name.clone()).collect()),
        ),
    ];
    for (k, vary) in manifest.vary.iter().enumerate() {
        let values: Vec<&Value> = runs.iter().map(|e| &e.values[k]).collect();
        let column = if values.iter().all(|v| v.is_number()) {
            numbers(&|i| values[i].as_f64())
        } else {
            Column::Text(values.iter().map(|v| display(v)).collect())
        };
        columns.push((vary.key.clone(), column));
    }
    columns.push(("seed".into(), numbers(&|i| Some(runs[i].seed as f64))));
    columns.push((
        "status".into(),
        Column::Text(statuses.iter().map(|s| s.word().to_string()).collect()),
    ));
    columns.push((
        "steps".into(),
        numbers(&|i| match &statuses[i] {
            Status::Incomplete { step } => step.map(|s| s as f64),
            _ => summaries[i]["steps"].as_f64(),
        }),
    ));
    columns.push((
        "final_loss".into(),
        numbers(&|i| summaries[i]["final_loss"].as_f64()),
    ));
    for (group, prefix) in [
        ("relative_l2", "relative_l2_"),
        ("unknown_parameters", "unknown_"),
    ] {
        let mut names: Vec<String> = Vec::new();
        for s in &summaries {
            for name in s[group].as_object().into_iter().flat_map(|m| m.keys()) {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        for name in names {
            columns.push((
                format!("{prefix}{name}"),
                numbers(&|i| summaries[i][group][&name].as_f64()),
            ));
        }
    }
    columns.push((
        "wall_s".into(),
        numbers(&|i| summaries[i]["wall_s"].as_f64()),
    ));
    Table { columns }
}

/// The first error column (or the final loss) against the first swept setting (or the
/// seed), one line per combination of the other swept settings and the seed.
fn plot_errors(path: &Path, manifest: &Manifest, table: &Table) -> Result<(), String> {
    let (y_name, Some(Column::Numbers(y))) = table
        .columns
        .iter()
        .find(|(n, _)| n.starts_with("relative_l2_"))
        .or_else(|| table.columns.iter().find(|(n, _)| n == "final_loss"))
        .map(|(n, c)| (n.as_str(), Some(c)))
        .unwrap_or(("final_loss", None))
    else {
        return Err("no numeric column to plot".into());
    };
    let x_name = manifest.vary.first().map_or("seed", |v| v.key.as_str());
    let (x, labels): (Vec<f64>, Option<Vec<String>>) = match table.column(x_name) {
        Some(Column::Numbers(v)) => (v.clone(), None),
        Some(Column::Text(v)) => {
            let mut distinct: Vec<String> = Vec::new();
            for s in v {
                if !distinct.contains(s) {
                    distinct.push(s.clone());
                }
            }
            let at = v
                .iter()
                .map(|s| distinct.iter().position(|d| d == s).unwrap_or(0) as f64)
                .collect();
            (at, Some(distinct))
        }
        None => return Err(format!("no column {x_name}")),
    };
    let mut series: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
    for (i, entry) in manifest.runs.iter().enumerate() {
        let mut rest: Vec<String> = manifest
            .vary
            .iter()
            .zip(&entry.values)
            .skip(1)
            .map(|(v, x)| format!("{}={}", v.key, display(x)))
            .collect();
        if !manifest.vary.is_empty() {
            rest.push(format!("seed={}", entry.seed));
        }
        let label = rest.join(" ");
        let point = (x[i], y[i]);
        match series.iter_mut().find(|(l, _)| *l == label) {
            Some((_, points)) => points.push(point),
            None => series.push((label, vec![point])),
        }
    }
    plot::sweep(
        path,
        &format!("{} sweep: {y_name} against {x_name}", manifest.name),
        (x_name, labels.as_deref()),
        y_name,
        &series,
    )
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn cells_are_exact_in_files_and_short_on_screen() {
        let v = 0.009797999258010968;
        assert_eq!(number(v, false).parse::<f64>().unwrap(), v);
        assert_eq!(number(v, true), "9.798e-3");
        assert_eq!(number(7.033262, true), "7.033");
        assert_eq!(number(123.4567, true), "123.5");
        assert_eq!(number(0.05, true), "0.05");
        assert_eq!(number(3000.0, true), "3000");
        assert_eq!(number(f64::NAN, true), "");
    }
}
