//! A sweep's manifest: the cartesian product of swept settings and seeds, one entry per run,
//! each with its resolved problem file and run directory. Paths inside are relative to the
//! sweep directory, so the directory can be moved (to a cluster's scratch space, say).

use super::error::{io_err, BatchError};
use crate::app::output::write_atomic;
use crate::app::overrides::{apply_overrides, load_with_overrides};
use crate::app::run::{output_grid, resolved_toml};
use problems::Problem;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The file that marks a directory as a sweep.
const MANIFEST: &str = "manifest.json";

/// manifest.json: a sweep's runs, fixed when it was made.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// The problem's name (the SLURM job name).
    pub name: String,
    /// The problem file the sweep was made from.
    pub source: String,
    /// Settings applied to every run (`--set`).
    pub sets: Vec<String>,
    /// The swept settings, in the order of the product (the last varies fastest, then seeds).
    pub vary: Vec<Vary>,
    /// Seeds of each combination.
    pub seeds: Vec<u64>,
    /// Worker threads of every run: fixed here so that a run gives the same result on this
    /// machine and on a cluster.
    pub threads: usize,
    /// Every run, in order.
    pub runs: Vec<Entry>,
}

/// One swept setting.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Vary {
    /// Its key path (`parameters.nu`).
    pub key: String,
    /// Its values.
    pub values: Vec<Value>,
}

/// One run of a sweep.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    /// Its position in the manifest (the array task id).
    pub index: usize,
    /// The swept values, e.g. `parameters.nu=0.01 seed=1`.
    pub name: String,
    /// One value per swept key.
    pub values: Vec<Value>,
    /// Its training seed.
    pub seed: u64,
    /// The resolved problem file (relative to the sweep directory).
    pub problem: String,
    /// The run directory (relative to the sweep directory).
    pub out: String,
}

/// What `ansatz sweep` expands.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// The problem file to sweep.
    pub file: PathBuf,
    /// `key.path=[v1, v2, ...]`, repeatable.
    pub vary: Vec<String>,
    /// Settings for every run, `key.path=value`.
    pub sets: Vec<String>,
    /// Seeds per combination: training.seed, training.seed + 1, ...
    pub seeds: usize,
    /// Worker threads per run.
    pub threads: usize,
}

impl Manifest {
    /// The manifest of the sweep in `dir`.
    pub fn load(dir: &Path) -> Result<Manifest, BatchError> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            BatchError::Usage(format!(
                "{}: not a sweep directory ({e}); make one with `ansatz sweep`",
                dir.display()
            ))
        })?;
        serde_json::from_str(&text).map_err(|e| io_err(&path, e))
    }

    /// Run `index`, or a usage error naming the valid range.
    pub fn entry(&self, index: usize) -> Result<&Entry, BatchError> {
        self.runs.get(index).ok_or_else(|| {
            BatchError::Usage(format!(
                "--index {index}: the sweep has runs 0 to {}",
                self.runs.len().saturating_sub(1)
            ))
        })
    }
}

/// Parses `key.path=[v1, v2]` (TOML values; `key=a,b` with bare words also works).
fn parse_vary(arg: &str) -> Result<Vary, BatchError> {
    let bad = |why: &str| BatchError::Usage(format!("--vary {arg}: {why}"));
    let (key, raw) = arg
        .split_once('=')
        .ok_or_else(|| bad("expected key.path=[v1, v2, ...]"))?;
    let raw = raw.trim();
    let values: Vec<toml::Value> = if raw.starts_with('[') {
        toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .map_err(|e| bad(&format!("not a TOML array: {}", e.message())))?
            .remove("v")
            .and_then(|v| v.as_array().cloned())
            .ok_or_else(|| bad("not a TOML array"))?
    } else {
        raw.split(',')
            .map(|w| {
                toml::from_str::<toml::Table>(&format!("v = {w}"))
                    .ok()
                    .and_then(|mut t| t.remove("v"))
                    .unwrap_or_else(|| toml::Value::String(w.trim().to_string()))
            })
            .collect()
    };
    if values.is_empty() {
        return Err(bad("no values"));
    }
    Ok(Vary {
        key: key.trim().to_string(),
        values: values
            .iter()
            .map(|v| serde_json::to_value(v).expect("TOML values convert to JSON"))
            .collect(),
    })
}

/// A swept value as TOML text, for `--set`.
fn toml_text(v: &Value) -> String {
    let t: toml::Value = serde_json::from_value(v.clone()).expect("JSON from TOML converts back");
    t.to_string()
}

