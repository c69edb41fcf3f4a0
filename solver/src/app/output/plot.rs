//! PNG plots: the loss history, fields over two axes as heat maps, characteristics.

use crate::train::Record;
use crate::Grid;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// The font plots use (Debian's fonts-dejavu-core, installed by scripts/setup.sh).
const FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// What drawing a plot gives.
pub type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// Registers the font once; plots are skipped (with a reason) where it is missing.
pub fn fonts_available() -> Result<(), String> {
    static FONT_BYTES: std::sync::OnceLock<Option<&'static [u8]>> = std::sync::OnceLock::new();
    let bytes = FONT_BYTES.get_or_init(|| {
        std::fs::read(FONT)
            .ok()
            .map(|b| &*Box::leak(b.into_boxed_slice()))
    });
    match bytes {
        Some(b) => {
            let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, b);
            Ok(())
        }
        None => Err(format!(
            "{FONT} not found (apt-get install fonts-dejavu-core); plots skipped"
        )),
    }
}

fn positive(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

/// A log axis's range around the positive values, with some room.
fn log_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = (values.filter(|v| positive(*v)))
        .fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    if lo < hi {
        (lo / 2.0, hi * 2.0)
    } else {
        (1e-8, 1.0)
    }
}

/// A linear x axis against a log-scale y axis, drawn into a PNG.
type LogChart<'a> = ChartContext<
    'a,
    BitMapBackend<'a>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, LogCoord<f64>>,
>;

/// A chart of `x ∈ [0, x_max]` against a log-scale `y ∈ [lo, hi]`, its mesh drawn with
/// integer x labels and decade-style y labels (`1e-5`, `3e-4`), not `9.99999999e-5`.
fn log_chart<'a>(
    root: &DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>,
    caption: &str,
    (x_desc, y_desc): (&str, &str),
    x_max: f64,
    (lo, hi): (f64, f64),
) -> Result<LogChart<'a>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0f64..x_max, (lo..hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| decade(*y))
        .draw()?;
    Ok(chart)
}

/// A positive number as one significant digit and its exponent: 1e-5, 3e-4, 2e0.
fn decade(y: f64) -> String {
    let e = y.log10().floor();
    let m = (y / 10f64.powf(e)).round();
    // 9.99e-5 rounds to 10e-5: write it as 1e-4.
    let (m, e) = if m >= 10.0 { (1.0, e + 1.0) } else { (m, e) };
    format!("{m:.0}e{e:.0}")
}

/// Total loss and each term against the step, on a log scale.
pub fn loss_history(path: &Path, history: &[Record], term_names: &[&str]) -> PlotResult {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let values = history
        .iter()
        .flat_map(|r| std::iter::once(r.loss).chain(r.terms.iter().copied()));
    let (lo, hi) = log_range(values);
    let last = history.last().map_or(1, |r| r.step.max(1)) as f64;
    let mut chart = log_chart(&root, "training loss", ("step", "loss"), last, (lo, hi))?;
    let series = |f: &dyn Fn(&Record) -> Option<f64>| {
        history
            .iter()
            .filter_map(|r| f(r).filter(|v| positive(*v)).map(|v| (r.step as f64, v)))
            .collect::<Vec<_>>()
    };
    chart
        .draw_series(LineSeries::new(
            series(&|r| Some(r.loss)),
            BLACK.stroke_width(2),
        ))?
        .label("total")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK));
    for (i, name) in term_names.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                series(&|r| r.terms.get(i).copied()),
                color.stroke_width(1),
            ))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}

/// Each field's relative L2 error against wall time, on a log scale.
pub fn error_history(path: &Path, series: &[(String, Vec<(f64, f64)>)]) -> PlotResult {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let (lo, hi) = log_range(series.iter().flat_map(|(_, p)| p.iter().map(|p| p.1)));
    let last = (series.iter().flat_map(|(_, p)| p.iter().map(|p| p.0))).fold(1e-3, f64::max);
    let axes = ("wall time (s)", "relative L2 error");
    let mut chart = log_chart(&root, "error during training", axes, last, (lo, hi))?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let points = points.iter().copied().filter(|p| positive(p.1));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}

/// A field over two axes (`values` indexed [row (vertical axis), column (horizontal axis)]).
pub fn heat_map(
    path: &Path,
    title: &str,
    horizontal: (&str, &[f64]),
    vertical: (&str, &[f64]),
    values: &[f64],
) -> PlotResult {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    heat_map_on(&root, title, horizontal, vertical, values)?;
    root.present()?;
    Ok(())
}

