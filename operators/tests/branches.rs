//! Branches stack independent networks: their jets and gradients are exactly those of the
//! networks alone, placed side by side.

use operators::model::{Branches, Field};
use operators::{Embedding, JetLayout, Mlp, MlpConfig, Partial, Rng};

fn nets(rng: &mut Rng) -> (Mlp<f64>, Mlp<f64>) {
    let periodic = Embedding::Periodic {
        axes: vec![(0, 2.0)],
        modes: 1,
    };
    let a = Mlp::new(
        MlpConfig {
            inputs: 2,
            outputs: 1,
            hidden: vec![6, 5],
            embedding: periodic.clone(),
            ..Default::default()
        },
        rng,
    );
    let b = Mlp::new(
        MlpConfig {
            inputs: 2,
            outputs: 2,
            hidden: vec![4],
            embedding: periodic,
            ..Default::default()
        },
        rng,
    );
    (a, b)
}

#[test]
fn two_branches_are_their_networks_side_by_side() {
    let mut rng = Rng::new(5);
    let (a, b) = nets(&mut rng);
    let pa = a.init_params(&mut rng);
    let pb = b.init_params(&mut rng);
    let both = Branches::new(vec![
        ("u".to_string(), a.clone()),
        ("xi".to_string(), b.clone()),
    ]);
    assert_eq!(Field::<f64>::outputs(&both), 3);
    let params: Vec<f64> = pa.iter().chain(&pb).copied().collect();
    assert_eq!(Field::<f64>::n_params(&both), params.len());
    assert!(both.param_views().iter().any(|v| v.name.starts_with("xi/")));

    let layout = JetLayout::new(2, &[Partial::from_axes(&[0, 0]), Partial::axis(1)]);
    let n = 7;
    let x: Vec<f64> = (0..2 * n).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
    let (mut ta, mut tb, mut t) = (
        a.tape(&layout, n),
        b.tape(&layout, n),
        both.tape(&layout, n),
    );
    a.forward(&pa, &x, &mut ta);
    b.forward(&pb, &x, &mut tb);
    both.forward(&params, &x, &mut t);
    let stacked: Vec<f64> = a.output(&ta).iter().chain(b.output(&tb)).copied().collect();
    assert_eq!(both.output(&t), stacked.as_slice());

    let bar: Vec<f64> = (0..stacked.len()).map(|_| rng.normal()).collect();
    let (mut ga, mut gb, mut g) = (
        vec![0.0; pa.len()],
        vec![0.0; pb.len()],
        vec![0.0; params.len()],
    );
    let rows = a.output(&ta).len();
    a.backward(&pa, &bar[..rows], &mut ta, &mut ga);
    b.backward(&pb, &bar[rows..], &mut tb, &mut gb);
    both.backward(&params, &bar, &mut t, &mut g);
    let expected: Vec<f64> = ga.iter().chain(&gb).copied().collect();
    assert_eq!(g, expected);
}

#[test]
fn one_branch_is_the_network_itself() {
    let mut rng = Rng::new(6);
    let (a, _) = nets(&mut rng);
    let pa = a.init_params(&mut rng);
    let one = Branches::new(vec![("u".to_string(), a.clone())]);
    assert_eq!(one.param_views(), a.param_views());
    let layout = JetLayout::new(2, &[Partial::axis(0)]);
    let x = [0.1, 0.2, 0.3, 0.4];
    let (mut ta, mut t) = (a.tape(&layout, 2), one.tape(&layout, 2));
    a.forward(&pa, &x, &mut ta);
    one.forward(&pa, &x, &mut t);
    assert_eq!(a.output(&ta), one.output(&t));
}
