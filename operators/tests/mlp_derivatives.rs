//! Every derivative of every network kind against finite differences and closed forms,
//! and every parameter gradient against finite differences (f64).

mod common;

use common::{check_input_jets, check_parameter_gradient, jets};
use operators::expr::{Program, Symbols};
use operators::model::Field;
use operators::{Activation, Embedding, Init, JetLayout, Mlp, MlpConfig, Partial, Rng};

/// Expression features of `inputs` coordinates: each coordinate, and smooth functions of them.
fn features(inputs: usize) -> Embedding {
    let mut coords: Vec<String> = ["x", "y", "z"][..inputs - 1]
        .iter()
        .map(|c| c.to_string())
        .collect();
    coords.push(if inputs == 1 { "x" } else { "t" }.into());
    let symbols = Symbols {
        coords: coords.clone(),
        ..Default::default()
    };
    let last = coords.last().unwrap();
    let mut texts = coords.clone();
    texts.push("cos(pi*x)".into());
    texts.push(format!("sin(pi*x)*exp(-{last}^2)"));
    texts.push(format!("x*{last} + 1/(2 + x)"));
    Embedding::Features(
        texts
            .iter()
            .map(|t| Program::compile(t, &symbols).unwrap())
            .collect(),
    )
}

fn configs(inputs: usize) -> Vec<(&'static str, MlpConfig)> {
    let base = MlpConfig {
        inputs,
        outputs: 2,
        hidden: vec![7, 6, 5],
        ..Default::default()
    };
    vec![
        ("tanh", base.clone()),
        (
            "sigmoid",
            MlpConfig {
                activation: Activation::Sigmoid,
                ..base.clone()
            },
        ),
        (
            "sin",
            MlpConfig {
                activation: Activation::Sin { w0: 1.0 },
                ..base.clone()
            },
        ),
        (
            "modified",
            MlpConfig {
                gated: true,
                hidden: vec![6, 6, 6],
                ..base.clone()
            },
        ),
        (
            "fourier",
            MlpConfig {
                embedding: Embedding::Fourier {
                    features: 4,
                    scale: 0.5,
                },
                ..base.clone()
            },
        ),
        (
            "periodic",
            MlpConfig {
                embedding: Embedding::Periodic {
                    axes: vec![(0, 2.0)],
                    modes: 3,
                },
                ..base.clone()
            },
        ),
        (
            "modified+periodic",
            MlpConfig {
                gated: true,
                hidden: vec![6, 6],
                embedding: Embedding::Periodic {
                    axes: vec![(0, 2.0)],
                    modes: 2,
                },
                ..base.clone()
            },
        ),
        ("siren", MlpConfig::siren(inputs, 2, vec![8, 8], 3.0)),
        (
            "features",
            MlpConfig {
                embedding: features(inputs),
                ..base.clone()
            },
        ),
    ]
}

fn random_points(rng: &mut Rng, n: usize, dims: usize) -> Vec<f64> {
    (0..n * dims).map(|_| rng.uniform_in(-1.0, 1.0)).collect()
}

/// Every network kind's jets against finite differences of its lower slots.
fn check_derivatives(inputs: usize, requested: &[Partial]) {
    let layout = JetLayout::new(inputs, requested);
    for (name, cfg) in configs(inputs) {
        let mut rng = Rng::new(11);
        let net = Mlp::<f64>::new(cfg, &mut rng);
        let params = net.init_params(&mut rng);
        let x = random_points(&mut rng, 5, inputs);
        check_input_jets(name, &net, &params, &layout, &x);
    }
}

#[test]
fn one_dimensional_up_to_fourth_order() {
    check_derivatives(1, &[Partial::from_axes(&[0, 0, 0, 0])]);
}

#[test]
fn space_time_with_mixed_and_fourth_order() {
    check_derivatives(
        2,
        &[
            Partial::from_axes(&[0, 0, 0, 0]),
            Partial::from_axes(&[0, 1]),
            Partial::from_axes(&[1, 1]),
        ],
    );
}

#[test]
fn two_dimensional_mixed_fourth_order_biharmonic_terms() {
    check_derivatives(
        2,
        &[
            Partial::from_axes(&[0, 0, 1, 1]),
            Partial::from_axes(&[0, 1, 1, 1]),
        ],
    );
}

#[test]
fn three_and_four_dimensions() {
    check_derivatives(
        3,
        &[
            Partial::from_axes(&[0, 0]),
            Partial::from_axes(&[1, 1]),
            Partial::from_axes(&[0, 2]),
            Partial::axis(2),
        ],
    );
    check_derivatives(
        4,
        &[
            Partial::from_axes(&[0, 0]),
            Partial::from_axes(&[1, 2]),
            Partial::from_axes(&[3, 3]),
        ],
    );
}