/// Fields over the same two axes side by side, e.g. reference, prediction and error.
pub fn heat_maps(
    path: &Path,
    panels: &[(&str, &[f64])],
    horizontal: (&str, &[f64]),
    vertical: (&str, &[f64]),
) -> PlotResult {
    let row = panels
        .iter()
        .map(|&(title, values)| Panel {
            title: title.to_string(),
            horizontal,
            vertical,
            values,
        })
        .collect();
    heat_map_grid(path, &[row])
}

/// The points of `grid` a heat map draws: the plane of its first two axes, at the last value
/// of every further axis, and the caption for that (" at t = 1"); None below two axes.
pub fn drawn_plane(grid: &Grid) -> Option<(Range<usize>, String)> {
    let c = &grid.coords;
    if c.len() < 2 {
        return None;
    }
    let n = c[0].len() * c[1].len();
    let last = grid.len() / n - 1;
    let at: Vec<String> = (2..c.len())
        .map(|a| format!("{} = {}", grid.axes[a], c[a][c[a].len() - 1]))
        .collect();
    let caption = match at.is_empty() {
        true => String::new(),
        false => format!(" at {}", at.join(", ")),
    };
    Some((last * n..(last + 1) * n, caption))
}

/// One panel of a figure of heat maps.
pub struct Panel<'a> {
    /// The panel's title.
    pub title: String,
    /// The horizontal axis: name and coordinates.
    pub horizontal: (&'a str, &'a [f64]),
    /// The vertical axis: name and coordinates.
    pub vertical: (&'a str, &'a [f64]),
    /// The values, indexed [row, column] as in [`heat_map`].
    pub values: &'a [f64],
}

/// Heat maps in rows (for instance one method a row: its solution and its error); every
/// row is split into as many columns as the longest has.
pub fn heat_map_grid(path: &Path, rows: &[Vec<Panel<'_>>]) -> PlotResult {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let size = (620 * columns as u32, 440 * rows.len().max(1) as u32);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    let areas = root.split_evenly((rows.len().max(1), columns));
    for (r, row) in rows.iter().enumerate() {
        for (c, panel) in row.iter().enumerate() {
            heat_map_on(
                &areas[r * columns + c],
                &panel.title,
                panel.horizontal,
                panel.vertical,
                panel.values,
            )?;
        }
    }
    root.present()?;
    Ok(())
}

fn heat_map_on<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    title: &str,
    horizontal: (&str, &[f64]),
    vertical: (&str, &[f64]),
    values: &[f64],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (nx, ny) = (horizontal.1.len(), vertical.1.len());
    let (lo, hi) = values
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (x0, x1) = (horizontal.1[0], horizontal.1[nx - 1]);
    let (y0, y1) = (vertical.1[0], vertical.1[ny - 1]);
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}   [{lo:.3e}, {hi:.3e}]"),
            ("sans-serif", 22),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(horizontal.0)
        .y_desc(vertical.0)
        .draw()?;
    let (dx, dy) = (
        (x1 - x0) / (nx - 1).max(1) as f64,
        (y1 - y0) / (ny - 1).max(1) as f64,
    );
    chart.draw_series(
        (0..ny)
            .flat_map(|j| (0..nx).map(move |i| (i, j)))
            // Cells without a finite value (outside a region) stay blank.
            .filter(|&(i, j)| values[j * nx + i].is_finite())
            .map(|(i, j)| {
                let v = (values[j * nx + i] - lo) / span;
                let (x, y) = (horizontal.1[i], vertical.1[j]);
                Rectangle::new(
                    [(x - dx / 2.0, y - dy / 2.0), (x + dx / 2.0, y + dy / 2.0)],
                    colormap(v).filled(),
                )
            }),
    )?;
    Ok(())
}

/// Curves (x, t) in a periodic x-range, e.g. the characteristics of a Lagrangian PINN; a curve
/// is broken where it wraps around the period.
pub fn characteristics(
    path: &Path,
    title: &str,
    x: (f64, f64),
    t: (f64, f64),
    curves: &[Vec<(f64, f64)>],
) -> PlotResult {
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x.0..x.1, t.0..t.1)?;
    chart.configure_mesh().x_desc("x").y_desc("t").draw()?;
    let period = x.1 - x.0;
    for (i, curve) in curves.iter().enumerate() {
        let color = colormap(i as f64 / curves.len().max(2) as f64 * 1.2).stroke_width(2);
        let mut piece: Vec<(f64, f64)> = Vec::new();
        for &(xv, tv) in curve {
            let wrapped = x.0 + (xv - x.0).rem_euclid(period);
            if piece
                .last()
                .is_some_and(|&(last, _)| (wrapped - last).abs() > period / 2.0)
            {
                chart.draw_series(LineSeries::new(std::mem::take(&mut piece), color))?;
            }
            piece.push((wrapped, tv));
        }
        chart.draw_series(LineSeries::new(piece, color))?;
    }
    root.present()?;
    Ok(())
}

