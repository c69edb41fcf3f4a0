//! Embeds every problem file of problems/ in the `ansatz` binary (for `ansatz list`).

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("problems/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "toml")
                && p.file_name().is_some_and(|n| n != "Cargo.toml")
        })
        .collect();
    files.sort();
    let entries: String = files
        .iter()
        .map(|p| {
            format!(
                "    ({:?}, include_str!({:?})),\n",
                p.file_name().unwrap().to_string_lossy(),
                p.canonicalize().unwrap()
            )
        })
        .collect();
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("library.rs");
    std::fs::write(out, format!("/// Problem files bundled with Ansatz (problems/*.toml).\nconst LIBRARY: &[(&str, &str)] = &[\n{entries}];\n")).unwrap();
}
