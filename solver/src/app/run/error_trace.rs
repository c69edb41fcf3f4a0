//! The error during training (`training.eval_every`), as logged in metrics.jsonl: its plot
//! against wall time and the time at which each decade was first reached.

use crate::app::output::plot;
use serde_json::{json, Map, Value};
use std::path::Path;

/// (step, wall time, relative L2 error) of one evaluation.
type Point = (usize, f64, f64);

/// Each field's evaluations, in the order logged.
pub(crate) struct ErrorTrace {
    fields: Vec<(String, Vec<Point>)>,
}

impl ErrorTrace {
    /// The error records of a metrics.jsonl (those with a `relative_l2`); resumed runs
    /// included, since their earlier lines are kept.
    pub fn read(metrics: &Path) -> Self {
        let mut fields: Vec<(String, Vec<Point>)> = Vec::new();
        let text = std::fs::read_to_string(metrics).unwrap_or_default();
        for v in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        {
            let (Some(errors), Some(step), Some(wall)) = (
                v["relative_l2"].as_object(),
                v["step"].as_u64(),
                v["wall_s"].as_f64(),
            ) else {
                continue;
            };
            for (name, e) in errors {
                let Some(e) = e.as_f64() else { continue };
                let i = match fields.iter().position(|(n, _)| n == name) {
                    Some(i) => i,
                    None => {
                        fields.push((name.clone(), Vec::new()));
                        fields.len() - 1
                    }
                };
                fields[i].1.push((step as usize, wall, e));
            }
        }
        ErrorTrace { fields }
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// For each field, the first step and wall time at which the error was at most 1e-1,
    /// 1e-2, … (every decade reached).
    pub fn time_to(&self) -> Value {
        let mut out = Map::new();
        for (name, trace) in &self.fields {
            let mut decades = Map::new();
            for k in 1..=16 {
                let bound = 10f64.powi(-k);
                let Some(&(step, wall, _)) = trace.iter().find(|p| p.2 <= bound) else {
                    break;
                };
                decades.insert(format!("1e-{k}"), json!({ "step": step, "wall_s": wall }));
            }
            out.insert(name.clone(), Value::Object(decades));
        }
        Value::Object(out)
    }

    /// error_history.png: each field's error against wall time.
    pub fn plot(&self, path: &Path) -> plot::PlotResult {
        let series: Vec<(String, Vec<(f64, f64)>)> = (self.fields.iter())
            .map(|(n, t)| (n.clone(), t.iter().map(|p| (p.1, p.2)).collect()))
            .collect();
        plot::error_history(path, &series)
    }
}
