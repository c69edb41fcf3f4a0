//! A validation case file (validation/cases/*.toml): which problem, which reference, what
//! counts as success, and the settings of the quick and full runs.

use crate::finite_difference::{EndCondition, FdSettings};
use crate::spectral::SpectralSettings;
use crate::ValidationError;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// The problem file, relative to the case file.
    pub problem: String,
    /// Shown in the report: the method the problem file runs.
    pub method: String,
    /// One line on what the case shows.
    pub description: String,
    /// Where the reference comes from when not the problem's own `[reference]`.
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
    /// The paper's (or repository's) error for this method and setup, when one is known.
    #[serde(default)]
    pub published: Option<Published>,
    pub quick: ModeSpec,
    pub full: ModeSpec,
    /// Runs the problem once per variant and method (a table of rows × columns in the
    /// report) instead of once.
    #[serde(default)]
    pub sweep: Option<SweepSpec>,
    /// Also solves the problem (1-D advection, INSR) with classical grid solvers holding as
    /// many values as the network has parameters: accuracy at equal memory.
    #[serde(default)]
    pub grid_solvers: bool,
}

/// Rows (variants of the problem) and columns (methods) of a sweep; each cell is one run
/// with the mode's overrides, then the variant's, then the method's.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    pub variants: Vec<Variant>,
    pub methods: Vec<Variant>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub name: String,
    #[serde(default)]
    pub set: Vec<String>,
}

/// A reference computed by a classical solver in this crate, written next to the run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub enum ReferenceSpec {
    Spectral(SpectralSettings),
    FiniteDifference {
        #[serde(flatten)]
        settings: FdSettings,
        /// [left, right]; default: the problem's Dirichlet/Neumann conditions.
        #[serde(default)]
        ends: Option<[EndCondition; 2]>,
    },
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Published {
    pub error: f64,
    pub source: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeSpec {
    /// `key.path=value` overrides of the problem file (as `ansatz run --set`).
    #[serde(default)]
    pub set: Vec<String>,
    /// The run fails (a regression, or a target missed) above this relative L2 error; the
    /// case file says why this number. A sweep may give one per method: `{ PINN = 1.5 }`.
    pub tolerance: Tolerance,
    /// A sweep's targets that compare two of its methods (see `comparison`).
    #[serde(default)]
    pub compare: Vec<ComparisonSpec>,
}

#[derive(Clone, Debug)]
pub enum Tolerance {
    Value(f64),
    PerMethod(BTreeMap<String, f64>),
}

impl<'de> Deserialize<'de> for Tolerance {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Tolerance;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, or numbers by method such as { PINN = 1.5, LPINN = 2e-3 }")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Tolerance, E> {
                Ok(Tolerance::Value(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Tolerance, E> {
                Ok(Tolerance::Value(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Tolerance, A::Error> {
                BTreeMap::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Tolerance::PerMethod)
            }
        }
        d.deserialize_any(Visit)
    }
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance::Value(0.0)
    }
}

/// `--quick` (reduced, for CI) or `--full` (the paper-size settings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Quick,
    Full,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// One run of a case file: the whole file, or one cell of its sweep.
#[derive(Clone, Debug)]
pub struct Case {
    /// The file's stem, or `stem.variant.method` for a sweep's cell.
    pub name: String,
    pub path: PathBuf,
    /// As written, except that a sweep cell's method and overrides are its own.
    pub spec: CaseSpec,
    /// (the file's stem, variant, method) of a sweep cell.
    pub cell: Option<(String, String, String)>,
}

/// The stems of the sweeps among `cases`, each once, in order of first appearance.
pub fn sweep_stems<'a>(cases: impl IntoIterator<Item = &'a Case>) -> Vec<&'a str> {
    let mut stems: Vec<&str> = Vec::new();
    for (stem, ..) in cases.into_iter().filter_map(|c| c.cell.as_ref()) {
        if !stems.contains(&stem.as_str()) {
            stems.push(stem);
        }
    }
    stems
}

