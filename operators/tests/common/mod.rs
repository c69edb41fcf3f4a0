//! Finite-difference checks shared by the networks' tests: any [`Field`] against central
//! differences of itself, in its inputs and in its parameters.

use operators::model::Field;
use operators::{JetLayout, Partial, Rng};

/// The jets of `n` points (n × dims column-major) through a fresh tape.
pub fn jets<F: Field<f64>>(net: &F, params: &[f64], layout: &JetLayout, x: &[f64]) -> Vec<f64> {
    let n = x.len() / layout.dims();
    let mut tape = net.tape(layout, n);
    net.forward(params, x, &mut tape);
    net.output(&tape).to_vec()
}

/// Every slot α of every output at every point equals the fourth-order central difference
/// (step 2.5e-4), along α's first axis a, of slot α − e_a; `name` labels a failure.
pub fn check_input_jets<F: Field<f64>>(
    name: &str,
    net: &F,
    params: &[f64],
    layout: &JetLayout,
    x: &[f64],
) {
    let (s, n, h) = (layout.len(), x.len() / layout.dims(), 2.5e-4);
    let y = jets(net, params, layout, x);
    for (slot, alpha) in layout.slots().iter().enumerate().skip(1) {
        let axis = alpha.axes()[0];
        let lower = layout
            .slot(&alpha.minus(&Partial::axis(axis)).unwrap())
            .unwrap();
        let shifted = |k: f64| {
            let mut xs = x.to_vec();
            xs[axis * n..(axis + 1) * n]
                .iter_mut()
                .for_each(|v| *v += k * h);
            jets(net, params, layout, &xs)
        };
        let (p1, m1, p2, m2) = (shifted(1.0), shifted(-1.0), shifted(2.0), shifted(-2.0));
        for o in 0..net.outputs() {
            for p in 0..n {
                let at = |v: &[f64], s_: usize| v[o * s * n + s_ * n + p];
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

/// The gradient of ⟨ȳ, jets⟩ (ȳ random) against central differences (step 1e-6) along three
/// random directions and one coordinate of each parameter view.
pub fn check_parameter_gradient<F: Field<f64>>(
    name: &str,
    net: &F,
    params: &[f64],
    layout: &JetLayout,
    x: &[f64],
    rng: &mut Rng,
) {
    let n = x.len() / layout.dims();
    let ybar: Vec<f64> = (0..layout.len() * n * net.outputs())
        .map(|_| rng.normal())
        .collect();
    let loss = |p: &[f64]| -> f64 {
        jets(net, p, layout, x)
            .iter()
            .zip(&ybar)
            .map(|(a, b)| a * b)
            .sum()
    };
    let mut tape = net.tape(layout, n);
    net.forward(params, x, &mut tape);
    let mut grad = vec![0.0; params.len()];
    net.backward(params, &ybar, &mut tape, &mut grad);
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
        let at =
            |k: f64| -> Vec<f64> { params.iter().zip(&v).map(|(p, v)| p + k * h * v).collect() };
        let fd = (loss(&at(1.0)) - loss(&at(-1.0))) / (2.0 * h);
        let exact: f64 = grad.iter().zip(&v).map(|(g, v)| g * v).sum();
        assert!(
            (fd - exact).abs() < 1e-6 * (1.0 + exact.abs()),
            "{name}: gradient {exact}, finite difference {fd}"
        );
    }
}
