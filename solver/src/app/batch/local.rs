//! `ansatz batch --local`: the runs of a sweep on this machine, a few at a time, each in its
//! own `ansatz run --manifest` process (so a crash takes down one run, not the batch).

use super::error::{io_err, BatchError};
use super::manifest::{Entry, Manifest};
use super::status::outcome;
use super::status::Status;
use crate::app::output::write_atomic;
use crate::app::run::BUSY_EXIT;
use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// How `ansatz batch` runs a sweep on this machine.
#[derive(Clone, Debug)]
pub struct LocalOptions {
    /// The `ansatz` executable the runs are started with.
    pub exe: PathBuf,
    /// Runs at a time (default: cores / threads per run).
    pub jobs: Option<usize>,
    /// How many times a run whose process fails is started again (it resumes from its
    /// checkpoint) before it is recorded as failed.
    pub retries: usize,
}

/// How a batch ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub completed: usize,
    pub skipped: usize,
    pub failed: usize,
    /// Runs another process was running (left to it).
    pub busy: usize,
}

/// Runs every run of the sweep in `dir` that has not completed; logs go to `logs/<run>.log`.
pub fn run_local(dir: &Path, opts: &LocalOptions) -> Result<Tally, BatchError> {
    let manifest = Manifest::load(dir)?;
    let todo: VecDeque<usize> = manifest
        .runs
        .iter()
        .filter(|e| Status::of(dir, e) != Status::Completed)
        .map(|e| e.index)
        .collect();
    let skipped = manifest.runs.len() - todo.len();
    if todo.is_empty() {
        println!(
            "{}: all {} runs completed; nothing to run",
            dir.display(),
            skipped
        );
        return Ok(Tally {
            skipped,
            ..Tally::default()
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = opts
        .jobs
        .unwrap_or(cores / manifest.threads)
        .clamp(1, todo.len());
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| io_err(&logs, e))?;
    println!(
        "{}: {} runs to do ({skipped} completed already), {jobs} at a time, {} thread{} each",
        dir.display(),
        todo.len(),
        manifest.threads,
        if manifest.threads == 1 { "" } else { "s" }
    );

    let total = todo.len();
    let queue = Mutex::new(todo);
    let tally = Mutex::new(Tally {
        skipped,
        ..Tally::default()
    });
    let first_error = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let Some(index) = queue.lock().expect("queue").pop_front() else {
                    return;
                };
                let entry = &manifest.runs[index];
                let busy = run_one(dir, &logs, entry, opts).unwrap_or_else(|e| {
                    first_error.lock().expect("error").get_or_insert(e);
                    false
                });
                let mut t = tally.lock().expect("tally");
                let outcome = if busy {
                    t.busy += 1;
                    "another process is running it; left to that one".to_string()
                } else {
                    match Status::of(dir, entry) {
                        Status::Completed => t.completed += 1,
                        _ => t.failed += 1,
                    }
                    outcome(dir, entry)
                };
                println!(
                    "[{}/{total}] run {index} ({}): {outcome}",
                    t.completed + t.failed + t.busy,
                    entry.name,
                );
            });
        }
    });
    if let Some(e) = first_error.into_inner().expect("error") {
        return Err(e);
    }
    let t = tally.into_inner().expect("tally");
    println!(
        "{}: {} completed, {} failed, {} skipped (completed before){}",
        dir.display(),
        t.completed,
        t.failed,
        t.skipped,
        match t.busy {
            0 => String::new(),
            n => format!(", {n} left to another process running them"),
        }
    );
    Ok(t)
}

/// Starts run `index` (again, up to `retries` times, while its process fails); records a
/// failure the run could not record itself (a crash, a kill) in its `FAILED` file. Returns
/// whether another process held the run's directory (then nothing is recorded).
fn run_one(
    dir: &Path,
    logs: &Path,
    entry: &Entry,
    opts: &LocalOptions,
) -> Result<bool, BatchError> {
    let log_path = logs.join(format!("{}.log", file_stem(&entry.out)));
    let mut status = None;
    for attempt in 1..=opts.retries + 1 {
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| io_err(&log_path, e))?;
        writeln!(
            log,
            "--- ansatz batch: run {} ({}), attempt {attempt} of {}",
            entry.index,
            entry.name,
            opts.retries + 1
        )
        .map_err(|e| io_err(&log_path, e))?;
        let err = log.try_clone().map_err(|e| io_err(&log_path, e))?;
        let s = Command::new(&opts.exe)
            .args(["run", "--manifest"])
            .arg(dir)
            .args(["--index", &entry.index.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .status()
            .map_err(|e| io_err(&opts.exe, e))?;
        if s.success() {
            return Ok(false);
        }
        if s.code() == Some(i32::from(BUSY_EXIT)) {
            return Ok(true);
        }
        status = Some(s);
    }
    let failed = dir.join(&entry.out).join("FAILED");
    if !failed.exists() {
        let reason = format!(
            "the run's process ended with {}; see {}\n",
            status.expect("at least one attempt"),
            log_path.display()
        );
        let _ = std::fs::create_dir_all(dir.join(&entry.out));
        write_atomic(&failed, reason.as_bytes()).map_err(|e| io_err(&failed, e))?;
    }
    Ok(false)
}

/// The last component of a run's directory (`runs/0003` -> `0003`), which names its log.
pub(super) fn file_stem(out: &str) -> &str {
    out.rsplit('/').next().unwrap_or(out)
}
