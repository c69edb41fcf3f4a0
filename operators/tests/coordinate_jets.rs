//! Jets of expressions of the coordinates (`Program::jets_at_points`) against closed forms and
//! against central differences of the next lower jet.

use operators::expr::{Program, Symbols};
use operators::{JetLayout, Partial, Points};
use std::f64::consts::PI;

fn symbols() -> Symbols {
    Symbols {
        coords: vec!["x".into(), "t".into()],
        time_axis: Some(1),
        fields: vec!["u".into()],
        ..Default::default()
    }
}

/// Every partial in x and t up to order 4.
fn full_layout() -> JetLayout {
    let mut partials = Vec::new();
    for i in 0..=4 {
        for j in 0..=4 - i {
            partials.push(Partial::from_axes(&[vec![0; i], vec![1; j]].concat()));
        }
    }
    JetLayout::new(2, &partials)
}

fn points(rows: &[[f64; 2]]) -> Points<f64> {
    Points::from_rows(&rows.iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

#[test]
fn jets_of_sin_times_exp_match_the_closed_form() {
    let program = Program::compile("sin(pi*x)*exp(-2*t)", &symbols()).unwrap();
    let layout = full_layout();
    let at = points(&[[0.3, 0.1], [-0.7, 0.9], [0.05, 0.5]]);
    let n = at.len();
    let jets = program.jets_at_points(&at, &layout);
    for (s, alpha) in layout.slots().iter().enumerate() {
        let (i, j) = (alpha.count(0) as i32, alpha.count(1) as i32);
        for p in 0..n {
            let (x, t) = (at.axis(0)[p], at.axis(1)[p]);
            let exact = PI.powi(i)
                * (PI * x + f64::from(i) * PI / 2.0).sin()
                * (-2f64).powi(j)
                * (-2.0 * t).exp();
            let got = jets[s * n + p];
            assert!(
                (got - exact).abs() <= 1e-12 * (1.0 + exact.abs()),
                "∂{alpha:?} at ({x}, {t}): {got} against {exact}"
            );
        }
    }
}

#[test]
fn every_operation_matches_central_differences_of_the_lower_jet() {
    let text = "sin(pi*x)*exp(-t) + x^3/(1 + t^2) + sqrt(2 + x)*tanh(x*t) + log(3 + x) \
                + tan(0.3*x) + cosh(t)*sinh(x) + abs(x - 5) + (1 + x)^t \
                - cos(x)/(2 + x)^2.5 + 1/x^2";
    let program = Program::compile(text, &symbols()).unwrap();
    let layout = full_layout();
    let base = [[0.4, 0.3], [-0.6, 0.8], [1.1, -0.2]];
    let h = 1e-5;
    let mut worst: f64 = 0.0;
    for (s, alpha) in layout.slots().iter().enumerate().skip(1) {
        // Differentiate the jet one order lower along an axis that α uses.
        let axis = (0..2).find(|&a| alpha.count(a) > 0).unwrap();
        let lower = alpha.minus(&Partial::axis(axis)).unwrap();
        let l = layout.slot(&lower).unwrap();
        let shifted = |sign: f64| {
            let rows: Vec<[f64; 2]> = base
                .iter()
                .map(|r| {
                    let mut r = *r;
                    r[axis] += sign * h;
                    r
                })
                .collect();
            program.jets_at_points(&points(&rows), &layout)
        };
        let (plus, minus) = (shifted(1.0), shifted(-1.0));
        let jets = program.jets_at_points(&points(&base), &layout);
        let n = base.len();
        for p in 0..n {
            let fd = (plus[l * n + p] - minus[l * n + p]) / (2.0 * h);
            let got = jets[s * n + p];
            let rel = (got - fd).abs() / (1.0 + got.abs());
            worst = worst.max(rel);
            assert!(
                rel < 1e-6,
                "∂{alpha:?} at {:?}: {got} against {fd}",
                base[p]
            );
        }
    }
    println!("worst relative difference {worst:.1e}");
    // The value slot is the program's own value.
    let at = points(&base);
    let values = program.eval_at_points(&at);
    let jets = program.jets_at_points(&at, &layout);
    for (v, j) in values.iter().zip(&jets) {
        assert!((v - j).abs() <= 1e-14 * (1.0 + v.abs()));
    }
}
