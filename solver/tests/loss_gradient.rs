//! The whole PINN loss (residual, conditions with targets, causal weights or norms, a
//! trainable PDE parameter) against finite differences, and determinism across thread counts.

mod common;

use operators::expr::{Program, Symbols};
use operators::model::Field;
use operators::{Mlp, MlpConfig, Rng};
use problems::{BoxDomain, Face, Sampling};
use solver::optim::Objective;
use solver::pinn::{Causal, PinnLoss, PointSource, Reduction, Target, TermSpec};

fn symbols() -> Symbols {
    common::xt_symbols(&["nu"])
}

/// How the residual and initial terms reduce: mean squares, causal, or norms.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Plain,
    Causal,
    Norm,
}

fn loss(kind: Kind, chunk: usize) -> PinnLoss<f64, Mlp<f64>> {
    let norm = |scales: Vec<f64>| match kind {
        Kind::Norm => Reduction::Norm { scales },
        _ => Reduction::MeanSquare,
    };
    let s = symbols();
    let domain = BoxDomain::new(vec![-1.0, 0.0], vec![1.0, 1.0]);
    let mut rng = Rng::new(1);
    let net = Mlp::new(
        MlpConfig {
            hidden: vec![8, 8],
            ..Default::default()
        },
        &mut rng,
    );
    let coords_only = Symbols {
        fields: vec![],
        trainable: vec![],
        ..s.clone()
    };
    let specs = vec![
        TermSpec {
            name: "residual".into(),
            weight: 1.0,
            equations: vec![
                Program::compile("u_t + u*u_x - nu*u_xx", &s).unwrap(),
                Program::compile("u_xt + sin(u)", &s).unwrap(),
            ],
            target: None,
            source: PointSource::Interior {
                domain: domain.clone(),
                n: 70,
                sampling: Sampling::Sobol,
            },
            resample: true,
            reduction: match kind {
                Kind::Causal => Reduction::Causal(Causal {
                    axis: 1,
                    t0: 0.0,
                    t1: 1.0,
                    bins: 5,
                    eps: 3.0,
                }),
                _ => norm(vec![1.0, 10.0]),
            },
        },
        TermSpec {
            name: "initial".into(),
            weight: 10.0,
            equations: vec![Program::compile("u", &s).unwrap()],
            target: Some(Target::Expression(
                Program::compile("-sin(pi*x)", &coords_only).unwrap(),
            )),
            source: PointSource::Faces {
                domain: domain.clone(),
                faces: vec![Face {
                    axis: 1,
                    upper: false,
                }],
                n: 20,
                sampling: Sampling::Uniform,
            },
            resample: false,
            reduction: norm(vec![1.0]),
        },
        TermSpec {
            name: "boundary".into(),
            weight: 1.0,
            equations: vec![Program::compile("u_x - 0.5", &s).unwrap()],
            target: None,
            source: PointSource::Faces {
                domain,
                faces: Face::both(0),
                n: 21,
                sampling: Sampling::Uniform,
            },
            resample: false,
            reduction: Reduction::MeanSquare,
        },
    ];
    PinnLoss::new(net, specs, 1, chunk, &mut rng)
}

fn params(l: &PinnLoss<f64, Mlp<f64>>) -> Vec<f64> {
    let mut p = l.field.init_params(&mut Rng::new(2));
    p.push(0.03); // nu
    p
}

#[test]
fn loss_gradient_matches_finite_differences() {
    for kind in [Kind::Plain, Kind::Causal, Kind::Norm] {
        let causal = kind == Kind::Causal;
        let mut l = loss(kind, 16);
        let x = params(&l);
        let mut g = vec![0.0; x.len()];
        l.value_and_grad(&x, &mut g);
        let mut scratch = vec![0.0; x.len()];
        let mut rng = Rng::new(3);
        let mut dirs: Vec<Vec<f64>> = (0..4)
            .map(|_| (0..x.len()).map(|_| rng.normal()).collect())
            .collect();
        let mut e = vec![0.0; x.len()];
        *e.last_mut().unwrap() = 1.0; // the trainable PDE parameter alone
        dirs.push(e);
        let h = 1e-6;
        for d in dirs {
            let xp: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + h * b).collect();
            let xm: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a - h * b).collect();
            // Causal weights carry no gradient: hold them fixed at x for the difference quotient.
            let fd = if causal {
                frozen_causal_difference(&x, &xp, &xm, h)
            } else {
                (l.value_and_grad(&xp, &mut scratch) - l.value_and_grad(&xm, &mut scratch))
                    / (2.0 * h)
            };
            let exact: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
            assert!(
                (fd - exact).abs() < 1e-6 * (1.0 + exact.abs()),
                "{kind:?}: {exact} vs {fd}"
            );
        }
    }
}

