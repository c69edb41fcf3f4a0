//! `ansatz compare`: one problem solved by every method that applies, each into its own run
//! directory, then one table (printed, CSV, markdown) of their errors, times, parameters
//! and steps, one figure of their solutions and errors side by side, and their errors
//! over time.
//!
//! Each method takes the problem file as written (after `--set`), adapted as
//! [`Contender::adapt`] says, and checked as any problem file is: a method the problem does
//! not suit gets the checker's reason as its row. Finished runs are reused and interrupted
//! ones resume, so running compare again after a crash finishes the comparison.

mod contender;
mod entry;
mod figures;

pub use contender::Contender;
use entry::l2_where_finite;
pub use entry::{error_over_time, Entry, Outcome};

use crate::app::output::h5::{read_results, StoredFields};
use crate::app::output::table::{Column, Table};
use crate::app::output::write_atomic;
use crate::app::overrides::{apply_overrides, load_with_overrides};
use crate::app::run::{out_err, output_grid, resolved_toml, run, RunError, RunOptions};
use problems::{Problem, ProblemError};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// What `ansatz compare` compares, and where it writes.
#[derive(Clone, Debug)]
pub struct CompareOptions {
    /// The problem file.
    pub file: PathBuf,
    /// `key.path=value` overrides applied to the file before any method adapts it.
    pub sets: Vec<String>,
    /// The methods, in the table's order.
    pub methods: Vec<Contender>,
    /// The comparison's directory: one run directory per method, and the table and figures.
    pub out: PathBuf,
    /// Overrides `training.seed` for every method.
    pub seed: Option<u64>,
    /// No progress on stderr.
    pub quiet: bool,
}

/// Runs every method of `opts` and writes the comparison into `opts.out`; returns the rows
/// and the table (also in `compare.csv` and `compare.md`).
pub fn compare(opts: &CompareOptions) -> Result<(Vec<Entry>, Table), RunError> {
    let base = load_with_overrides(&opts.file, &opts.sets).map_err(RunError::Usage)?;
    let insr_written = insr_table_written(&opts.file, &opts.sets)?;
    let (grid, _) = output_grid(&base)?;
    let frame_interval = base.time_axis.map_or(0.0, |t| {
        let c = &grid.coords[t];
        (c[c.len() - 1] - c[0]) / (c.len() - 1).max(1) as f64
    });
    std::fs::create_dir_all(&opts.out).map_err(|e| out_err(&opts.out, e))?;
    let mut entries = Vec::new();
    for (k, &method) in opts.methods.iter().enumerate() {
        let dir = opts.out.join(method.name());
        if !opts.quiet {
            eprintln!(
                "compare [{}/{}] {method} → {}",
                k + 1,
                opts.methods.len(),
                dir.display()
            );
        }
        let spec = method.adapt(&base, insr_written, frame_interval);
        let text = toml::to_string(&spec).map_err(|e| out_err(&opts.out, e))?;
        let outcome = match Problem::from_str(&text, &base.path) {
            Err(e) => Outcome::DoesNotApply(reason(&e)),
            Ok(p) => run_one(&p, &dir, opts)?,
        };
        if !opts.quiet {
            match &outcome {
                Outcome::DoesNotApply(why) => eprintln!("  does not apply: {why}"),
                Outcome::Failed(why) => eprintln!("  failed: {why}"),
                Outcome::Completed(_) => {}
            }
        }
        entries.push(Entry { method, outcome });
    }
    let table = table(&base, &entries);
    let csv = opts.out.join("compare.csv");
    write_atomic(&csv, table.csv().as_bytes()).map_err(|e| out_err(&csv, e))?;
    let md = opts.out.join("compare.md");
    write_atomic(&md, markdown(&base, &entries, &table).as_bytes()).map_err(|e| out_err(&md, e))?;
    if let Err(e) = figures::write(&opts.out, &base, &entries) {
        if !opts.quiet {
            eprintln!("warning: {e}");
        }
    }
    Ok((entries, table))
}

/// Runs (or resumes, or reuses) one method's run in `dir`.
fn run_one(p: &Problem, dir: &Path, opts: &CompareOptions) -> Result<Outcome, RunError> {
    let run_opts = RunOptions {
        out: dir.to_path_buf(),
        seed: opts.seed,
        resume: true,
        quiet: opts.quiet,
    };
    if dir.join("problem.toml").exists() {
        same_settings(p, &run_opts)?;
    }
    if !dir.join("summary.json").exists() {
        match run(p, &run_opts) {
            Ok(_) => {}
            Err(e @ RunError::Busy(_)) => return Err(e),
            Err(e) => return Ok(Outcome::Failed(e.to_string())),
        }
    }
    // Read back even after a run, so that a reused run's row is the same to the last digit.
    let summary_path = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|e| out_err(&summary_path, e))?;
    let summary = serde_json::from_str(&text).map_err(|e| out_err(&summary_path, e))?;
    let results = dir.join("results.h5");
    let stored = read_results(&results, &p.axes, p.time_axis, &p.symbols.fields)
        .map_err(|e| out_err(&results, e))?;
    Ok(Outcome::Completed(Box::new((summary, stored))))
}

