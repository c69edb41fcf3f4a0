//! `[model] inputs` and `[model] output`: the network's features and its fields written as
//! expressions, compiled, and checked to have the derivatives the jets will take of them.

use super::Resolver;
use crate::error::ProblemError;
use crate::spec::{MethodKind, ModelKind, ProblemSpec};
use operators::expr::{Program, Symbols};
use toml::Spanned;

/// The compiled `[model] inputs` and `[model] output`, if given.
#[derive(Clone, Debug, Default)]
pub struct ModelExpressions {
    /// The first layer's features, expressions of the coordinates.
    pub inputs: Option<Vec<Program>>,
    /// One expression per field, of the coordinates, constants and the raw outputs
    /// ([`raw_outputs`] names them).
    pub output: Option<Vec<Program>>,
}

/// The names of the network's raw outputs in `[model] output`: `N` for one field, `N1`, `N2`,
/// ... for several.
fn raw_outputs(fields: usize) -> Vec<String> {
    match fields {
        1 => vec!["N".into()],
        k => (1..=k).map(|i| format!("N{i}")).collect(),
    }
}

impl Resolver<'_> {
    pub(super) fn model_expressions(
        &self,
        spec: &ProblemSpec,
        symbols: &Symbols,
    ) -> Result<ModelExpressions, ProblemError> {
        let m = &spec.model;
        let coords_only = Symbols {
            fields: vec![],
            trainable: vec![],
            ..symbols.clone()
        };
        let inputs = match &m.inputs {
            None => None,
            Some(list) => {
                let key = "model.inputs";
                if m.kind == ModelKind::Pig {
                    return Err(self.key(
                        key,
                        "a PIG's Gaussians read the coordinates; `inputs` is for the MLP kinds",
                    ));
                }
                if m.embedding.is_some() {
                    return Err(
                        self.key(key, "give either [model.embedding] or `inputs`, not both")
                    );
                }
                if matches!(spec.method.kind, MethodKind::Lpinn | MethodKind::Insr) {
                    return Err(self.key(key, "`inputs` is for method = \"pinn\" or \"moe_hc\" (a Lagrangian PINN and INSR choose their networks' inputs)"));
                }
                if list.is_empty() {
                    return Err(self.key(
                        key,
                        "no features; expected e.g. [\"t\", \"cos(pi*x)\", \"sin(pi*x)\"]",
                    ));
                }
                Some(self.smooth(list, &coords_only)?)
            }
        };
        let output = match &m.output {
            None => None,
            Some(value) => {
                let key = "model.output";
                let list = self.strings(value, key)?;
                if spec.method.kind != MethodKind::Pinn {
                    return Err(self.key(key, "`output` is for method = \"pinn\""));
                }
                let fields = symbols.fields.len();
                if list.len() != fields {
                    return Err(self.key(
                        key,
                        format!(
                            "expected one expression per field ({fields}), got {}",
                            list.len()
                        ),
                    ));
                }
                let raw = raw_outputs(fields);
                if let Some(n) = raw
                    .iter()
                    .find(|n| symbols.constants.iter().any(|(c, _)| c == *n))
                {
                    return Err(self.key(format!("parameters.{n}"), format!("`{n}` names the network's raw output in [model] output; rename the parameter")));
                }
                let raw_symbols = Symbols {
                    fields: raw,
                    ..coords_only
                };
                Some(self.smooth(&list, &raw_symbols)?)
            }
        };
        Ok(ModelExpressions { inputs, output })
    }

    /// A string, or an array of strings, each with its place in the file (an element's is
    /// found by reading the array's text in order).
    fn strings(
        &self,
        value: &Spanned<toml::Value>,
        key: &str,
    ) -> Result<Vec<Spanned<String>>, ProblemError> {
        let expected = || {
            self.key(
                key,
                "expected an expression, or one per field: [\"...\", \"...\"]",
            )
        };
        match value.get_ref() {
            toml::Value::String(s) => Ok(vec![Spanned::new(value.span(), s.clone())]),
            toml::Value::Array(items) => {
                let mut at = value.span().start;
                items
                    .iter()
                    .map(|item| {
                        let s = item.as_str().ok_or_else(expected)?;
                        let quoted = format!("\"{s}\"");
                        let start = self.text[at..value.span().end]
                            .find(&quoted)
                            .map_or(value.span().start, |i| at + i);
                        at = start + quoted.len();
                        Ok(Spanned::new(start..at, s.to_string()))
                    })
                    .collect()
            }
            _ => Err(expected()),
        }
    }

    /// Compiles expressions that the jets differentiate: each must have a derivative along
    /// every axis.
    fn smooth(
        &self,
        list: &[Spanned<String>],
        symbols: &Symbols,
    ) -> Result<Vec<Program>, ProblemError> {
        list.iter()
            .map(|e| {
                let p = self.compile(e, symbols)?;
                for axis in 0..symbols.coords.len() {
                    p.derivative(axis).map_err(|err| self.located(e, err))?;
                }
                Ok(p)
            })
            .collect()
    }
}
