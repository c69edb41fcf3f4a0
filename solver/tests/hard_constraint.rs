//! The least-squares layer of the hard-constraint method: Levenberg–Marquardt reaches the
//! optimum, the implicit-function-theorem gradient of the whole layer (network → basis
//! jets → w*) matches finite differences, and the initial ansatz's basis (t − t0)·Φ has the
//! jets of the product and an exact transpose.

mod common;

use operators::expr::{Program, Symbols};
use operators::model::Field;
use operators::{Activation, JetLayout, Mlp, MlpConfig, Partial, Points, Rng};
use solver::moe::least_squares::{backward, solve, LmSettings, LmStop, Rows};
use solver::moe::InitialAnsatz;

const BASIS: usize = 6;

type Tape = <Mlp<f64> as Field<f64>>::Tape;

fn symbols() -> Symbols {
    common::xt_symbols(&[])
}

/// One constraint: an expression, its points (`n × 2` column-major) and target values.
struct Constraint {
    program: Program,
    layout: JetLayout,
    x: Vec<f64>,
    target: Vec<f64>,
    weight: f64,
}

fn constraint(text: &str, points: Vec<[f64; 2]>, target: impl Fn(f64) -> f64) -> Constraint {
    let program = Program::compile(text, &symbols()).unwrap();
    let partials: Vec<Partial> = program.partials().into_iter().map(|(_, p)| p).collect();
    let n = points.len();
    let mut x = vec![0.0; 2 * n];
    for (i, p) in points.iter().enumerate() {
        x[i] = p[0];
        x[n + i] = p[1];
    }
    Constraint {
        layout: JetLayout::new(2, &partials),
        target: points.iter().map(|p| target(p[0])).collect(),
        program,
        x,
        weight: 1.0,
    }
}

/// A residual on random interior points, an initial condition and a boundary condition.
fn constraints(residual: &str) -> Vec<Constraint> {
    let mut rng = Rng::new(7);
    let mut draw = |n: usize, f: &mut dyn FnMut(&mut Rng) -> [f64; 2]| -> Vec<[f64; 2]> {
        (0..n).map(|_| f(&mut rng)).collect()
    };
    let interior = draw(30, &mut |r| [2.0 * r.uniform() - 1.0, r.uniform()]);
    let initial = draw(12, &mut |r| [2.0 * r.uniform() - 1.0, 0.0]);
    let boundary = draw(10, &mut |r| {
        let t = r.uniform();
        [if r.uniform() < 0.5 { -1.0 } else { 1.0 }, t]
    });
    vec![
        constraint(residual, interior, |_| 0.0),
        constraint("u", initial, |x| (std::f64::consts::PI * x).sin()),
        constraint("u", boundary, |_| 0.0),
    ]
}

fn network() -> (Mlp<f64>, Vec<f64>) {
    let mut rng = Rng::new(3);
    let net = Mlp::new(
        MlpConfig {
            inputs: 2,
            outputs: BASIS,
            hidden: vec![16, 16],
            activation: Activation::Sin { w0: 2.0 },
            ..Default::default()
        },
        &mut rng,
    );
    let params = net.init_params(&mut rng);
    (net, params)
}

fn settings() -> LmSettings {
    LmSettings {
        max_iterations: 200,
        ..Default::default()
    }
}

/// The basis jets of every constraint, with the tapes for the backward pass.
fn basis(net: &Mlp<f64>, params: &[f64], cs: &[Constraint]) -> (Vec<Vec<f64>>, Vec<Tape>) {
    cs.iter()
        .map(|c| {
            let mut tape = net.tape(&c.layout, c.target.len());
            net.forward(params, &c.x, &mut tape);
            (net.output(&tape).to_vec(), tape)
        })
        .unzip()
}

fn rows<'a>(cs: &'a [Constraint], basis: &'a [Vec<f64>]) -> Vec<Rows<'a>> {
    cs.iter()
        .zip(basis)
        .map(|(c, b)| Rows {
            program: &c.program,
            layout: &c.layout,
            x: &c.x,
            basis: b,
            target: Some(&c.target),
            offset: None,
            weight: c.weight,
        })
        .collect()
}

/// L(θ) = cᵀ·w*(θ).
fn layer_loss(net: &Mlp<f64>, params: &[f64], cs: &[Constraint], c: &[f64]) -> f64 {
    let (b, _) = basis(net, params, cs);
    let sol = solve(&rows(cs, &b), &[1.0; BASIS], &settings());
    assert_eq!(sol.stop, LmStop::Converged, "{sol:?}");
    sol.w.iter().zip(c).map(|(w, c)| w * c).sum()
}

#[test]
fn levenberg_marquardt_reaches_a_stationary_point_of_a_nonlinear_constraint() {
    let (net, params) = network();
    let cs = constraints("u_t - 0.1*u_xx");
    let (b, _) = basis(&net, &params, &cs);
    let rows = rows(&cs, &b);
    let start = solve(
        &rows,
        &[1.0; BASIS],
        &LmSettings {
            max_iterations: 0,
            ..settings()
        },
    );
    let sol = solve(&rows, &[1.0; BASIS], &settings());
    assert_eq!(sol.stop, LmStop::Converged, "{sol:?}");
    println!(
        "cost {:.4e} -> {:.4e} in {} iterations",
        start.cost, sol.cost, sol.iterations
    );
    assert!(
        sol.cost < 0.1 * start.cost,
        "{} -> {}",
        start.cost,
        sol.cost
    );
    // Stationary: any small change of w raises the cost.
    for k in 0..BASIS {
        for h in [1e-4, -1e-4] {
            let mut w = sol.w.clone();
            w[k] += h;
            let moved = solve(
                &rows,
                &w,
                &LmSettings {
                    max_iterations: 0,
                    ..settings()
                },
            );
            assert!(
                moved.cost >= sol.cost,
                "w[{k}] {h:+}: {} < {}",
                moved.cost,
                sol.cost
            );
        }
    }
}