/// u(x) = Σ_j c_j tanh(w_j·x + b_j) + d has u_α = Σ_j c_j tanh⁽|α|⁾(w_j·x + b_j) Π_a w_ja^α_a.
#[test]
fn single_layer_tanh_matches_closed_form() {
    let dims = 2;
    let cfg = MlpConfig {
        inputs: dims,
        outputs: 1,
        hidden: vec![9],
        ..Default::default()
    };
    let mut rng = Rng::new(5);
    let net = Mlp::<f64>::new(cfg, &mut rng);
    let mut params = net.init_params(&mut rng);
    params.iter_mut().for_each(|p| *p += 0.3 * rng.normal()); // non-zero biases too
    let layout = JetLayout::new(
        dims,
        &[
            Partial::from_axes(&[0, 0, 0, 0]),
            Partial::from_axes(&[0, 1, 1]),
            Partial::from_axes(&[1, 1, 1, 1]),
        ],
    );
    let n = 4;
    let x = random_points(&mut rng, n, dims);
    let y = jets(&net, &params, &layout, &x);
    let tanh_d = |z: f64, k: usize| {
        let t = z.tanh();
        let s = 1.0 - t * t;
        [
            t,
            s,
            -2.0 * t * s,
            s * (6.0 * t * t - 2.0),
            s * (16.0 * t - 24.0 * t * t * t),
        ][k]
    };
    let v = net.param_views();
    let (w, b, c, d) = (
        &params[v[0].range()],
        &params[v[1].range()],
        &params[v[2].range()],
        params[v[3].offset],
    );
    for (slot, alpha) in layout.slots().iter().enumerate() {
        for p in 0..n {
            let mut exact = if alpha.order() == 0 { d } else { 0.0 };
            for j in 0..9 {
                let z = b[j]
                    + (0..dims)
                        .map(|a| w[j * dims + a] * x[a * n + p])
                        .sum::<f64>();
                let chain: f64 = (0..dims)
                    .map(|a| w[j * dims + a].powi(alpha.count(a) as i32))
                    .product();
                exact += c[j] * tanh_d(z, alpha.order()) * chain;
            }
            let got = y[slot * n + p];
            assert!(
                (got - exact).abs() < 1e-12 * (1.0 + exact.abs()),
                "{alpha:?}: {got} vs {exact}"
            );
        }
    }
}

/// d/dθ <ȳ, jets(θ)> against central differences along random directions and single coordinates.
#[test]
fn parameter_gradients_match_finite_differences() {
    let layout = JetLayout::new(
        2,
        &[
            Partial::from_axes(&[0, 0, 0]),
            Partial::from_axes(&[0, 1]),
            Partial::axis(1),
        ],
    );
    for (name, cfg) in configs(2) {
        let mut rng = Rng::new(21);
        let net = Mlp::<f64>::new(cfg, &mut rng);
        let params = net.init_params(&mut rng);
        let x = random_points(&mut rng, 6, 2);
        check_parameter_gradient(name, &net, &params, &layout, &x, &mut rng);
    }
}

/// f32 networks follow the f64 ones to single precision.
#[test]
fn f32_agrees_with_f64() {
    let layout = JetLayout::new(2, &[Partial::from_axes(&[0, 0]), Partial::axis(1)]);
    let n = 8;
    for (name, cfg) in configs(2) {
        let net64 = Mlp::<f64>::new(cfg.clone(), &mut Rng::new(3));
        let net32 = Mlp::<f32>::new(cfg, &mut Rng::new(3));
        let p64 = net64.init_params(&mut Rng::new(4));
        let p32: Vec<f32> = p64.iter().map(|&v| v as f32).collect();
        let x64 = random_points(&mut Rng::new(6), n, 2);
        let x32: Vec<f32> = x64.iter().map(|&v| v as f32).collect();
        let y64 = jets(&net64, &p64, &layout, &x64);
        let mut tape = net32.tape(&layout, n);
        net32.forward(&p32, &x32, &mut tape);
        for (a, b) in net32.output(&tape).iter().zip(&y64) {
            assert!(
                (*a as f64 - b).abs() < 2e-4 * (1.0 + b.abs()),
                "{name}: {a} vs {b}"
            );
        }
    }
}

#[test]
fn siren_initialization_follows_the_paper() {
    let net = Mlp::<f64>::new(MlpConfig::siren(2, 1, vec![64, 64], 30.0), &mut Rng::new(1));
    let p = net.init_params(&mut Rng::new(2));
    let v = net.param_views();
    assert!(p[v[0].range()].iter().all(|w| w.abs() <= 0.5)); // U(−1/2, 1/2) for 2 inputs
    let bound = (6.0f64 / 64.0).sqrt() / 30.0;
    assert!(p[v[2].range()].iter().all(|w| w.abs() <= bound));
    assert!(p[v[2].range()].iter().any(|w| w.abs() > 0.5 * bound));
    assert_eq!(net.config().init, Init::Siren { w0: 30.0 });
}

/// A tape reshaped by `retape` after a batch of another size and layout (to fourth order,
/// so the chain rule's scratch is used too) computes bitwise what a fresh tape computes.
#[test]
fn a_retaped_tape_computes_what_a_fresh_one_does() {
    let big = JetLayout::new(
        2,
        &[Partial::from_axes(&[0, 0, 0, 0]), Partial::from_axes(&[1])],
    );
    let small = JetLayout::new(2, &[Partial::from_axes(&[0, 0]), Partial::from_axes(&[1])]);
    for (name, cfg) in configs(2) {
        let mut rng = Rng::new(5);
        let net = Mlp::<f64>::new(cfg, &mut rng);
        let params = net.init_params(&mut rng);
        let run = |tape: &mut <Mlp<f64> as Field<f64>>::Tape, layout: &JetLayout, n: usize| {
            let x = random_points(&mut Rng::new(n as u64), n, 2);
            net.forward(&params, &x, tape);
            let out = net.output(tape).to_vec();
            let bar: Vec<f64> = (0..out.len()).map(|i| (i as f64).sin()).collect();
            let mut grad = vec![0.0; params.len()];
            net.backward(&params, &bar, tape, &mut grad);
            assert_eq!(out.len(), layout.len() * n * 2, "{name}");
            (out, grad)
        };
        let mut reused = net.tape(&big, 9);
        run(&mut reused, &big, 9);
        for (layout, n) in [(&small, 4), (&big, 7), (&small, 12)] {
            net.retape(&mut reused, layout, n);
            let mut fresh = net.tape(layout, n);
            assert_eq!(
                run(&mut reused, layout, n),
                run(&mut fresh, layout, n),
                "{name}"
            );
        }
    }
}
