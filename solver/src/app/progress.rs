//! Progress of a training run: a bar with step, loss, learning rate and ETA on a terminal,
//! plain periodic lines otherwise (logs, batch jobs), nothing with `--quiet`.

use crate::train::{Phase, Record};
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::Cell;
use std::io::IsTerminal;

/// Progress of a training run: a bar on a terminal, lines in a log, or nothing.
pub enum Progress {
    /// A bar, on a terminal.
    Bar(ProgressBar),
    /// A line per logged record, when stderr is not a terminal; only the notes once a method
    /// gives them (they say more).
    Lines {
        /// Steps in all.
        total: usize,
        /// Whether a note has been shown.
        noted: Cell<bool>,
    },
    /// Nothing (`--quiet`).
    Quiet,
}

impl Progress {
    /// Progress over `total` steps from `start` (a resumed run starts later).
    pub fn new(total: usize, start: usize, quiet: bool) -> Progress {
        if quiet {
            return Progress::Quiet;
        }
        if !std::io::stderr().is_terminal() {
            return Progress::Lines {
                total,
                noted: Cell::new(false),
            };
        }
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} steps  {msg}  [{elapsed_precise}, ETA {eta}]",
            )
            .expect("valid template"),
        );
        bar.set_position(start as u64);
        Progress::Bar(bar)
    }

    /// Shows record `r`.
    pub fn update(&self, r: &Record, term_names: &[&str]) {
        let phase = if r.phase == Phase::Adam {
            format!("adam lr {:.1e}", r.lr)
        } else {
            "quasi-newton".into()
        };
        let terms: Vec<String> = term_names
            .iter()
            .zip(&r.terms)
            .map(|(n, v)| format!("{n} {v:.2e}"))
            .collect();
        let msg = format!("loss {:.3e} ({}) {phase}", r.loss, terms.join(", "));
        match self {
            Progress::Bar(b) => {
                b.set_position(r.step as u64);
                b.set_message(msg);
            }
            Progress::Lines { total, noted } if !noted.get() => {
                eprintln!("step {}/{total}  {msg}  [{:.1} s]", r.step, r.wall_s)
            }
            Progress::Lines { .. } => {}
            Progress::Quiet => {}
        }
    }

    /// Shows a line of its own (above the bar, on a terminal).
    pub fn note(&self, line: &str) {
        match self {
            Progress::Bar(b) => b.println(line),
            Progress::Lines { noted, .. } => {
                noted.set(true);
                eprintln!("{line}")
            }
            Progress::Quiet => {}
        }
    }

    /// Ends the bar.
    pub fn finish(&self) {
        if let Progress::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}
