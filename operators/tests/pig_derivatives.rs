//! A PIG's input jets and parameter gradients against finite differences, for Gaussians per
//! channel (the released code) and shared (the paper), in 2-D and space-time 3-D.

mod common;

use common::{check_input_jets, check_parameter_gradient};
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

/// Both kinds of Gaussians' jets against finite differences of their lower slots.
fn check_input_derivatives(dims: usize, requested: &[Partial]) {
    let layout = JetLayout::new(dims, requested);
    for shared in [false, true] {
        let mut rng = Rng::new(17);
        let (net, params) = pig(dims, shared, &mut rng);
        let x: Vec<f64> = (0..6 * dims).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        check_input_jets(&format!("shared {shared}"), &net, &params, &layout, &x);
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

/// The gradient to every parameter block (means, scales, features, decoder).
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
    for shared in [false, true] {
        let mut rng = Rng::new(23);
        let (net, params) = pig(2, shared, &mut rng);
        let x: Vec<f64> = (0..7 * 2).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
        check_parameter_gradient(
            &format!("shared {shared}"),
            &net,
            &params,
            &layout,
            &x,
            &mut rng,
        );
    }
}
