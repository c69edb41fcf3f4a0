//! `cargo run --release -p validation -- [--quick | --full] [CASE ...]`: runs the validation
//! cases and rewrites validation/REPORT.md.

use clap::Parser;
use std::path::PathBuf;
use std::time::Instant;
use validation::case::{sweep_stems, Case, Mode};
use validation::comparison::compare;
use validation::report::{render, Verdict};
use validation::runner::{run_case, Dirs};

/// Runs Ansatz's validation cases (validation/cases/*.toml): each solves a problem file and
/// compares it with a reference (a closed form, a file in reference/, or one computed
/// here by a classical solver), beside the published error where one is known.
///
/// With every case, the report goes to validation/REPORT.md and figures to
/// validation/figures/; with a subset, both go under validation/runs/MODE/ so the committed
/// report stays whole. Exits 1 if any case fails or exceeds its tolerance, or a sweep misses
/// a target that compares two of its methods.
#[derive(Parser)]
#[command(
    version,
    after_help = "Examples:\n  cargo run --release -p validation -- --quick\n  cargo run --release -p validation -- --full allen_cahn"
)]
struct Cli {
    /// Reduced settings, about 20 minutes for all cases on 2 cores (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The paper-size settings (hours).
    #[arg(long)]
    full: bool,
    /// Cases to run, by file name without .toml, or one cell of a sweep by its full name
    /// (see --list) (default: all).
    cases: Vec<String>,
    /// List the cases and exit.
    #[arg(long)]
    list: bool,
}

fn main() {
    let cli = Cli::parse();
    let mode = if cli.full { Mode::Full } else { Mode::Quick };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let all = Case::all(&root.join("cases")).unwrap_or_else(|e| fail(&e.to_string()));
    if cli.list {
        for c in &all {
            println!("{:<40} {:<8} {}", c.name, c.spec.method, c.spec.description);
        }
        return;
    }
    let unknown: Vec<&String> = cli
        .cases
        .iter()
        .filter(|n| !all.iter().any(|c| c.selected_by(n)))
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        fail(&format!(
            "unknown case(s) {unknown:?}; the cases are: {}",
            names.join(", ")
        ));
    }
    let selected: Vec<&Case> = all
        .iter()
        .filter(|c| cli.cases.is_empty() || cli.cases.iter().any(|n| c.selected_by(n)))
        .collect();
    let whole = selected.len() == all.len();
    let runs = root.join("runs").join(mode.name());
    let (report, figures) = if whole {
        (root.join("REPORT.md"), root.join("figures"))
    } else {
        (runs.join("REPORT.md"), runs.join("figures"))
    };
    std::fs::create_dir_all(&figures)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", figures.display())));
    let dirs = Dirs { runs, figures };

    let start = Instant::now();
    let mut rows = Vec::new();
    for case in selected {
        eprintln!("[{}] {} ({}) ...", mode.name(), case.name, case.spec.method);
        let result = run_case(case, mode, &dirs).map_err(|e| e.to_string());
        let tolerance = case.tolerance(mode);
        match &result {
            Ok(o) => eprintln!(
                "[{}] {}: relative L2 {:.3e} (tolerance {:.1e}), {} steps, {:.0} s",
                mode.name(),
                case.name,
                o.error,
                tolerance,
                o.steps,
                o.wall_s
            ),
            Err(e) => eprintln!("[{}] {}: FAILED: {e}", mode.name(), case.name),
        }
        rows.push((case, result));
    }
    let mut command = format!("cargo run --release -p validation -- --{}", mode.name());
    if !whole {
        command += &format!(" {}", cli.cases.join(" "));
    }
    let text = render(mode, &command, start.elapsed().as_secs_f64(), &rows);
    solver::app::output::write_atomic(&report, text.as_bytes())
        .unwrap_or_else(|e| fail(&format!("{}: {e}", report.display())));
    println!("{text}");
    eprintln!("report: {}", report.display());
    let mut failed: Vec<String> = rows
        .iter()
        .filter(|(c, r)| !Verdict::of(r, c.tolerance(mode)).passed())
        .map(|(c, _)| c.name.clone())
        .collect();
    for stem in sweep_stems(rows.iter().map(|(c, _)| *c)) {
        for c in compare(mode, stem, &rows) {
            match c {
                Ok(c) if c.passed() => {}
                Ok(c) => failed.push(format!(
                    "{stem} ({} against {})",
                    c.spec.method, c.spec.against
                )),
                Err(e) => failed.push(e),
            }
        }
    }
    if !failed.is_empty() {
        fail(&format!(
            "{} case(s) or comparison(s) failed or missed their targets: {}",
            failed.len(),
            failed.join(", ")
        ));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}
