//! The expression engine against hand-computed values, derivatives and error messages.

use operators::expr::{Backprop, Inputs, Program, Symbols};
use operators::{JetLayout, Partial};

fn symbols() -> Symbols {
    Symbols {
        coords: vec!["x".into(), "t".into()],
        time_axis: Some(1),
        fields: vec!["u".into(), "v".into()],
        constants: vec![("nu".into(), 0.5), ("k".into(), 3.0)],
        trainable: vec!["lam".into()],
    }
}

/// One point with chosen jet values for u and v, evaluated through `src`.
struct Case {
    layout: JetLayout,
    jets: Vec<f64>,
    x: Vec<f64>,
    params: Vec<f64>,
}

impl Case {
    fn new() -> Case {
        let layout = JetLayout::new(
            2,
            &[
                Partial::from_axes(&[0, 0]),
                Partial::from_axes(&[0, 1]),
                Partial::from_axes(&[1, 1]),
            ],
        );
        let s = layout.len();
        // Slot values: u_α = 1 + slot index / 10, v_α = −(2 + slot index / 10).
        let mut jets = vec![0.0; 2 * s];
        for k in 0..s {
            jets[k] = 1.0 + k as f64 / 10.0;
            jets[s + k] = -(2.0 + k as f64 / 10.0);
        }
        Case {
            layout,
            jets,
            x: vec![0.3, 0.7],
            params: vec![1.25],
        }
    }

    fn get(&self, field: usize, axes: &[usize]) -> f64 {
        self.jets[field * self.layout.len() + self.layout.slot(&Partial::from_axes(axes)).unwrap()]
    }

    /// What a program reads at the point.
    fn inputs(&self) -> Inputs<'_, f64> {
        Inputs {
            n: 1,
            layout: &self.layout,
            jets: &self.jets,
            x: &self.x,
            params: &self.params,
        }
    }

    fn eval(&self, src: &str) -> f64 {
        let p = Program::compile(src, &symbols()).unwrap();
        let inp = self.inputs();
        let mut regs = vec![0.0; p.registers()];
        p.eval(&inp, &mut regs)[0]
    }

    /// (∂/∂jets, ∂/∂params) by the adjoint.
    fn adjoint(&self, src: &str) -> (Vec<f64>, Vec<f64>) {
        let p = Program::compile(src, &symbols()).unwrap();
        let inp = self.inputs();
        let mut regs = vec![0.0; p.registers()];
        p.eval(&inp, &mut regs);
        let mut bars = vec![0.0; p.registers()];
        let mut jb = vec![0.0; self.jets.len()];
        let mut pb = vec![0.0; 1];
        p.adjoint(&inp, &regs, &[1.0], &mut bars, &mut jb, &mut pb);
        (jb, pb)
    }
}

/// The kernel seeds with ∂loss/∂r (here the mean square's 2·r), adds the adjoint to the jets'
/// and sums the parameters' gradient over runs until it is taken, then starts again.
#[test]
fn backprop_seeds_the_adjoint_and_sums_parameter_gradients_until_taken() {
    let c = Case::new();
    let src = "lam*u*u_x - u_t";
    let p = Program::compile(src, &symbols()).unwrap();
    let inp = c.inputs();
    let (jets_bar, params_bar) = c.adjoint(src);
    let r = c.eval(src);
    let mut kernel = Backprop::new([&p], 1, 1);
    assert_eq!(kernel.eval(&p, &inp), &[r]);
    let mut bar = vec![0.0; c.jets.len()];
    for _ in 0..2 {
        kernel.run(&p, &inp, &mut bar, |point, value| {
            assert_eq!((point, value), (0, r));
            2.0 * value
        });
    }
    for (b, j) in bar.iter().zip(&jets_bar) {
        assert!((b - 4.0 * r * j).abs() < 1e-13, "{b} vs {}", 4.0 * r * j);
    }
    let mut grad = vec![1.0];
    kernel.take_params_bar(&mut grad);
    assert!((grad[0] - (1.0 + 4.0 * r * params_bar[0])).abs() < 1e-13);
    kernel.take_params_bar(&mut grad);
    assert!((grad[0] - (1.0 + 4.0 * r * params_bar[0])).abs() < 1e-13);
}

