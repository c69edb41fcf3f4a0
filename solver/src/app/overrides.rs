//! `--set key.path=value` overrides applied to a problem file's text.

use problems::Problem;
use std::path::Path;

/// Reads a problem file and applies `sets`. The file as written is validated first, so that
/// its errors point at its own lines; errors after the overrides name them.
pub fn load_with_overrides(file: &Path, sets: &[String]) -> Result<Problem, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("{}: cannot read the problem file: {e}", file.display()))?;
    let problem = Problem::from_str(&text, file).map_err(|e| e.to_string())?;
    if sets.is_empty() {
        return Ok(problem);
    }
    let changed = apply_overrides(&text, sets).map_err(|e| format!("{}: {e}", file.display()))?;
    Problem::from_str(&changed, file)
        .map_err(|e| format!("{e} (after --set {})", sets.join(" --set ")))
}

/// Applies `key.path=value` assignments (the value in TOML syntax; bare words are strings).
pub fn apply_overrides(text: &str, sets: &[String]) -> Result<String, String> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: toml::Table = toml::from_str(text).map_err(|e| e.message().to_string())?;
    for set in sets {
        let (path, raw) = set
            .split_once('=')
            .ok_or_else(|| format!("--set {set}: expected key.path=value"))?;
        let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(raw.to_string()));
        let keys: Vec<&str> = path.trim().split('.').collect();
        let mut table = &mut doc;
        for k in &keys[..keys.len() - 1] {
            let entry = match indexed(k) {
                // `phases[1]`: an existing element of an array of tables.
                Some((name, i)) => table
                    .get_mut(name)
                    .and_then(toml::Value::as_array_mut)
                    .and_then(|a| a.get_mut(i))
                    .ok_or_else(|| format!("--set {set}: `{name}` has no element {i}"))?,
                None => table
                    .entry(k.to_string())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new())),
            };
            table = entry
                .as_table_mut()
                .ok_or_else(|| format!("--set {set}: `{k}` is not a table"))?;
        }
        table.insert(keys[keys.len() - 1].to_string(), value);
    }
    toml::to_string(&doc).map_err(|e| e.to_string())
}

/// `name[i]` as (name, i).
fn indexed(key: &str) -> Option<(&str, usize)> {
    let (name, rest) = key.split_once('[')?;
    Some((name, rest.strip_suffix(']')?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_element_of_an_array_of_tables() {
        let text = "[[training.phases]]\nsteps = 1\n[[training.phases]]\nsteps = 2\n";
        let out = apply_overrides(text, &["training.phases[1].steps=20".into()]).unwrap();
        let t: toml::Table = toml::from_str(&out).unwrap();
        let phases = t["training"]["phases"].as_array().unwrap();
        assert_eq!(phases[0]["steps"].as_integer(), Some(1));
        assert_eq!(phases[1]["steps"].as_integer(), Some(20));
        let missing = apply_overrides(text, &["training.phases[2].steps=20".into()]);
        assert!(missing.unwrap_err().contains("no element 2"));
    }

    #[test]
    fn numbers_strings_arrays_and_new_tables() {
        let text = "name = \"a\"\n[training]\nadam_steps = 10\n";
        let out = apply_overrides(
            text,
            &[
                "training.adam_steps=20".into(),
                "model.kind=siren".into(),
                "model.hidden=[8, 8]".into(),
            ],
        )
        .unwrap();
        let t: toml::Table = toml::from_str(&out).unwrap();
        assert_eq!(t["training"]["adam_steps"].as_integer(), Some(20));
        assert_eq!(t["model"]["kind"].as_str(), Some("siren"));
        assert_eq!(t["model"]["hidden"].as_array().unwrap().len(), 2);
        assert!(apply_overrides(text, &["name.x=1".into()])
            .unwrap_err()
            .contains("not a table"));
    }
}
