//! The Stable Fluids baseline converges on the Taylor–Green vortex and only loses energy.

use problems::Problem;
use std::path::Path;
use validation::stable_fluids;

#[test]
fn stable_fluids_converges_under_refinement_and_dissipates() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/taylor_green_insr.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("t = [0.0, 5.0]", "t = [0.0, 0.5]");
    let p = Problem::from_str(&text, &file).unwrap();
    let coarse = stable_fluids::solve(&p, 33).unwrap();
    let fine = stable_fluids::solve(&p, 65).unwrap();
    println!("{coarse:?}\n{fine:?}");
    assert!(
        fine.error < coarse.error / 1.8,
        "{} vs {}",
        fine.error,
        coarse.error
    );
    for r in [&coarse, &fine] {
        let e = r.energy_ratio.unwrap();
        assert!(e < 1.0 && e > 0.8, "energy ratio {e}");
    }
}