#[test]
fn values_match_hand_computation() {
    let c = Case::new();
    let (u, ux, ut, uxx) = (
        c.get(0, &[]),
        c.get(0, &[0]),
        c.get(0, &[1]),
        c.get(0, &[0, 0]),
    );
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-13 * (1.0 + b.abs()), "{a} vs {b}");
    close(c.eval("u_t + u*u_x - nu*u_xx"), ut + u * ux - 0.5 * uxx);
    close(
        c.eval("laplace(u) + k^2*u - sin(pi*x)"),
        uxx + 9.0 * u - (std::f64::consts::PI * 0.3).sin(),
    );
    close(c.eval("u_tt - u_xx"), c.get(0, &[1, 1]) - uxx);
    close(
        c.eval("-u^2 + 2^3^2 - 0.01/pi*u_xt"),
        -(u * u) + 512.0 - 0.01 / std::f64::consts::PI * c.get(0, &[0, 1]),
    );
    close(
        c.eval("exp(t)*log(x) + sqrt(abs(v)) / tanh(x) - cosh(t)*sinh(x) + tan(x)"),
        0.7f64.exp() * 0.3f64.ln() + c.get(1, &[]).abs().sqrt() / 0.3f64.tanh()
            - 0.7f64.cosh() * 0.3f64.sinh()
            + 0.3f64.tan(),
    );
    close(
        c.eval("lam*u_x + v_t*x^1.5 + 1e-2 - 2.5E+1"),
        1.25 * ux + c.get(1, &[1]) * 0.3f64.powf(1.5) + 0.01 - 25.0,
    );
    close(c.eval("2 + 3*4"), 14.0);
    close(c.eval("u*(2 + 3*4) - (1 - 2)*v"), u * 14.0 + c.get(1, &[]));
}

#[test]
fn constants_fold_to_one_instruction() {
    let p = Program::compile("0.01/pi", &symbols()).unwrap();
    assert_eq!(p.constant(), Some(0.01 / std::f64::consts::PI));
    assert_eq!(
        Program::compile("2 + 3*4", &symbols()).unwrap().constant(),
        Some(14.0)
    );
    assert_eq!(
        Program::compile("u + 2*3", &symbols()).unwrap().registers(),
        3
    );
}

#[test]
fn derivative_request_lists_what_is_read() {
    let p = Program::compile("u_t + u*u_x - nu*laplace(u) + v_xt", &symbols()).unwrap();
    let mut expected = vec![
        (0, Partial::VALUE),
        (0, Partial::axis(0)),
        (0, Partial::axis(1)),
        (0, Partial::from_axes(&[0, 0])),
        (1, Partial::from_axes(&[0, 1])),
    ];
    expected.sort();
    assert_eq!(p.partials(), expected);
}

/// Adjoints against central differences in every jet entry and the trainable parameter.
#[test]
fn adjoints_match_finite_differences() {
    let sources = [
        "u_t + u*u_x - nu*u_xx",
        "u^3 - u/v + u^v + exp(-lam*u)*sin(v_x)",
        "sqrt(u*u + v*v) * tanh(u_xt) / (1 + cosh(u_tt)) - log(u) + tan(v_t/4) + sinh(u_x)",
        "lam^2 * laplace(v) - abs(v)",
    ];
    let c = Case::new();
    for src in sources {
        let (jb, pb) = c.adjoint(src);
        let h = 1e-6;
        for (k, &exact) in jb.iter().enumerate() {
            let mut cp = Case::new();
            cp.jets[k] += h;
            let mut cm = Case::new();
            cm.jets[k] -= h;
            let fd = (cp.eval(src) - cm.eval(src)) / (2.0 * h);
            assert!(
                (fd - exact).abs() < 1e-7 * (1.0 + fd.abs()),
                "{src}: jet {k}: {exact} vs {fd}"
            );
        }
        let mut cp = Case::new();
        cp.params[0] += h;
        let mut cm = Case::new();
        cm.params[0] -= h;
        let fd = (cp.eval(src) - cm.eval(src)) / (2.0 * h);
        assert!(
            (fd - pb[0]).abs() < 1e-7 * (1.0 + fd.abs()),
            "{src}: lam: {} vs {fd}",
            pb[0]
        );
    }
}