/// A finished run is reused, and an interrupted one resumed, only if it ran the settings
/// this comparison would run.
fn same_settings(p: &Problem, opts: &RunOptions) -> Result<(), RunError> {
    let path = opts.out.join("problem.toml");
    let written = std::fs::read_to_string(&path).map_err(|e| out_err(&path, e))?;
    let expected = resolved_toml(p, opts.seed(p)).map_err(|e| out_err(&path, e))?;
    match written.ends_with(&expected) {
        true => Ok(()),
        false => Err(RunError::Usage(format!(
            "{} holds a run of other settings; remove it or choose another --out",
            opts.out.display()
        ))),
    }
}

/// Whether the file (after the overrides) has a `[method.insr]` table of its own.
fn insr_table_written(file: &Path, sets: &[String]) -> Result<bool, RunError> {
    let text = std::fs::read_to_string(file).map_err(|e| out_err(file, e))?;
    let text = apply_overrides(&text, sets).map_err(RunError::Usage)?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| out_err(file, e))?;
    Ok(doc
        .get("method")
        .and_then(|m| m.get("insr"))
        .is_some_and(toml::Value::is_table))
}

/// The checker's message without the file position (which points into the adapted text).
fn reason(e: &ProblemError) -> String {
    match e {
        ProblemError::At { message, .. } => message.clone(),
        ProblemError::Key { key, message, .. } => format!("{key}: {message}"),
        e => e.to_string(),
    }
}

/// The table: a row per method; per field the error over all of space and time and at the
/// final time; wall time, parameters, optimizer steps (INSR: iterations over all its time
/// steps), and why a method has no numbers.
fn table(base: &Problem, entries: &[Entry]) -> Table {
    let numbers = |f: &dyn Fn(&Value, &StoredFields) -> Option<f64>| {
        Column::Numbers(
            entries
                .iter()
                .map(|e| {
                    e.completed()
                        .and_then(|(s, st)| f(s, st))
                        .unwrap_or(f64::NAN)
                })
                .collect(),
        )
    };
    let mut columns = vec![(
        "method".to_string(),
        Column::Text(
            entries
                .iter()
                .map(|e| e.method.name().to_string())
                .collect(),
        ),
    )];
    for (i, name) in base.symbols.fields.iter().enumerate() {
        // Only the fields a method compares with the reference (not INSR's pressure, which
        // is known up to a constant): those its summary scores.
        let scored = |s: &Value| s["relative_l2"].get(name).is_some();
        columns.push((
            format!("l2_{name}"),
            numbers(&|s, st| {
                let r = st.reference.as_ref().filter(|_| scored(s))?;
                Some(l2_where_finite(&st.fields[i], &r[i]))
            }),
        ));
        columns.push((
            format!("l2_{name}_final"),
            numbers(&|s, st| {
                error_over_time(st).filter(|_| scored(s))?[i]
                    .last()
                    .copied()
            }),
        ));
    }
    columns.push(("wall_s".into(), numbers(&|s, _| s["wall_s"].as_f64())));
    columns.push((
        "parameters".into(),
        numbers(&|s, _| s["parameters"].as_f64()),
    ));
    columns.push((
        "steps".into(),
        numbers(&|s, _| s.get("iterations").unwrap_or(&s["steps"]).as_f64()),
    ));
    columns.push((
        "note".into(),
        Column::Text(
            entries
                .iter()
                .map(|e| match &e.outcome {
                    Outcome::Completed(_) => String::new(),
                    Outcome::DoesNotApply(why) => format!("does not apply: {why}"),
                    Outcome::Failed(why) => format!("failed: {why}"),
                })
                .collect(),
        ),
    ));
    Table { columns }
}

/// compare.md: what was compared, the table, and the figures.
fn markdown(base: &Problem, entries: &[Entry], table: &Table) -> String {
    let methods: Vec<&str> = entries.iter().map(|e| e.method.name()).collect();
    format!(
        "# {name}: {methods}\n\n{description}\n\n\
         Problem file: `{file}`. `l2_<field>` is the relative L2 error over the whole output \
         grid (space and time), `l2_<field>_final` at its last time; `steps` counts optimizer \
         steps (INSR: the iterations of all its time steps); `wall_s` is each run's own time.\n\n\
         {table}\n![solutions and errors](compare.png)\n\n![error over time](error_over_time.png)\n",
        name = base.spec.name,
        methods = methods.join(", "),
        description = base.spec.description,
        file = base.path.display(),
        table = table.markdown(),
    )
}
