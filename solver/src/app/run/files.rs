//! The files of a run directory beyond the numbers: VTK for ParaView and PNG plots.

use super::error::{out_err, RunError};
use crate::app::output::{plot, vtk};
use crate::methods::{Curves, Frame, Method};
use crate::train::Record;
use crate::Grid;
use operators::Real;
use problems::Problem;
use std::path::Path;

/// One .vti per output time (fields, reference, absolute error) and a .pvd collection.
pub(crate) fn write_vtk(
    out: &Path,
    grid: &Grid,
    names: &[String],
    fields: &[Vec<f64>],
    reference: Option<&[Vec<f64>]>,
    inside: Option<&[bool]>,
) -> Result<(), RunError> {
    let spatial = grid.spatial_axes();
    let coords: Vec<&[f64]> = spatial.iter().map(|&a| grid.coords[a].as_slice()).collect();
    let m = grid.slice_len();
    let mut entries = Vec::new();
    for (k, t) in grid.times().into_iter().enumerate() {
        let slice = |v: &[f64]| v[k * m..(k + 1) * m].to_vec();
        let mut arrays: Vec<(String, Vec<f64>)> = names
            .iter()
            .zip(fields)
            .map(|(n, v)| (n.clone(), slice(v)))
            .collect();
        if let Some(r) = reference {
            for ((n, u), v) in names.iter().zip(fields).zip(r) {
                arrays.push((format!("{n}_reference"), slice(v)));
                arrays.push((
                    format!("{n}_error"),
                    slice(u)
                        .iter()
                        .zip(slice(v))
                        .map(|(a, b)| (a - b).abs())
                        .collect(),
                ));
            }
        }
        let written = match inside {
            // Boxes: ImageData. Other regions: the grid points inside, as a point cloud.
            None => {
                let file = format!("fields/solution_{k:04}.vti");
                let refs: Vec<(&str, &[f64])> = arrays
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_slice()))
                    .collect();
                vtk::write_vti(&out.join(&file), &coords, &refs).map(|_| file)
            }
            Some(mask) => {
                let file = format!("fields/solution_{k:04}.vtu");
                let keep: Vec<usize> = (0..m).filter(|&i| mask[i]).collect();
                let points: Vec<[f64; 3]> = keep
                    .iter()
                    .map(|&i| {
                        let mut xyz = [0.0; 3];
                        let mut rest = i;
                        for (d, c) in coords.iter().enumerate() {
                            xyz[d] = c[rest % c.len()];
                            rest /= c.len();
                        }
                        xyz
                    })
                    .collect();
                let kept: Vec<(String, Vec<f64>)> = arrays
                    .iter()
                    .map(|(n, v)| (n.clone(), keep.iter().map(|&i| v[i]).collect()))
                    .collect();
                let refs: Vec<(&str, &[f64])> = kept
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_slice()))
                    .collect();
                vtk::write_vtu_points(&out.join(&file), &points, &refs).map(|_| file)
            }
        };
        let file = written.map_err(|e| out_err(&out.join("fields"), e))?;
        entries.push((t, file));
    }
    vtk::write_pvd(&out.join("solution.pvd"), &entries)
        .map_err(|e| out_err(&out.join("solution.pvd"), e))
}

/// characteristics.png: where 24 evenly spaced labels travel, for a method that trains
/// along characteristics (a Lagrangian PINN's X); nothing for the others.
pub(super) fn write_characteristics<T: Real>(
    out: &Path,
    p: &Problem,
    method: &dyn Method<T>,
    quiet: bool,
) {
    // Characteristics are curves in (x, t).
    if p.dims() != 2 {
        return;
    }
    let (lo, hi) = (p.domain.lo.clone(), p.domain.hi.clone());
    let labels: Vec<f64> = (0..24)
        .map(|j| lo[0] + (hi[0] - lo[0]) * j as f64 / 24.0)
        .collect();
    let times: Vec<f64> = (0..=400)
        .map(|k| lo[1] + (hi[1] - lo[1]) * k as f64 / 400.0)
        .collect();
    let Some(curves) = method.characteristics(p, &labels, &times) else {
        return;
    };
    let result = plot::fonts_available()
        .map_err(|e| e.into())
        .and_then(|()| {
            plot::characteristics(
                &out.join("characteristics.png"),
                "characteristics X(x0, t) of the Lagrangian PINN",
                (lo[0], hi[0]),
                (lo[1], hi[1]),
                &curves,
            )
        });
    if let (Err(e), false) = (result, quiet) {
        eprintln!("warning: characteristics.png: {e}");
    }
}