/// Hessian-vector products (the tangent of the adjoint) against central differences of
/// the adjoint along a direction in jet space.
#[test]
fn adjoint_tangents_match_finite_differences_of_the_adjoint() {
    let sources = [
        "u_t + u*u_x - nu*u_xx",
        "u^3 - u/v + u^v + exp(-lam*u)*sin(v_x)",
        "sqrt(u*u + v*v) * tanh(u_xt) / (1 + cosh(u_tt)) - log(u) + tan(v_t/4) + sinh(u_x)",
        "cos(u_x)^2 - abs(v)*u",
    ];
    let c = Case::new();
    let dir: Vec<f64> = (0..c.jets.len())
        .map(|k| ((k * 7 % 5) as f64 - 2.0) / 3.0)
        .collect();
    for src in sources {
        let p = Program::compile(src, &symbols()).unwrap();
        let inp = Inputs {
            n: 1,
            layout: &c.layout,
            jets: &c.jets,
            x: &c.x,
            params: &c.params,
        };
        let r = p.registers();
        let (mut regs, mut bars) = (vec![0.0; r], vec![0.0; r]);
        p.eval(&inp, &mut regs);
        let (mut jb, mut pb) = (vec![0.0; c.jets.len()], vec![0.0; 1]);
        p.adjoint(&inp, &regs, &[1.0], &mut bars, &mut jb, &mut pb);
        let (mut dregs, mut dbars) = (vec![0.0; r], vec![0.0; r]);
        let mut hv = vec![0.0; c.jets.len()];
        p.adjoint_tangent(&inp, &regs, &bars, &dir, &mut dregs, &mut dbars, &mut hv);
        let h = 1e-6;
        let moved = |s: f64| {
            let mut m = Case::new();
            m.jets.iter_mut().zip(&dir).for_each(|(j, d)| *j += s * d);
            m.adjoint(src).0
        };
        let (jp, jm) = (moved(h), moved(-h));
        for k in 0..hv.len() {
            let fd = (jp[k] - jm[k]) / (2.0 * h);
            assert!(
                (fd - hv[k]).abs() < 1e-6 * (1.0 + fd.abs()),
                "{src}: jet {k}: {} vs {fd}",
                hv[k]
            );
        }
        assert!(
            hv.iter().any(|v| v.abs() > 1e-3),
            "{src}: no curvature tested"
        );
    }
}

#[test]
fn errors_name_the_column_and_what_was_expected() {
    let err = |src: &str| Program::compile(src, &symbols()).unwrap_err();
    let e = err("u_t + u*u_q");
    assert_eq!(e.column, 11);
    assert!(
        e.message.contains("`q` in `u_q` is not a coordinate"),
        "{e}"
    );
    let e = err("u_t + w*u_x");
    assert_eq!(e.column, 7);
    assert!(e.message.contains("unknown name `w`"), "{e}");
    let e = err("u_t + (u*u_x");
    assert_eq!(e.column, 13);
    assert!(e.message.contains("expected `)`"), "{e}");
    let e = err("u_t + * u");
    assert_eq!(e.column, 7);
    let e = err("sinus(x)");
    assert!(e.message.contains("unknown function `sinus`"), "{e}");
    let e = err("u_t $ u");
    assert_eq!(
        (e.column, e.message.as_str()),
        (5, "unexpected character `$`")
    );
    let e = err("laplace(x)");
    assert!(e.message.contains("takes a field name"), "{e}");
    let e = err("u_xxxxx");
    assert!(e.message.contains("order 1 to 4"), "{e}");
    assert_eq!(
        e.to_string(),
        "in `u_xxxxx` at column 1: `u_xxxxx`: derivatives of order 1 to 4 are supported"
    );
}

/// A tree compiled directly is the program of its text: same instructions, its printed form
/// as the source (so LPINN's rewritten residuals need no print-and-parse round trip).
#[test]
fn a_compiled_tree_is_the_program_of_its_text() {
    let sym = symbols();
    for text in [
        "u_t + u*u_x - nu*u_xx",
        "-(u - 2.5e-3)^3 / (1 + exp(-k*x))",
        "sin(lam*x)*v_xt - 0.1",
    ] {
        let ast = operators::expr::parse(text).unwrap();
        let tree = Program::from_ast(&ast, &sym).unwrap();
        let printed = Program::compile(&ast.to_string(), &sym).unwrap();
        assert_eq!(tree, printed, "{text}");
        assert_eq!(
            tree.ops(),
            Program::compile(text, &sym).unwrap().ops(),
            "{text}"
        );
    }
    let unknown = operators::expr::parse("w + 1").unwrap();
    assert!(Program::from_ast(&unknown, &sym).is_err());
}
