//! REPORT.md: one table of measured errors beside the published ones, then a table per
//! sweep (variants × methods) and a section per case with its figure. Every number comes
//! from the run that wrote the file.

use crate::case::{sweep_stems, Case, Mode};
use crate::comparison::compare;
use crate::runner::Outcome;

/// How a case ended.
pub enum Verdict {
    Within,
    Above,
    Failed(String),
}

impl Verdict {
    pub fn of(result: &Result<Outcome, String>, tolerance: f64) -> Verdict {
        match result {
            Ok(o) if o.error <= tolerance => Verdict::Within,
            Ok(_) => Verdict::Above,
            Err(e) => Verdict::Failed(e.clone()),
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, Verdict::Within)
    }

    fn text(&self, mode: Mode, tolerance: f64) -> String {
        match (self, mode) {
            (Verdict::Within, Mode::Quick) => format!("pass (≤ {tolerance:.1e})"),
            (Verdict::Above, Mode::Quick) => format!("**REGRESSION** (> {tolerance:.1e})"),
            (Verdict::Within, Mode::Full) => format!("meets target {tolerance:.1e}"),
            (Verdict::Above, Mode::Full) => format!("**misses** target {tolerance:.1e}"),
            (Verdict::Failed(_), _) => "**FAILED**".into(),
        }
    }
}

/// The machine in one line: CPU model, cores, threads used.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!(
        "{cpu}, {cores} cores, {} threads",
        rayon::current_num_threads()
    )
}

/// The report's text for the cases run, in order.
pub fn render(
    mode: Mode,
    command: &str,
    total_s: f64,
    rows: &[(&Case, Result<Outcome, String>)],
) -> String {
    let mut s = String::new();
    s.push_str("# Validation report\n\n");
    s.push_str(&format!(
        "Written by `{command}` ({} mode) on {}; {} cases in {:.1} min. Do not edit: rerun the command.\n\n",
        mode.name(),
        machine(),
        rows.len(),
        total_s / 60.0
    ));
    s.push_str(match mode {
        Mode::Quick => "Quick mode runs every case with reduced settings (each case file's `[quick]`), so errors are larger than the papers'; a case passes when its error stays within the regression tolerance its case file states and justifies. The published column is the paper-size number, for scale.\n\n",
        Mode::Full => "Full mode runs the paper-size settings (each case file's `[full]`); a case meets its target when its error is within the published error, or, where none exists, the threshold its case file justifies.\n\n",
    });
    s.push_str("| case | method | model (parameters) | steps | wall time | relative L2 | published (source) | verdict |\n");
    s.push_str("|---|---|---|---|---|---|---|---|\n");
    for (case, result) in rows {
        let tolerance = case.tolerance(mode);
        let verdict = Verdict::of(result, tolerance).text(mode, tolerance);
        let published = case
            .spec
            .published
            .as_ref()
            .map(|p| format!("{:.2e} ({})", p.error, p.source))
            .unwrap_or_else(|| "none known".into());
        match result {
            Ok(o) => s.push_str(&format!(
                "| {} | {} | {} ({}) | {} | {:.0} s | {:.2e} | {} | {} |\n",
                o.case,
                o.method,
                o.model,
                thousands(o.parameters),
                thousands(o.steps),
                o.wall_s,
                o.error,
                published,
                verdict
            )),
            Err(_) => s.push_str(&format!(
                "| {} | {} | | | | | {} | {} |\n",
                case.name, case.spec.method, published, verdict
            )),
        }
    }
    for stem in sweep_stems(rows.iter().map(|(c, _)| *c)) {
        s.push_str(&sweep_section(mode, stem, rows));
    }
    for (case, result) in rows.iter().filter(|(c, _)| c.cell.is_none()) {
        s.push_str(&format!(
            "\n## {}\n\n{}\n\n",
            case.name, case.spec.description
        ));
        match result {
            Ok(o) => {
                s.push_str(&format!(
                    "Problem `{}`, reference: {}. Settings: `validation/cases/{}.toml` `[{}]`.\n",
                    case.spec.problem.trim_start_matches("../../"),
                    o.reference,
                    case.name,
                    mode.name()
                ));
                s.push_str(&equal_memory_table(&o.grid_solvers));
                if let Some(f) = &o.figure {
                    s.push_str(&format!("\n![{}]({f})\n", case.name));
                }
            }
            Err(e) => s.push_str(&format!("Failed: {e}\n")),
        }
    }
    s
}