/// The implicit gradient for a linear PDE (heat), a nonlinear one (viscous Burgers) and one
/// with a solution-dependent coefficient like diffusion–sorption's retardation factor.
#[test]
fn implicit_gradient_of_the_layer_matches_finite_differences() {
    for residual in [
        "u_t - 0.1*u_xx",
        "u_t + u*u_x - 0.05*u_xx",
        "u_t - 0.05/(1 + 2*(u*u + 0.1)^(-0.126))*u_xx",
    ] {
        gradient_check(residual);
    }
}

fn gradient_check(residual: &str) {
    let (net, params) = network();
    let cs = constraints(residual);
    let mut rng = Rng::new(11);
    let c: Vec<f64> = (0..BASIS).map(|_| rng.normal()).collect();
    // Gradient through the implicit function theorem, then the network's reverse mode.
    let (b, mut tapes) = basis(&net, &params, &cs);
    let sol = solve(&rows(&cs, &b), &[1.0; BASIS], &settings());
    let mut bars: Vec<Vec<f64>> = b.iter().map(|v| vec![0.0; v.len()]).collect();
    let mut bar_refs: Vec<&mut [f64]> = bars.iter_mut().map(Vec::as_mut_slice).collect();
    backward(&rows(&cs, &b), &sol.w, &c, settings().ridge, &mut bar_refs);
    let mut grad = vec![0.0; params.len()];
    for (bar, tape) in bars.iter().zip(&mut tapes) {
        net.backward(&params, bar, tape, &mut grad);
    }
    // Central differences along random directions and single weights.
    let h = 1e-4;
    let mut directions: Vec<Vec<f64>> = (0..3)
        .map(|_| (0..params.len()).map(|_| rng.normal()).collect())
        .collect();
    for i in [0, params.len() / 2, params.len() - 1] {
        let mut e = vec![0.0; params.len()];
        e[i] = 1.0;
        directions.push(e);
    }
    for v in &directions {
        let at = |s: f64| -> Vec<f64> { params.iter().zip(v).map(|(p, d)| p + s * d).collect() };
        let central = |h: f64| {
            (layer_loss(&net, &at(h), &cs, &c) - layer_loss(&net, &at(-h), &cs, &c)) / (2.0 * h)
        };
        // Richardson: the h² error cancels, so h can stay large against the solver's rounding.
        let fd = (4.0 * central(h / 2.0) - central(h)) / 3.0;
        let exact: f64 = grad.iter().zip(v).map(|(g, d)| g * d).sum();
        let rel = (fd - exact).abs() / exact.abs().max(1e-8);
        println!("{residual}: implicit {exact:.10e}, finite differences {fd:.10e}, relative difference {rel:.2e}");
        assert!(
            rel <= 1e-5,
            "{residual}: implicit {exact} vs finite differences {fd}: {rel:.2e}"
        );
    }
}

fn jets(text: &str, layout: &JetLayout, x: &[f64]) -> Vec<f64> {
    let program = Program::compile(text, &symbols()).unwrap();
    program.jets_at_points(&Points::new(2, x.to_vec()), layout)
}

fn ansatz_setup() -> (InitialAnsatz, JetLayout, Vec<f64>) {
    let ansatz = InitialAnsatz {
        term: 1,
        time_axis: 1,
        t0: 0.25,
        value: None,
    };
    let partials = [
        vec![0, 0],
        vec![0, 1],
        vec![1, 1],
        vec![0, 0, 1, 1],
        vec![1, 1, 1],
    ];
    let partials: Vec<Partial> = partials.iter().map(|a| Partial::from_axes(a)).collect();
    let layout = JetLayout::new(2, &partials);
    // Three points: x then t.
    let x = vec![0.1, -0.4, 0.9, 0.3, 0.7, 1.2];
    (ansatz, layout, x)
}

#[test]
fn initial_ansatz_basis_has_the_jets_of_the_product() {
    let (ansatz, layout, x) = ansatz_setup();
    let mut basis = [
        jets("sin(x)*exp(t)", &layout, &x),
        jets("x^2*t^3", &layout, &x),
    ]
    .concat();
    ansatz.basis(&layout, &x, &mut basis);
    let exact = [
        jets("(t - 0.25)*sin(x)*exp(t)", &layout, &x),
        jets("(t - 0.25)*x^2*t^3", &layout, &x),
    ]
    .concat();
    for (i, (b, e)) in basis.iter().zip(&exact).enumerate() {
        assert!(
            (b - e).abs() < 1e-12 * (1.0 + e.abs()),
            "entry {i}: {b} vs {e}"
        );
    }
}

#[test]
fn initial_ansatz_adjoint_is_the_transpose() {
    let (ansatz, layout, x) = ansatz_setup();
    let len = 2 * layout.len() * 3;
    let mut rng = Rng::new(3);
    let phi: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
    let bar: Vec<f64> = (0..len).map(|_| rng.normal()).collect();
    let (mut b, mut phi_bar) = (phi.clone(), bar.clone());
    ansatz.basis(&layout, &x, &mut b);
    ansatz.adjoint(&layout, &x, &mut phi_bar);
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f64>();
    let (left, right) = (dot(&b, &bar), dot(&phi, &phi_bar));
    assert!(
        (left - right).abs() < 1e-12 * left.abs(),
        "{left} vs {right}"
    );
}
