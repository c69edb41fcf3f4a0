//! The comparison's figures: compare.png (the reference, then each method's solution and
//! error, a row each) and error_over_time.png (each method's error at every output time).

use super::entry::{error_over_time, Entry};
use crate::app::output::h5::StoredFields;
use crate::app::output::plot::{self, Panel};
use problems::Problem;
use std::path::Path;

/// Writes both figures of the first field into `out`. Never leaves a half-written
/// comparison: a figure that cannot be drawn is an error to warn about, nothing more.
pub(super) fn write(out: &Path, base: &Problem, entries: &[Entry]) -> Result<(), String> {
    plot::fonts_available()?;
    let done: Vec<(&str, &StoredFields)> = entries
        .iter()
        .filter_map(|e| Some((e.method.name(), &e.completed()?.1)))
        .collect();
    if done.is_empty() {
        return Err("no method completed: no figures".into());
    }
    let field = &base.symbols.fields[0];
    solutions(&out.join("compare.png"), base, field, &done)?;
    if base.time_axis.is_some() {
        errors_over_time(&out.join("error_over_time.png"), base, field, &done)?;
    }
    Ok(())
}

/// Heat maps over the first two axes: the whole plane in 2-D, the last time slice beyond.
fn solutions(
    path: &Path,
    base: &Problem,
    field: &str,
    done: &[(&str, &StoredFields)],
) -> Result<(), String> {
    let axes = &base.axes;
    if axes.len() < 2 {
        return Err(format!("{}: one axis, no heat map", path.display()));
    }
    let errors: Vec<Option<Vec<f64>>> = done
        .iter()
        .map(|(_, s)| {
            let r = &s.reference.as_ref()?[0];
            Some(
                s.fields[0]
                    .iter()
                    .zip(r)
                    .map(|(u, v)| (u - v).abs())
                    .collect(),
            )
        })
        .collect();
    let mut rows = Vec::new();
    if let Some((_, s)) = done.iter().find(|(_, s)| s.reference.is_some()) {
        let reference = &s.reference.as_ref().expect("found with a reference")[0];
        rows.push(vec![panel(
            axes,
            format!("reference {field}{}", plane(s).1),
            s,
            reference,
        )]);
    }
    for ((name, s), error) in done.iter().zip(&errors) {
        let when = plane(s).1;
        let mut row = vec![panel(
            axes,
            format!("{name}: {field}{when}"),
            s,
            &s.fields[0],
        )];
        if let Some(e) = error {
            row.push(panel(
                axes,
                format!("{name}: |{field} - reference|{when}"),
                s,
                e,
            ));
        }
        rows.push(row);
    }
    plot::heat_map_grid(path, &rows).map_err(|e| format!("{}: {e}", path.display()))
}

/// One heat map of `values` (on `s`'s grid) over the first two axes.
fn panel<'a>(
    axes: &'a [String],
    title: String,
    s: &'a StoredFields,
    values: &'a [f64],
) -> Panel<'a> {
    Panel {
        title,
        horizontal: (axes[0].as_str(), &s.grid.coords[0]),
        vertical: (axes[1].as_str(), &s.grid.coords[1]),
        values: &values[plane(s).0],
    }
}

/// The plane of `s`'s grid a heat map draws, and its caption (two axes or more).
fn plane(s: &StoredFields) -> (std::ops::Range<usize>, String) {
    plot::drawn_plane(&s.grid).expect("a heat map is drawn of two axes or more")
}

/// The relative L2 error of each method at every output time, on a log axis.
fn errors_over_time(
    path: &Path,
    base: &Problem,
    field: &str,
    done: &[(&str, &StoredFields)],
) -> Result<(), String> {
    let series: Vec<(String, Vec<(f64, f64)>)> = done
        .iter()
        .filter_map(|(name, s)| {
            let errors = error_over_time(s)?;
            let times = s.grid.times();
            Some((
                name.to_string(),
                times.into_iter().zip(errors[0].clone()).collect(),
            ))
        })
        .collect();
    if series.is_empty() {
        return Err(format!("{}: no reference, no errors", path.display()));
    }
    plot::sweep(
        path,
        &format!("{}: relative L2 error of {field} over time", base.spec.name),
        ("t", None),
        "relative L2",
        &series,
    )
    .map_err(|e| format!("{}: {e}", path.display()))
}
