//! Targets that compare two columns of a sweep, as an issue states them ("K = 4 no worse than
//! K = 1, and at least 2x faster per step, in the same run"). They are judged on medians over
//! the sweep's variants (seeds, say): one training run's error moves by tens of percent with
//! its seed, so one pair of runs decides nothing.

use crate::case::{Case, ComparisonSpec, Mode};
use crate::runner::Outcome;

/// One comparison, measured.
pub struct Comparison<'a> {
    pub spec: &'a ComparisonSpec,
    pub variants: usize,
    /// Median errors: the method's, then `against`'s.
    pub error: (f64, f64),
    /// Median milliseconds per training step: the method's, then `against`'s.
    pub per_step_ms: (f64, f64),
}

impl Comparison<'_> {
    pub fn error_ratio(&self) -> f64 {
        self.error.0 / self.error.1
    }

    pub fn speedup(&self) -> f64 {
        self.per_step_ms.1 / self.per_step_ms.0
    }

    pub fn passed(&self) -> bool {
        self.spec
            .error_ratio
            .is_none_or(|t| self.error_ratio() <= t)
            && self.spec.speedup.is_none_or(|t| self.speedup() >= t)
    }

    /// A line of the report.
    pub fn text(&self) -> String {
        let target = |t: Option<f64>, sign: &str| {
            t.map_or(String::new(), |t| format!(", target {sign} {t}"))
        };
        let verdict = match (self.spec.error_ratio, self.spec.speedup) {
            (None, None) => "",
            _ if self.passed() => ": **meets** its targets",
            _ => ": **misses**",
        };
        format!(
            "{} against {}, medians over {} variants: error {:.2e} vs {:.2e} (ratio {:.2}{}), time per step {:.2} vs {:.2} ms ({:.2}x faster{}){verdict}.",
            self.spec.method,
            self.spec.against,
            self.variants,
            self.error.0,
            self.error.1,
            self.error_ratio(),
            target(self.spec.error_ratio, "≤"),
            self.per_step_ms.0,
            self.per_step_ms.1,
            self.speedup(),
            target(self.spec.speedup, "≥"),
        )
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// The comparisons of sweep `stem` in `mode`, over the runs that were made: an error names
/// a column with a failed run or none at all.
pub fn compare<'a>(
    mode: Mode,
    stem: &str,
    rows: &'a [(&'a Case, Result<Outcome, String>)],
) -> Vec<Result<Comparison<'a>, String>> {
    let cells: Vec<&(&Case, Result<Outcome, String>)> = rows
        .iter()
        .filter(|(c, _)| c.cell.as_ref().is_some_and(|(s, ..)| s == stem))
        .collect();
    let Some(first) = cells.first() else {
        return Vec::new();
    };
    let column = |method: &str| -> Result<Vec<&Outcome>, String> {
        let runs: Vec<&Result<Outcome, String>> = cells
            .iter()
            .filter(|(c, _)| c.cell.as_ref().is_some_and(|(_, _, m)| m == method))
            .map(|(_, r)| r)
            .collect();
        if runs.is_empty() {
            return Err(format!("{stem}: no runs of `{method}` to compare"));
        }
        runs.into_iter()
            .map(|r| {
                r.as_ref()
                    .map_err(|_| format!("{stem}: a run of `{method}` failed"))
            })
            .collect()
    };
    first
        .0
        .mode(mode)
        .compare
        .iter()
        .map(|spec| {
            let (a, b) = (column(&spec.method)?, column(&spec.against)?);
            let errors = |runs: &[&Outcome]| median(runs.iter().map(|o| o.error).collect());
            let times = |runs: &[&Outcome]| median(runs.iter().map(|o| o.per_step_ms()).collect());
            Ok(Comparison {
                spec,
                variants: a.len().min(b.len()),
                error: (errors(&a), errors(&b)),
                per_step_ms: (times(&a), times(&b)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{median, Comparison, ComparisonSpec};

    #[test]
    fn targets_are_judged_on_the_median_ratios() {
        let spec = ComparisonSpec {
            method: "K = 4".into(),
            against: "K = 1".into(),
            error_ratio: Some(1.0),
            speedup: Some(2.0),
        };
        let measured = |spec, error, ms| Comparison {
            spec,
            variants: 3,
            error: (error, 2e-2),
            per_step_ms: (ms, 10.0),
        };
        assert!(measured(&spec, 1.9e-2, 4.9).passed());
        let worse = measured(&spec, 2.1e-2, 4.9);
        assert!(!worse.passed());
        assert!(worse.text().ends_with("**misses**."), "{}", worse.text());
        assert!(
            !measured(&spec, 1.9e-2, 5.1).passed(),
            "1.96x is short of 2x"
        );
        let reported = ComparisonSpec {
            error_ratio: None,
            speedup: None,
            ..spec.clone()
        };
        let slow = measured(&reported, 3e-2, 20.0);
        assert!(slow.passed(), "no targets: reported, not judged");
        assert!(slow.text().contains("0.50x faster"), "{}", slow.text());
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