/// A sweep's runs as a table: a row per variant, a column per method (same budget), each
/// cell the relative L2 error and the wall time, then the figures.
fn sweep_section(mode: Mode, stem: &str, rows: &[(&Case, Result<Outcome, String>)]) -> String {
    let cells: Vec<&(&Case, Result<Outcome, String>)> = rows
        .iter()
        .filter(|(c, _)| c.cell.as_ref().is_some_and(|(s, ..)| s == stem))
        .collect();
    let mut variants: Vec<&str> = Vec::new();
    let mut methods: Vec<&str> = Vec::new();
    for (c, _) in &cells {
        let (_, v, m) = c.cell.as_ref().expect("a sweep cell");
        if !variants.contains(&v.as_str()) {
            variants.push(v);
        }
        if !methods.contains(&m.as_str()) {
            methods.push(m);
        }
    }
    let first = cells[0].0;
    let mut s = format!(
        "\n## {stem}\n\n{}\n\nProblem `{}`; each column runs the same points and steps. Settings: `validation/cases/{stem}.toml` `[{}]`. Relative L2 error (wall time, time per training step); ✗ marks a run above its tolerance.\n\n| variant | {} |\n|---|{}\n",
        first.spec.description,
        first.spec.problem.trim_start_matches("../../"),
        mode.name(),
        methods.join(" | "),
        "---|".repeat(methods.len())
    );
    let mut figures = Vec::new();
    for v in &variants {
        s.push_str(&format!("| {v} |"));
        for m in &methods {
            let found = cells.iter().find(|(c, _)| {
                c.cell
                    .as_ref()
                    .is_some_and(|(_, cv, cm)| cv == v && cm == m)
            });
            let text = match found {
                None => String::new(),
                Some((c, Ok(o))) => {
                    if let Some(f) = &o.figure {
                        figures.push(format!("[{v}, {m}]({f})"));
                    }
                    let mark = if o.error <= c.tolerance(mode) {
                        ""
                    } else {
                        " ✗"
                    };
                    format!(
                        "{:.2e} ({:.0} s, {:.2} ms/step){mark}",
                        o.error,
                        o.wall_s,
                        o.per_step_ms()
                    )
                }
                Some((_, Err(_))) => "**FAILED**".into(),
            };
            s.push_str(&format!(" {text} |"));
        }
        s.push('\n');
    }
    let comparisons = compare(mode, stem, rows);
    if !comparisons.is_empty() {
        s.push('\n');
    }
    for c in comparisons {
        match c {
            Ok(c) => s.push_str(&format!("- {}\n", c.text())),
            Err(e) => s.push_str(&format!("- **FAILED**: {e}\n")),
        }
    }
    if !figures.is_empty() {
        s.push_str(&format!("\nFigures: {}.\n", figures.join(", ")));
    }
    s
}

/// 12345 → "12,345".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The case beside classical grid solvers holding as many values as its parameters.
fn equal_memory_table(rows: &[crate::grid_advection::GridResult]) -> String {
    let Some(first) = rows.first() else {
        return String::new();
    };
    let energy = rows.iter().any(|r| r.energy_ratio.is_some());
    let mut s = format!(
        "\nAt equal memory ({} values): classical grid solvers beside the network, error at the final time{}.\n\n| solver | values | relative L2 |{} wall time |\n|---|---|---|{}---|\n",
        thousands(first.values),
        if energy { " and kinetic energy E(T)/E(0)" } else { "" },
        if energy { " E(T)/E(0) |" } else { "" },
        if energy { "---|" } else { "" },
    );
    for r in rows {
        let e = match (energy, r.energy_ratio) {
            (true, Some(e)) => format!(" {e:.4} |"),
            (true, None) => " |".into(),
            _ => String::new(),
        };
        s.push_str(&format!(
            "| {} | {} | {:.2e} |{e} {:.2} s |\n",
            r.name,
            thousands(r.values),
            r.error,
            r.wall_s
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(52609), "52,609");
        assert_eq!(thousands(1000000), "1,000,000");
    }
}
