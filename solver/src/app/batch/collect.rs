//! `ansatz collect`: every run of a sweep in one table (swept values, status, steps, final
//! loss, errors, recovered unknowns, time) as CSV and HDF5, with a plot of the error against
//! the first swept setting.

use super::error::{io_err, BatchError};
use super::manifest::display;
use super::manifest::Manifest;
use super::status::Status;
use crate::app::output::h5::{write_table, TableColumn};
use crate::app::output::table::{Column, Table};
use crate::app::output::{plot, write_atomic};
use serde_json::Value;
use std::path::Path;

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