/// Points of a sweep, one line per series, on a log y axis. The x axis is logarithmic where
/// the values are positive and span a decade or more; `labels` names categorical positions
/// 0, 1, ... instead.
pub fn sweep(
    path: &Path,
    title: &str,
    x: (&str, Option<&[String]>),
    y_name: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> PlotResult {
    let points = || series.iter().flat_map(|(_, p)| p.iter());
    let (x_lo, x_hi) = points()
        .map(|p| p.0)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let log_x = x.1.is_none() && x_lo > 0.0 && x_hi >= 10.0 * x_lo;
    let tx = |v: f64| if log_x { v.log10() } else { v };
    let (x_lo, x_hi) = if x_hi > x_lo {
        let pad = (tx(x_hi) - tx(x_lo)) * 0.05;
        (tx(x_lo) - pad, tx(x_hi) + pad)
    } else {
        (tx(x_lo) - 0.5, tx(x_lo) + 0.5)
    };
    let (y_lo, y_hi) = points()
        .map(|p| p.1)
        .filter(|v| positive(*v))
        .fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let (y_lo, y_hi) = if y_lo <= y_hi {
        (y_lo / 2.0, y_hi * 2.0)
    } else {
        (1e-8, 1.0)
    };
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let label_x = |v: &f64| match x.1 {
        Some(names) => {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        None if log_x => format!("{:.3}", 10f64.powf(*v)),
        None => format!("{v:.3}"),
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_lo..x_hi, (y_lo..y_hi).log_scale())?;
    chart
        .configure_mesh()
        .x_desc(x.0)
        .y_desc(y_name)
        .x_label_formatter(&label_x)
        .y_label_formatter(&|v| format!("{v:.1e}"))
        .draw()?;
    for (i, (label, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        let mut line: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.0.is_finite() && positive(p.1))
            .map(|&(a, b)| (tx(a), b))
            .collect();
        line.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart.draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))?;
        let drawn = chart.draw_series(LineSeries::new(line, color.stroke_width(2)))?;
        if !label.is_empty() {
            drawn
                .label(label.as_str())
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
        }
    }
    if series.iter().any(|(l, _)| !l.is_empty()) {
        draw_legend(&mut chart)?;
    }
    root.present()?;
    Ok(())
}

/// Series against a shared x axis, on linear axes (energies over time, for instance).
pub fn lines(
    path: &Path,
    title: &str,
    x_name: &str,
    y_name: &str,
    series: &[(String, Vec<(f64, f64)>)],
) -> PlotResult {
    let finite = || {
        series
            .iter()
            .flat_map(|(_, p)| p.iter())
            .filter(|p| p.0.is_finite() && p.1.is_finite())
    };
    let span = |f: fn(&(f64, f64)) -> f64| {
        let (lo, hi) = finite()
            .map(f)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
        let pad = if hi > lo { 0.05 * (hi - lo) } else { 0.5 };
        (lo - pad, hi + pad)
    };
    let ((x_lo, x_hi), (y_lo, y_hi)) = (span(|p| p.0), span(|p| p.1));
    let root = BitMapBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(80)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc(x_name)
        .y_desc(y_name)
        .draw()?;
    for (i, (label, points)) in series.iter().enumerate() {
        let color = Palette99::pick(i).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}

/// The series' labels in a box on a translucent background.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
}

/// A perceptually ordered blue–yellow map (viridis, sampled at five stops).
fn colormap(v: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let v = if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    } * 4.0;
    let i = (v.floor() as usize).min(3);
    let f = v - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * f) as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::decade;

    /// Regression: log-axis labels read `9.99999999e-5` and `1000.0`.
    #[test]
    fn log_axis_labels_read_as_decades() {
        assert_eq!(decade(9.99999999e-5), "1e-4");
        assert_eq!(decade(1e-5), "1e-5");
        assert_eq!(decade(3.0000001e-4), "3e-4");
        assert_eq!(decade(1000.0), "1e3");
        assert_eq!(decade(2.0), "2e0");
    }
}
