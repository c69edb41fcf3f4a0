//! Every derivative of every network kind against finite differences and closed forms,
//! and every parameter gradient against finite differences (f64).

use operators::model::Field;
use operators::{Activation, Embedding, Init, JetLayout, Mlp, MlpConfig, Partial, Rng};

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
    ]
}

/// The jets of `n` points (n × dims column-major) through a fresh tape.
fn jets(net: &Mlp<f64>, params: &[f64], layout: &JetLayout, x: &[f64]) -> Vec<f64> {
    let n = x.len() / layout.dims();
    let mut tape = net.tape(layout, n);
    net.forward(params, x, &mut tape);
    net.output(&tape).to_vec()
}

fn random_points(rng: &mut Rng, n: usize, dims: usize) -> Vec<f64> {
    (0..n * dims).map(|_| rng.uniform_in(-1.0, 1.0)).collect()
}

/// Slot α at a point equals the central difference, along one of its axes a, of slot α − e_a.
fn check_derivatives(inputs: usize, requested: &[Partial]) {
    let layout = JetLayout::new(inputs, requested);
    let s = layout.len();
    let n = 5;
    let h = 2.5e-4;
    for (name, cfg) in configs(inputs) {
        let mut rng = Rng::new(11);
        let net = Mlp::<f64>::new(cfg, &mut rng);
        let params = net.init_params(&mut rng);
        let x = random_points(&mut rng, n, inputs);
        let y = jets(&net, &params, &layout, &x);
        for (slot, alpha) in layout.slots().iter().enumerate().skip(1) {
            let axis = alpha.axes()[0];
            let lower = layout
                .slot(&alpha.minus(&Partial::axis(axis)).unwrap())
                .unwrap();
            let shifted = |k: f64| {
                let mut xs = x.clone();
                xs[axis * n..(axis + 1) * n]
                    .iter_mut()
                    .for_each(|v| *v += k * h);
                jets(&net, &params, &layout, &xs)
            };
            let (p1, m1, p2, m2) = (shifted(1.0), shifted(-1.0), shifted(2.0), shifted(-2.0));
            for o in 0..2 {
                for p in 0..n {
                    let at = |v: &[f64], s_: usize| v[o * s * n + s_ * n + p];
                    // Fourth-order central difference of the slot below.
                    let fd = (8.0 * (at(&p1, lower) - at(&m1, lower))
                        - (at(&p2, lower) - at(&m2, lower)))
                        / (12.0 * h);
                    let exact = at(&y, slot);
                    let scale = 1.0 + exact.abs() + at(&y, lower).abs();
                    assert!(
                        (fd - exact).abs() < 1e-7 * scale,
                        "{name}: output {o} {alpha:?} at point {p}: jet {exact}, finite difference {fd}"
                    );
                }
            }
        }
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
    let n = 6;
    for (name, cfg) in configs(2) {
        let mut rng = Rng::new(21);
        let net = Mlp::<f64>::new(cfg, &mut rng);
        let params = net.init_params(&mut rng);
        let x = random_points(&mut rng, n, 2);
        let rows = layout.len() * n * 2;
        let ybar: Vec<f64> = (0..rows).map(|_| rng.normal()).collect();
        let loss = |p: &[f64]| {
            jets(&net, p, &layout, &x)
                .iter()
                .zip(&ybar)
                .map(|(a, b)| a * b)
                .sum::<f64>()
        };
        let mut tape = net.tape(&layout, n);
        net.forward(&params, &x, &mut tape);
        let mut grad = vec![0.0; params.len()];
        net.backward(&params, &ybar, &mut tape, &mut grad);
        let h = 1e-6;
        let mut directions: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..params.len()).map(|_| rng.normal()).collect())
            .collect();
        for view in net.param_views() {
            let mut e = vec![0.0; params.len()];
            e[view.offset + view.len() / 2] = 1.0;
            directions.push(e);
        }
        for v in directions {
            let plus: Vec<f64> = params.iter().zip(&v).map(|(p, v)| p + h * v).collect();
            let minus: Vec<f64> = params.iter().zip(&v).map(|(p, v)| p - h * v).collect();
            let fd = (loss(&plus) - loss(&minus)) / (2.0 * h);
            let exact: f64 = grad.iter().zip(&v).map(|(g, v)| g * v).sum();
            assert!(
                (fd - exact).abs() < 1e-6 * (1.0 + exact.abs()),
                "{name}: gradient {exact}, finite difference {fd}"
            );
        }
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
