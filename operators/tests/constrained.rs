//! Output transforms (`[model] output`) over every network kind: their jets against finite
//! differences, their parameter gradients against finite differences, and a condition that
//! holds by construction.

mod common;

use common::{check_input_jets, check_parameter_gradient, jets};
use operators::expr::{Program, Symbols};
use operators::model::{Constrained, Field, GaussianConfig, Model};
use operators::{JetLayout, Mlp, MlpConfig, Partial, Pig, PigConfig, Rng};

fn symbols(raw: &[&str]) -> Symbols {
    Symbols {
        coords: vec!["x".into(), "t".into()],
        time_axis: Some(1),
        fields: raw.iter().map(|s| s.to_string()).collect(),
        constants: vec![("nu".into(), 0.3)],
        trainable: vec![],
    }
}

/// Two transforms of two raw outputs: Burgers' −sin(πx) + t·N1 and a nonlinear mix.
fn constrained(inner: Model<f64>) -> Constrained<Model<f64>> {
    let s = symbols(&["N1", "N2"]);
    let outputs = [
        "-sin(pi*x) + t*(1 - x^2)*N1",
        "exp(nu*N1)*N2 + x*t/(1 + N2^2)",
    ]
    .map(|e| Program::compile(e, &s).unwrap())
    .to_vec();
    Constrained::new(inner, outputs).unwrap()
}

fn models(rng: &mut Rng) -> Vec<(&'static str, Model<f64>)> {
    let mlp = MlpConfig {
        inputs: 2,
        outputs: 2,
        hidden: vec![7, 6],
        ..Default::default()
    };
    let pig = PigConfig {
        gaussians: GaussianConfig {
            inputs: 2,
            channels: 3,
            count: 12,
            bounds: vec![(-1.0, 1.0), (0.0, 1.0)],
            sigma: 0.4,
            ..Default::default()
        },
        outputs: 2,
        hidden: vec![5],
        ..Default::default()
    };
    vec![
        ("mlp", Mlp::new(mlp, rng).into()),
        ("pig", Pig::new(pig, rng).into()),
    ]
}

fn points(rng: &mut Rng, n: usize) -> Vec<f64> {
    let mut x: Vec<f64> = (0..n).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
    x.extend((0..n).map(|_| rng.uniform_in(0.0, 1.0)));
    x
}

fn layout() -> JetLayout {
    JetLayout::new(
        2,
        &[
            Partial::from_axes(&[0, 0, 0]),
            Partial::from_axes(&[0, 1]),
            Partial::axis(1),
        ],
    )
}

#[test]
fn output_transform_jets_match_finite_differences() {
    let mut rng = Rng::new(3);
    for (name, inner) in models(&mut rng) {
        let net = constrained(inner);
        let params = net.init_params(&mut rng);
        let x = points(&mut rng, 5);
        check_input_jets(name, &net, &params, &layout(), &x);
    }
}

#[test]
fn output_transform_gradients_match_finite_differences() {
    let mut rng = Rng::new(4);
    for (name, inner) in models(&mut rng) {
        let net = constrained(inner);
        let params = net.init_params(&mut rng);
        let x = points(&mut rng, 6);
        check_parameter_gradient(name, &net, &params, &layout(), &x, &mut rng);
    }
}

/// At t = 0 the first output is −sin(πx) and its x-derivatives are those of −sin(πx),
/// whatever the network's parameters.
#[test]
fn the_initial_condition_holds_by_construction() {
    let mut rng = Rng::new(5);
    let (_, inner) = models(&mut rng).remove(0);
    let net: Model<f64> = constrained(inner).into();
    let layout = layout();
    let n = 7;
    let mut x = points(&mut rng, n);
    x[n..].fill(0.0);
    let pi = core::f64::consts::PI;
    for seed in 0..3 {
        let params = net.init_params(&mut Rng::new(seed));
        let y = jets(&net, &params, &layout, &x);
        for p in 0..n {
            let xp = x[p];
            let want = [
                (Partial::VALUE, -(pi * xp).sin()),
                (Partial::axis(0), -pi * (pi * xp).cos()),
                (Partial::from_axes(&[0, 0]), pi * pi * (pi * xp).sin()),
                (Partial::from_axes(&[0, 0, 0]), pi.powi(3) * (pi * xp).cos()),
            ];
            for (alpha, v) in want {
                let got = y[layout.slot(&alpha).unwrap() * n + p];
                assert!(
                    (got - v).abs() < 1e-12,
                    "{alpha:?} at x = {xp}: {got} vs {v}"
                );
            }
        }
    }
}