/// A swept value as people read it (strings without quotes).
pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Expands the sweep into `out` (default `sweeps/<problem name>`): a resolved problem file
/// per run under `problems/`, and `manifest.json` last. Every run's problem is checked before
/// anything is written. Returns the sweep directory and its manifest.
pub fn sweep(opts: &SweepOptions, out: Option<&Path>) -> Result<(PathBuf, Manifest), BatchError> {
    let vary = opts
        .vary
        .iter()
        .map(|a| parse_vary(a))
        .collect::<Result<Vec<_>, _>>()?;
    let base = load_with_overrides(&opts.file, &opts.sets).map_err(BatchError::Usage)?;
    let dir = out.map_or_else(
        || Path::new("sweeps").join(&base.spec.name),
        Path::to_path_buf,
    );
    if dir.join(MANIFEST).exists() {
        return Err(BatchError::Usage(format!(
            "{} already holds a sweep; choose another --out or remove it",
            dir.display()
        )));
    }
    // Any new name is a valid parameter, so a misspelt one would sweep nothing.
    for v in &vary {
        if let Some(name) = v.key.strip_prefix("parameters.") {
            if !base.spec.parameters.contains_key(name) {
                return Err(BatchError::Usage(format!(
                    "--vary {}: {} has no parameter `{name}` (parameters: {})",
                    v.key,
                    opts.file.display(),
                    base.spec
                        .parameters
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    let text = std::fs::read_to_string(&opts.file).map_err(|e| io_err(&opts.file, e))?;
    let first_seed = base.spec.training.seed;
    let seeds: Vec<u64> = (0..opts.seeds.max(1) as u64)
        .map(|s| first_seed + s)
        .collect();

    let combinations = vary.iter().fold(vec![vec![]], |acc, v| {
        acc.iter()
            .flat_map(|c: &Vec<Value>| {
                v.values.iter().map(move |x| {
                    let mut c = c.clone();
                    c.push(x.clone());
                    c
                })
            })
            .collect::<Vec<_>>()
    });
    let total = combinations.len() * seeds.len();
    let width = (total.saturating_sub(1)).to_string().len().max(4);
    let mut runs = Vec::with_capacity(total);
    let mut files = Vec::with_capacity(total);
    let mut problems_failed = Vec::new();
    for values in &combinations {
        for &seed in &seeds {
            let index = runs.len();
            let mut sets = opts.sets.clone();
            let mut name: Vec<String> = Vec::new();
            for (v, x) in vary.iter().zip(values) {
                sets.push(format!("{}={}", v.key, toml_text(x)));
                name.push(format!("{}={}", v.key, display(x)));
            }
            name.push(format!("seed={seed}"));
            let name = name.join(" ");
            match resolve(&text, &opts.file, &sets, seed) {
                Ok(resolved) => files.push(resolved),
                Err(e) => problems_failed.push(format!("run {index} ({name}): {e}")),
            }
            let id = format!("{index:0width$}");
            runs.push(Entry {
                index,
                name,
                values: values.clone(),
                seed,
                problem: format!("problems/{id}.toml"),
                out: format!("runs/{id}"),
            });
        }
    }
    if !problems_failed.is_empty() {
        let shown = problems_failed.len().min(5);
        return Err(BatchError::Usage(format!(
            "{} of {total} runs do not resolve to a valid problem; nothing was written:\n  {}{}",
            problems_failed.len(),
            problems_failed[..shown].join("\n  "),
            if shown < problems_failed.len() {
                "\n  ..."
            } else {
                ""
            }
        )));
    }

    let problems_dir = dir.join("problems");
    std::fs::create_dir_all(&problems_dir).map_err(|e| io_err(&problems_dir, e))?;
    for (entry, text) in runs.iter().zip(&files) {
        let path = dir.join(&entry.problem);
        write_atomic(&path, text.as_bytes()).map_err(|e| io_err(&path, e))?;
    }
    let source = std::fs::canonicalize(&opts.file).unwrap_or_else(|_| opts.file.clone());
    let manifest = Manifest {
        name: base.spec.name.clone(),
        source: source.display().to_string(),
        sets: opts.sets.clone(),
        vary,
        seeds,
        threads: opts.threads.max(1),
        runs,
    };
    let path = dir.join(MANIFEST);
    let json = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
    write_atomic(&path, json.as_bytes()).map_err(|e| io_err(&path, e))?;
    Ok((dir, manifest))
}

/// One run's problem file: the source with `sets` and the seed applied, checked (its
/// reference included), with defaults filled in and file paths made absolute.
fn resolve(text: &str, file: &Path, sets: &[String], seed: u64) -> Result<String, String> {
    let mut sets = sets.to_vec();
    sets.push(format!("training.seed={seed}"));
    let changed = apply_overrides(text, &sets)?;
    let p = Problem::from_str(&changed, file).map_err(|e| e.to_string())?;
    output_grid(&p).map_err(|e| e.to_string())?;
    let spec = resolved_toml(&p, seed).map_err(|e| e.to_string())?;
    Ok(format!(
        "# {} with {}, resolved by ansatz sweep\n{spec}",
        file.display(),
        sets.join(" ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_reads_toml_arrays_and_bare_lists() {
        let v = parse_vary("parameters.nu=[0.01, 0.1]").unwrap();
        assert_eq!(v.key, "parameters.nu");
        assert_eq!(
            v.values,
            vec![serde_json::json!(0.01), serde_json::json!(0.1)]
        );
        let v = parse_vary("model.kind=mlp,siren").unwrap();
        assert_eq!(
            v.values.iter().map(display).collect::<Vec<_>>(),
            ["mlp", "siren"]
        );
        let v = parse_vary("model.hidden=[[8, 8], [16]]").unwrap();
        assert_eq!(toml_text(&v.values[1]), "[16]");
        assert!(parse_vary("parameters.nu").is_err());
        assert!(parse_vary("parameters.nu=[0.1,").is_err());
    }
}
