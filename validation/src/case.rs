//! A validation case file (validation/cases/*.toml): which problem, which reference, what
//! counts as success, and the settings of the quick and full runs.

use crate::finite_difference::{EndCondition, FdSettings};
use crate::spectral::SpectralSettings;
use crate::ValidationError;
use serde::Deserialize;
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
    /// case file says why this number.
    pub tolerance: f64,
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

/// A case file read and checked.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub path: PathBuf,
    pub spec: CaseSpec,
}

impl Case {
    pub fn load(path: &Path) -> Result<Case, ValidationError> {
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
        Ok(Case {
            name,
            path: path.to_path_buf(),
            spec,
        })
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
        paths.iter().map(|p| Case::load(p)).collect()
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
