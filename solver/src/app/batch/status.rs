//! Where a run of a sweep stands, read from its run directory alone.

use super::manifest::Entry;
use std::path::Path;

#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// `summary.json` exists (it is written last).
    Completed,
    /// `FAILED` holds the reason (written by the run, or by `batch` when the process died).
    Failed(String),
    /// Started but not finished: killed, or still running. `step` is the last one logged.
    Incomplete {
        step: Option<u64>,
    },
    Pending,
}

impl Status {
    pub fn of(dir: &Path, entry: &Entry) -> Status {
        let out = dir.join(&entry.out);
        if out.join("summary.json").exists() {
            return Status::Completed;
        }
        if let Ok(reason) = std::fs::read_to_string(out.join("FAILED")) {
            return Status::Failed(reason.lines().next().unwrap_or("").to_string());
        }
        if !out.join("problem.toml").exists() {
            return Status::Pending;
        }
        let step = std::fs::read_to_string(out.join("metrics.jsonl"))
            .ok()
            .and_then(|text| {
                text.lines()
                    .rev()
                    .find_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .and_then(|v| v["step"].as_u64())
            });
        Status::Incomplete { step }
    }

    /// One word for tables: completed, failed, incomplete or pending.
    pub fn word(&self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Failed(_) => "failed",
            Status::Incomplete { .. } => "incomplete",
            Status::Pending => "pending",
        }
    }
}

/// A line on how a run ended, for progress: its status, time and errors.
pub fn outcome(dir: &Path, entry: &Entry) -> String {
    match Status::of(dir, entry) {
        Status::Completed => {
            let summary = std::fs::read_to_string(dir.join(&entry.out).join("summary.json"))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .unwrap_or_default();
            let errors: Vec<String> = summary["relative_l2"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(f, v)| Some(format!("{f} {:.3e}", v.as_f64()?)))
                .collect();
            let errors = if errors.is_empty() {
                String::new()
            } else {
                format!(", relative L2 {}", errors.join(", "))
            };
            format!(
                "completed in {:.1} s{errors}",
                summary["wall_s"].as_f64().unwrap_or(f64::NAN)
            )
        }
        Status::Failed(reason) => format!("failed: {reason}"),
        Status::Incomplete { step } => match step {
            Some(s) => format!("incomplete (at step {s})"),
            None => "incomplete".into(),
        },
        Status::Pending => "pending".into(),
    }
}
