//! The fused `value_and_grad` borrows spare tapes that other chunks used before; its loss
//! and gradient must be those of `forward` + `backward` on each chunk's own tape, bitwise.
//! Each chunk's scratch is its own.

use operators::model::Field;
use operators::{Batched, ChunkView, JetLayout, Mlp, MlpConfig, Partial, Points, Rng};

/// ½ Σ (u_xx + u·u_x)² over a chunk, and its output adjoint.
fn loss(chunk: ChunkView<'_, f64>, _: &mut (), bar: &mut [f64]) -> f64 {
    let n = chunk.n;
    let slot = |s: usize| &chunk.jets[s * n..(s + 1) * n];
    // Slots of the layout below: value, x, y, xx.
    let (u, ux, uxx) = (slot(0), slot(1), slot(3));
    bar.fill(0.0);
    let mut value = 0.0;
    for p in 0..n {
        let r = uxx[p] + u[p] * ux[p];
        value += 0.5 * r * r;
        bar[p] = r * ux[p];
        bar[n + p] = r * u[p];
        bar[3 * n + p] = r;
    }
    value
}

#[test]
fn spare_tapes_give_the_same_gradient_as_each_chunks_own() {
    let mut rng = Rng::new(11);
    let net = Mlp::<f64>::new(
        MlpConfig {
            hidden: vec![12, 12],
            ..Default::default()
        },
        &mut rng,
    );
    let params = net.init_params(&mut rng);
    let other: Vec<f64> = params.iter().map(|p| p * 0.5 + 0.1).collect();
    let layout = JetLayout::new(2, &[Partial::from_axes(&[0, 0]), Partial::from_axes(&[1])]);
    assert_eq!(layout.slot(&Partial::from_axes(&[0, 0])), Some(3));
    // 300 points in chunks of 128: two full chunks and one of 44, so tapes of two sizes.
    let coords = (0..600).map(|_| rng.uniform_in(-1.0, 1.0)).collect();
    let points = Points::new(2, coords);
    let mut batch = Batched::new(&net, layout, &points, 128);

    let mut own = vec![0.0; params.len()];
    batch.forward(&net, &params);
    let values = batch.map_chunks(&net, |c, scratch| {
        let mut bar = vec![0.0; c.jets.len()];
        loss(c, scratch, &mut bar)
    });
    batch.backward(
        &net,
        &params,
        |c, scratch, bar| {
            loss(c, scratch, bar);
        },
        &mut own,
    );
    let own_value: f64 = values.iter().sum();

    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            // A first call leaves the spare tapes holding other parameters' passes.
            batch.value_and_grad(&net, &other, loss, &mut vec![0.0; params.len()]);
            let mut fused = vec![0.0; params.len()];
            let value = batch.value_and_grad(&net, &params, loss, &mut fused);
            assert_eq!(value.to_bits(), own_value.to_bits(), "{threads} threads");
            assert!(fused
                .iter()
                .zip(&own)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
            assert!(own.iter().any(|&g| g != 0.0));
        });
    }
}

/// Each chunk's scratch is made for its own points and handed to that chunk alone; the
/// scratch read back after a pass is in chunk order.
#[test]
fn each_chunk_gets_its_own_scratch() {
    let mut rng = Rng::new(0);
    let config = MlpConfig {
        inputs: 1,
        outputs: 1,
        hidden: vec![4],
        ..Default::default()
    };
    let net = Mlp::<f64>::new(config, &mut rng);
    let params = net.init_params(&mut rng);
    let points = Points::new(1, (0..1100).map(|i| f64::from(i) / 1100.0).collect());
    let layout = JetLayout::new(1, &[Partial::VALUE]);
    let mut batch = Batched::with_scratch(&net, layout, &points, 512, |n| (n, 0.0));
    let mut grad = vec![0.0; net.n_params()];
    let total = batch.value_and_grad(
        &net,
        &params,
        |chunk, scratch, bar| {
            assert_eq!(chunk.n, scratch.0, "scratch of another chunk");
            bar.fill(0.0);
            scratch.1 = chunk.jets.iter().sum();
            scratch.1
        },
        &mut grad,
    );
    let sizes: Vec<usize> = batch.scratch().map(|s| s.0).collect();
    assert_eq!(sizes, [512, 512, 76]);
    assert_eq!(batch.scratch().map(|s| s.1).sum::<f64>(), total);
    assert!(total != 0.0);
}