/// The method's own figures (INSR: the error and energies over time). Never fatal.
pub(super) fn write_curves(out: &Path, curves: &[Curves], quiet: bool) {
    if curves.is_empty() || plot::fonts_available().is_err() {
        return;
    }
    for c in curves {
        let path = out.join(format!("{}.png", c.name));
        let drawn = match c.log {
            true => plot::sweep(&path, c.title, (c.x, None), c.y, &c.lines),
            false => plot::lines(&path, c.title, c.x, c.y, &c.lines),
        };
        if let (Err(e), false) = (drawn, quiet) {
            eprintln!("warning: {}: {e}", path.display());
        }
    }
}

/// Frame `k` of a method that steps in time: image data, or a structured grid of the
/// deformed body.
pub(super) fn frame_file(k: usize, deforms: bool) -> String {
    let extension = if deforms { "vts" } else { "vti" };
    format!("fields/solution_{k:04}.{extension}")
}

/// One frame for ParaView, written as soon as it is known: the fields, and the reference and
/// absolute error if known; for a displacement, on the deformed body (points x + u).
pub(super) fn write_frame(
    out: &Path,
    space: &Grid,
    names: &[String],
    frame: &Frame<'_>,
    deforms: bool,
) -> Result<(), RunError> {
    let fields = frame.fields;
    let mut arrays: Vec<(String, Vec<f64>)> =
        names.iter().cloned().zip(fields.iter().cloned()).collect();
    if let Some(r) = frame.reference {
        for ((n, u), v) in names.iter().zip(fields).zip(r) {
            arrays.push((format!("{n}_reference"), v.clone()));
            arrays.push((
                format!("{n}_error"),
                u.iter().zip(v).map(|(a, b)| (a - b).abs()).collect(),
            ));
        }
    }
    let refs: Vec<(&str, &[f64])> = arrays
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_slice()))
        .collect();
    let coords: Vec<&[f64]> = space.coords.iter().map(Vec::as_slice).collect();
    let path = out.join(frame_file(frame.times.len() - 1, deforms));
    let written = match deforms {
        false => vtk::write_vti(&path, &coords, &refs),
        true => {
            let rest = space.points::<f64>();
            let points: Vec<[f64; 3]> = (0..space.len())
                .map(|i| {
                    let mut q = [0.0; 3];
                    for (a, q) in q.iter_mut().enumerate().take(coords.len()) {
                        *q = rest.axis(a)[i] + fields[a][i];
                    }
                    q
                })
                .collect();
            let dims: Vec<usize> = coords.iter().map(|c| c.len()).collect();
            vtk::write_vts(&path, &dims, &points, &refs)
        }
    };
    written.map_err(|e| out_err(&path, e))
}

/// loss.png, and for two-axis problems solution/reference/error heat maps. Plots are a
/// convenience: a failure is reported, never fatal.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_plots(
    out: &Path,
    grid: &Grid,
    names: &[String],
    fields: &[Vec<f64>],
    reference: Option<&[Vec<f64>]>,
    history: &[Record],
    term_names: &[&str],
    quiet: bool,
) {
    let warn = |what: &str, e: &dyn std::fmt::Display| {
        if !quiet {
            eprintln!("warning: {what}: {e}");
        }
    };
    if let Err(e) = plot::fonts_available() {
        return warn("plots", &e);
    }
    if let Err(e) = plot::loss_history(&out.join("loss.png"), history, term_names) {
        warn("loss.png", &e);
    }
    if grid.axes.len() != 2 {
        return;
    }
    let (h, v) = (
        (grid.axes[0].as_str(), grid.coords[0].as_slice()),
        (grid.axes[1].as_str(), grid.coords[1].as_slice()),
    );
    for (i, name) in names.iter().enumerate() {
        let suffix = if names.len() > 1 {
            format!("_{name}")
        } else {
            String::new()
        };
        let mut maps = vec![(
            format!("solution{suffix}.png"),
            format!("{name} (prediction)"),
            fields[i].clone(),
        )];
        if let Some(r) = reference {
            maps.push((
                format!("reference{suffix}.png"),
                format!("{name} (reference)"),
                r[i].clone(),
            ));
            maps.push((
                format!("error{suffix}.png"),
                format!("|{name} - reference|"),
                fields[i]
                    .iter()
                    .zip(&r[i])
                    .map(|(a, b)| (a - b).abs())
                    .collect(),
            ));
        }
        for (file, title, values) in maps {
            if let Err(e) = plot::heat_map(&out.join(&file), &title, h, v, &values) {
                warn(&file, &e);
            }
        }
    }
}
