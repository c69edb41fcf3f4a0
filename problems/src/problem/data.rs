//! Reading measured data (points and values) for data conditions.

use std::path::Path;

/// Reads `axes` and `field` columns of a CSV file with a header line.
pub(super) fn read_csv(
    path: &Path,
    axes: &[String],
    field: &str,
) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty file")?
        .split(',')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no column `{name}` (header: {})", header.join(",")))
    };
    let cols: Vec<usize> = axes.iter().map(|a| column(a)).collect::<Result<_, _>>()?;
    let fcol = column(field)?;
    let (mut points, mut values) = (Vec::new(), Vec::new());
    for (i, line) in lines.enumerate() {
        let cells: Vec<f64> = line
            .split(',')
            .map(|c| c.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("data line {}: expected numbers, got `{line}`", i + 1))?;
        if cells.len() != header.len() || cells.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "data line {}: expected {} finite numbers, got `{line}`",
                i + 1,
                header.len()
            ));
        }
        points.push(cols.iter().map(|&c| cells[c]).collect());
        values.push(cells[fcol]);
    }
    if values.is_empty() {
        return Err("no data lines".into());
    }
    Ok((points, values))
}

/// Reads 1-D datasets named like `axes` and `field` (one entry per point) from an HDF5 file.
#[cfg(feature = "hdf5")]
pub(super) fn read_h5_points(
    path: &Path,
    axes: &[String],
    field: &str,
) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    let file = hdf5::File::open(path).map_err(|e| format!("cannot open as HDF5: {e}"))?;
    let read = |name: &str| -> Result<Vec<f64>, String> {
        let ds = file
            .dataset(name)
            .map_err(|_| format!("no dataset `{name}`"))?;
        let v: Vec<f64> = ds
            .read_raw()
            .map_err(|e| format!("dataset `{name}`: {e}"))?;
        if v.iter().any(|x| !x.is_finite()) {
            return Err(format!("dataset `{name}` holds non-finite values"));
        }
        Ok(v)
    };
    let values = read(field)?;
    let columns: Vec<Vec<f64>> = axes.iter().map(|a| read(a)).collect::<Result<_, _>>()?;
    if values.is_empty() || columns.iter().any(|c| c.len() != values.len()) {
        return Err(format!(
            "datasets {} and `{field}` must hold the same, positive number of points",
            axes.join(", ")
        ));
    }
    Ok((
        (0..values.len())
            .map(|i| columns.iter().map(|c| c[i]).collect())
            .collect(),
        values,
    ))
}

/// Without the `hdf5` feature, data come from CSV files only.
#[cfg(not(feature = "hdf5"))]
pub(super) fn read_h5_points(
    _path: &Path,
    _axes: &[String],
    _field: &str,
) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    Err("this build reads data from .csv files only (problems was built without its `hdf5` feature)".into())
}