/// The causal loss with weights frozen at `x`: Σ_k w_k(x) L_k(·) / bins, by differences of
/// the per-bin losses (the other terms have no weights).
fn frozen_causal_difference(x: &[f64], xp: &[f64], xm: &[f64], h: f64) -> f64 {
    let mut l = loss(Kind::Causal, 16);
    let mut g = vec![0.0; x.len()];
    let eval = |l: &mut PinnLoss<f64, Mlp<f64>>, at: &[f64], g: &mut Vec<f64>| {
        let total = l.value_and_grad(at, g);
        let (bins, _) = l.terms[0].causal_bins();
        (total - l.terms[0].value(), bins.to_vec())
    };
    let (_, _) = eval(&mut l, x, &mut g);
    let w0 = l.terms[0].causal_bins().1.to_vec();
    let (rest_p, bins_p) = eval(&mut l, xp, &mut g);
    let (rest_m, bins_m) = eval(&mut l, xm, &mut g);
    let occupied = bins_p.len() as f64;
    let causal_diff: f64 = (0..w0.len())
        .map(|k| w0[k] * (bins_p[k] - bins_m[k]))
        .sum::<f64>()
        / occupied;
    (rest_p - rest_m + causal_diff) / (2.0 * h)
}

#[test]
fn same_seed_same_result_for_any_thread_count_and_chunking() {
    for kind in [Kind::Causal, Kind::Norm] {
        let run = |threads: usize, chunk: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut l = loss(kind, chunk);
                let x = params(&l);
                let mut g = vec![0.0; x.len()];
                let v = l.value_and_grad(&x, &mut g);
                (v, g)
            })
        };
        let (v1, g1) = run(1, 16);
        let (v2, g2) = run(2, 16);
        assert_eq!(v1.to_bits(), v2.to_bits());
        assert!(g1.iter().zip(&g2).all(|(a, b)| a.to_bits() == b.to_bits()));
    }
}

/// A Neumann term on a curved boundary (the hole of an annulus): the residual is the normal
/// component of the gradient, with per-point normals; its parameter gradient against
/// finite differences.
#[test]
fn normal_derivative_term_gradient_matches_finite_differences() {
    use problems::Region;
    let sym = Symbols {
        coords: vec!["x".into(), "y".into()],
        fields: vec!["u".into()],
        ..Default::default()
    };
    let coords_only = Symbols {
        fields: vec![],
        ..sym.clone()
    };
    let disk = |r: f64, name: &str| Region::Ball {
        center: vec![0.0, 0.0],
        radius: r,
        name: name.into(),
    };
    let annulus = Region::Difference(Box::new(disk(1.0, "outer")), Box::new(disk(0.4, "hole")));
    let mut rng = Rng::new(5);
    let net = Mlp::new(
        MlpConfig {
            hidden: vec![8, 8],
            ..Default::default()
        },
        &mut rng,
    );
    let spec = TermSpec {
        name: "neumann".into(),
        weight: 3.0,
        equations: vec![
            Program::compile("u_x", &sym).unwrap(),
            Program::compile("u_y", &sym).unwrap(),
        ],
        target: Some(Target::Expression(
            Program::compile("x*y", &coords_only).unwrap(),
        )),
        source: PointSource::Region {
            region: annulus,
            boundary: vec!["hole".into()],
            time: None,
            n: 37,
            keep: None,
        },
        resample: false,
        reduction: Reduction::NormalDerivative,
    };
    let mut l = PinnLoss::<f64, _>::new(net, vec![spec], 0, 16, &mut rng);
    let x = l.field.init_params(&mut Rng::new(6));
    let mut g = vec![0.0; x.len()];
    let value = l.value_and_grad(&x, &mut g);
    assert!(value > 0.0);
    let mut scratch = vec![0.0; x.len()];
    let d: Vec<f64> = (0..x.len()).map(|_| rng.normal()).collect();
    let h = 1e-6;
    let xp: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a + h * b).collect();
    let xm: Vec<f64> = x.iter().zip(&d).map(|(a, b)| a - h * b).collect();
    let fd =
        (l.value_and_grad(&xp, &mut scratch) - l.value_and_grad(&xm, &mut scratch)) / (2.0 * h);
    let exact: f64 = g.iter().zip(&d).map(|(a, b)| a * b).sum();
    assert!(
        (fd - exact).abs() < 1e-6 * (1.0 + exact.abs()),
        "{exact} vs {fd}"
    );
}
