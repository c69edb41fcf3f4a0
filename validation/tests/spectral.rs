//! The spectral reference solver against the published spectral solutions in reference/
//! and against closed forms.

use problems::Problem;
use solver::relative_l2;
use std::path::{Path, PathBuf};
use validation::spectral::{interpolate, solve, SpectralSettings};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn problem(name: &str) -> Problem {
    Problem::load(root().join("problems").join(name)).unwrap()
}

/// The largest relative L2 error over the snapshots of a reference file `u[t, x]`, and the
/// error at the final time.
fn errors_against(p: &Problem, file: &str, modes: usize, dt: f64) -> (f64, f64) {
    let h = hdf5::File::open(root().join("reference").join(file)).unwrap();
    let x: Vec<f64> = h.dataset("x").unwrap().read_raw().unwrap();
    let t: Vec<f64> = h.dataset("t").unwrap().read_raw().unwrap();
    let u: Vec<f64> = h.dataset("u").unwrap().read_raw().unwrap();
    let settings = SpectralSettings {
        modes,
        dt,
        snapshots: t.len(),
        dealias: false,
    };
    let s = solve(p, &settings).unwrap();
    for (a, b) in s.t.iter().zip(&t) {
        assert!((a - b).abs() < 1e-12, "output times differ: {a} vs {b}");
    }
    let errors: Vec<f64> = (0..t.len())
        .map(|k| relative_l2(&interpolate(&s, k, &x), &u[k * x.len()..(k + 1) * x.len()]))
        .collect();
    (
        errors.iter().cloned().fold(0.0, f64::max),
        errors[t.len() - 1],
    )
}

#[test]
fn spectral_reproduces_allen_cahn_h5() {
    let (max, last) = errors_against(&problem("allen_cahn.toml"), "allen_cahn.h5", 512, 1e-4);
    println!("allen_cahn.h5: relative L2 at t = 1 {last:.2e}, worst snapshot {max:.2e}");
    assert!(last <= 1e-6 && max <= 1e-6, "{last:e} {max:e}");
}

#[test]
fn spectral_reproduces_kuramoto_sivashinsky_regular_h5() {
    let (max, last) = errors_against(
        &problem("kuramoto_sivashinsky.toml"),
        "kuramoto_sivashinsky_regular.h5",
        512,
        1e-4,
    );
    println!("kuramoto_sivashinsky_regular.h5: relative L2 at t = 1 {last:.2e}, worst snapshot {max:.2e}");
    assert!(last <= 1e-6 && max <= 1e-6, "{last:e} {max:e}");
}

/// Burgers' zero Dirichlet walls are the periodic extension of the odd initial value; the
/// shock (width ~ nu) needs many modes. The file is Cole-Hopf by quadrature.
#[test]
fn spectral_reproduces_burgers_cole_hopf() {
    // burgers.h5 stops at t = 0.99 on 100 snapshots: restrict the problem to that interval.
    let text = std::fs::read_to_string(root().join("problems/burgers.toml")).unwrap();
    let text = text.replace("t = [0.0, 1.0]", "t = [0.0, 0.99]");
    let p = Problem::from_str(&text, &root().join("problems/burgers.toml")).unwrap();
    let (max, last) = errors_against(&p, "burgers.h5", 4096, 2e-5);
    println!("burgers.h5: relative L2 at t = 0.99 {last:.2e}, worst snapshot {max:.2e}");
    assert!(max <= 1e-5, "{last:e} {max:e}");
}

/// Convection-diffusion u_t + beta u_x - nu u_xx = 0 with u0 = sin x: exp(-nu t) sin(x - beta t).
/// The whole operator is linear, so ETDRK4 is exact whatever the step.
#[test]
fn convection_diffusion_is_exact() {
    let text = std::fs::read_to_string(root().join("problems/convection.toml")).unwrap();
    let text = text.replace("\"u_t + beta*u_x\"", "\"u_t + beta*u_x - 0.01*u_xx\"");
    let p = Problem::from_str(&text, &root().join("problems/convection.toml")).unwrap();
    let s = solve(
        &p,
        &SpectralSettings {
            modes: 64,
            dt: 0.1,
            snapshots: 11,
            dealias: false,
        },
    )
    .unwrap();
    for (k, &t) in s.t.iter().enumerate() {
        let exact: Vec<f64> =
            s.x.iter()
                .map(|x| (-0.01 * t).exp() * (x - 30.0 * t).sin())
                .collect();
        let e = relative_l2(s.at(k), &exact);
        assert!(e < 1e-12, "t = {t}: {e:e}");
    }
}

#[test]
fn residuals_not_of_the_form_u_t_plus_f_are_refused() {
    let text = std::fs::read_to_string(root().join("problems/convection.toml")).unwrap();
    for (residual, expected) in [
        ("u*u_t + beta*u_x", "not of the form u_t + F"),
        ("u_tt - u_xx", "time derivative other than u_t"),
        ("u_x + x*u_xx", "varies with x"),
    ] {
        let text = text.replace("\"u_t + beta*u_x\"", &format!("\"{residual}\""));
        let p = Problem::from_str(&text, &root().join("problems/convection.toml")).unwrap();
        let settings = SpectralSettings {
            modes: 32,
            dt: 0.1,
            snapshots: 2,
            dealias: false,
        };
        let e = solve(&p, &settings).unwrap_err().to_string();
        assert!(e.contains(expected), "{residual}: {e}");
    }
}
