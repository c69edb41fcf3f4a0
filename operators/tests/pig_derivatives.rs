//! A PIG's input jets and parameter gradients against finite differences, for Gaussians per
//! channel (the released code) and shared (the paper), in 2-D and space-time 3-D.

use operators::model::{Field, GaussianConfig};
use operators::{JetLayout, Partial, Pig, PigConfig, Rng};

fn pig(dims: usize, shared: bool, rng: &mut Rng) -> (Pig<f64>, Vec<f64>) {
    let net = Pig::new(
        PigConfig {
            gaussians: GaussianConfig {
                inputs: dims,
                channels: 3,
                count: 25,
                shared,
                bounds: vec![(-1.0, 1.0); dims],
                sigma: 0.3,
                // Far enough that no Gaussian drops out between the shifted points.
                cutoff: 40.0,
                feature_std: 1.0,
            },
            outputs: 2,
            hidden: vec![8],
            ..Default::default()
        },
        rng,
    );
    let params = net.init_params(rng);
    (net, params)
}

fn jets(net: &Pig<f64>, params: &[f64], layout: &JetLayout, x: &[f64]) -> Vec<f64> {
    let n = x.len() / layout.dims();
    let mut tape = net.tape(layout, n);
    net.forward(params, x, &mut tape);
    net.output(&tape).to_vec()
}

/// Slot α equals the fourth-order central difference, along its first axis, of slot α − e_a.
fn check_input_derivatives(dims: usize, requested: &[Partial]) {
    let layout = JetLayout::new(dims, requested);
    let (s, n, h) = (layout.len(), 6, 2.5e-4);
    for shared in [false, true] {
        let mut rng = Rng::new(17);
        let (net, params) = pig(dims, shared, &mut rng);
        let x: Vec<f64> = (0..n * dims).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
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
                    let fd = (8.0 * (at(&p1, lower) - at(&m1, lower))
                        - (at(&p2, lower) - at(&m2, lower)))
                        / (12.0 * h);
                    let exact = at(&y, slot);
                    let scale = 1.0 + exact.abs() + at(&y, lower).abs();
                    assert!(
                        (fd - exact).abs() < 1e-7 * scale,
                        "shared {shared}: output {o} {alpha:?} at point {p}: jet {exact}, finite difference {fd}"
                    );
                }
            }
        }
    }
}

#[test]
fn input_derivatives_up_to_fourth_order_in_two_dimensions() {
    check_input_derivatives(
        2,
        &[
            Partial::from_axes(&[0, 0, 0, 0]),
            Partial::from_axes(&[0, 0, 1, 1]),
            Partial::from_axes(&[1, 1, 1]),
        ],
    );
}

#[test]
fn input_derivatives_in_space_time() {
    check_input_derivatives(
        3,
        &[
            Partial::from_axes(&[0, 0]),
            Partial::from_axes(&[1, 1]),
            Partial::from_axes(&[2, 2]),
            Partial::from_axes(&[0, 2]),
        ],
    );
}

/// ⟨ȳ, jets⟩'s gradient to every parameter block (means, scales, features, decoder) against
/// central differences, along random directions and one coordinate of each block.
#[test]
fn parameter_gradients_match_finite_differences() {
    let layout = JetLayout::new(
        2,
        &[
            Partial::from_axes(&[0, 0]),
            Partial::from_axes(&[0, 1]),
            Partial::from_axes(&[1, 1, 1]),
        ],
    );
    let n = 7;
    for shared in [false, true] {
        let mut rng = Rng::new(23);
        let (net, params) = pig(2, shared, &mut rng);
        let x: Vec<f64> = (0..n * 2).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        let ybar: Vec<f64> = (0..layout.len() * n * 2).map(|_| rng.normal()).collect();
        let loss = |p: &[f64]| -> f64 {
            jets(&net, p, &layout, &x)
                .iter()
                .zip(&ybar)
                .map(|(a, b)| a * b)
                .sum()
        };
        let mut tape = net.tape(&layout, n);
        net.forward(&params, &x, &mut tape);
        let mut grad = vec![0.0; params.len()];
        net.backward(&params, &ybar, &mut tape, &mut grad);
        let mut directions: Vec<Vec<f64>> = (0..3)
            .map(|_| (0..params.len()).map(|_| rng.normal()).collect())
            .collect();
        for view in net.param_views() {
            let mut e = vec![0.0; params.len()];
            e[view.offset + view.len() / 2] = 1.0;
            directions.push(e);
        }
        let h = 1e-6;
        for v in directions {
            let at = |k: f64| -> Vec<f64> {
                params.iter().zip(&v).map(|(p, v)| p + k * h * v).collect()
            };
            let fd = (loss(&at(1.0)) - loss(&at(-1.0))) / (2.0 * h);
            let exact: f64 = grad.iter().zip(&v).map(|(g, v)| g * v).sum();
            assert!(
                (fd - exact).abs() < 1e-6 * (1.0 + exact.abs()),
                "shared {shared}: gradient {exact}, finite difference {fd}"
            );
        }
    }
}
