//! Every bundled problem file validates; every file in tests/broken fails with the located,
//! one-line error its first line announces (`# expect: <message start>`).

use problems::Problem;
use std::path::Path;

#[test]
fn every_bundled_problem_file_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml")
            && path.file_name().unwrap() != "Cargo.toml"
        {
            Problem::load(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
    }
    assert!(n >= 1, "no problem files found in {}", dir.display());
}

#[test]
fn broken_files_fail_with_located_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut n = 0;
    let mut mismatches = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} lacks `# expect:`", path.display()));
        // Errors name the file as the user gave it (here: its bare name).
        let message = match Problem::from_str(&text, Path::new(path.file_name().unwrap())) {
            Ok(_) => format!("(no error: {} was accepted)", path.display()),
            Err(e) => e.to_string(),
        };
        if !message.starts_with(expected) || message.contains('\n') {
            mismatches.push(format!("  expected: {expected}\n  got:      {message}"));
        }
        n += 1;
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
    assert!(n >= 10);
}

/// Data conditions read the same points and values from HDF5 datasets as from CSV.
#[test]
fn data_from_hdf5_matches_data_from_csv() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let csv = Problem::load(dir.join("heat_inverse.toml")).unwrap();
    let (points, values) = csv.conditions.iter().find_map(|c| c.data.clone()).unwrap();
    let h5 = std::env::temp_dir().join(format!("ansatz-obs-{}.h5", std::process::id()));
    {
        let f = hdf5::File::create(&h5).unwrap();
        for (a, name) in ["x", "t"].iter().enumerate() {
            let col: Vec<f64> = points.iter().map(|p| p[a]).collect();
            f.new_dataset::<f64>()
                .shape([col.len()])
                .create(*name)
                .unwrap()
                .write_raw(&col)
                .unwrap();
        }
        f.new_dataset::<f64>()
            .shape([values.len()])
            .create("u")
            .unwrap()
            .write_raw(&values)
            .unwrap();
    }
    let text = std::fs::read_to_string(dir.join("heat_inverse.toml"))
        .unwrap()
        .replace("data/heat_inverse.csv", h5.to_str().unwrap());
    let p = Problem::from_str(&text, &dir.join("heat_inverse.toml")).unwrap();
    assert_eq!(
        p.conditions.iter().find_map(|c| c.data.clone()).unwrap(),
        (points, values)
    );
}

/// A Robin condition is alpha·u + beta·∂u/∂n with the outward normal: −∂/∂x on the left.
#[test]
fn robin_conditions_take_the_outward_normal_derivative() {
    let text = r#"
name = "robin"
[domain]
x = [0.0, 1.0]
[parameters]
D = 0.5
[pde]
residuals = ["u_xx"]
[[conditions]]
kind = "robin"
on = ["left", "right"]
alpha = "2"
beta = "-D"
value = "3"
points = 10
"#;
    let p = Problem::from_str(text, Path::new("robin.toml")).unwrap();
    let sources: Vec<(String, bool, usize)> = p
        .conditions
        .iter()
        .map(|c| {
            (
                c.equations[0].source().to_string(),
                c.faces[0].upper,
                c.points,
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("(2)*u + (-D)*(-u_x)".to_string(), false, 5),
            ("(2)*u + (-D)*(u_x)".to_string(), true, 5)
        ]
    );
    assert!(p.conditions.iter().all(|c| c.target.is_some()));
}