/// `beta 10, nu 0.01` → `beta10-nu0.01`: a name fit for files and the command line.
fn slug(name: &str) -> String {
    name.split(',')
        .map(|part| part.split_whitespace().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

impl Case {
    /// The runs a case file describes: one, or one per cell of its sweep.
    pub fn load(path: &Path) -> Result<Vec<Case>, ValidationError> {
        let err = |message: String| ValidationError::Case {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let spec: CaseSpec = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start].lines().count().max(1))
                .unwrap_or(0);
            err(format!("line {line}: {}", e.message()))
        })?;
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or_else(|| err("file name is not valid UTF-8".into()))?
            .to_string();
        let whole = Case {
            name: name.clone(),
            path: path.to_path_buf(),
            spec: spec.clone(),
            cell: None,
        };
        let cases = match &spec.sweep {
            None => vec![whole],
            Some(sweep) => {
                let mut cells = Vec::new();
                for v in &sweep.variants {
                    for m in &sweep.methods {
                        let mut spec = spec.clone();
                        spec.method = m.name.clone();
                        for mode in [&mut spec.quick, &mut spec.full] {
                            mode.set.extend(v.set.iter().chain(&m.set).cloned());
                        }
                        cells.push(Case {
                            name: format!("{name}.{}.{}", slug(&v.name), slug(&m.name)),
                            cell: Some((name.clone(), v.name.clone(), m.name.clone())),
                            spec,
                            ..whole.clone()
                        });
                    }
                }
                cells
            }
        };
        let methods: Vec<&str> = spec
            .sweep
            .iter()
            .flat_map(|s| &s.methods)
            .map(|m| m.name.as_str())
            .collect();
        for mode in [&spec.quick, &spec.full] {
            for c in &mode.compare {
                for name in [&c.method, &c.against] {
                    if !methods.contains(&name.as_str()) {
                        return Err(err(format!(
                            "compare: `{name}` is not a method of the sweep"
                        )));
                    }
                }
            }
        }
        for c in &cases {
            for mode in [Mode::Quick, Mode::Full] {
                if !c.tolerance(mode).is_finite() {
                    return Err(err(format!(
                        "[{}] tolerance: no number for method `{}`",
                        mode.name(),
                        c.spec.method
                    )));
                }
            }
        }
        Ok(cases)
    }

    /// The tolerance of this run in `mode` (NaN if the file gives none for its method).
    pub fn tolerance(&self, mode: Mode) -> f64 {
        match &self.mode(mode).tolerance {
            Tolerance::Value(v) => *v,
            Tolerance::PerMethod(m) => m.get(&self.spec.method).copied().unwrap_or(f64::NAN),
        }
    }

    /// Whether `selector` (a file's stem or a run's full name) picks this run.
    pub fn selected_by(&self, selector: &str) -> bool {
        self.name == selector
            || self
                .cell
                .as_ref()
                .is_some_and(|(stem, ..)| stem == selector)
    }

    /// Every case file in `dir`, in name order.
    pub fn all(dir: &Path) -> Result<Vec<Case>, ValidationError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| ValidationError::Case {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut cases = Vec::new();
        for p in &paths {
            cases.extend(Case::load(p)?);
        }
        Ok(cases)
    }

    pub fn problem_path(&self) -> PathBuf {
        self.path
            .parent()
            .unwrap_or(Path::new("."))
            .join(&self.spec.problem)
    }

    pub fn mode(&self, mode: Mode) -> &ModeSpec {
        match mode {
            Mode::Quick => &self.spec.quick,
            Mode::Full => &self.spec.full,
        }
    }
}

/// `{ method = "K = 4", against = "K = 1", error_ratio = 1.0, speedup = 2.0 }` in a mode's
/// `compare` list; a target left out is reported, not judged.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComparisonSpec {
    pub method: String,
    pub against: String,
    /// The method's median error may be at most this times `against`'s.
    #[serde(default)]
    pub error_ratio: Option<f64>,
    /// `against`'s median time per training step over the method's must reach this.
    #[serde(default)]
    pub speedup: Option<f64>,
}
