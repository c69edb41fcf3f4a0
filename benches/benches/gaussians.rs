//! Cost of one PIG pass (forward and backward of the Helmholtz jets: value, u_xx, u_yy) on one
//! thread, to show it grows with points × nearby Gaussians, not points × all Gaussians.
//!
//! - `points`: 1k, 4k and 16k points over [−1, 1]² with 4 × 250 Gaussians (σ = 0.1, cutoff 6):
//!   the time should grow linearly.
//! - `gaussians`: 1k, 4k and 16k Gaussians at a fixed density (1,000 per 4 unit², so the box
//!   grows with their number) and 4,096 points spread over the same box: every point has about
//!   the same number of neighbours, so the time should stay nearly flat.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use operators::model::{Field, GaussianConfig};
use operators::{JetLayout, Partial, Pig, PigConfig, Rng};

/// A PIG with `total` Gaussians (4 channels) in [−half, half]², and `n` points in the same box.
fn setup(total: usize, half: f64, n: usize) -> (Pig<f64>, Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(1);
    let net = Pig::new(
        PigConfig {
            gaussians: GaussianConfig {
                count: total / 4,
                bounds: vec![(-half, half); 2],
                // σ = 0.1 in absolute units, whatever the box.
                sigma: 0.1 / half,
                ..Default::default()
            },
            ..Default::default()
        },
        &mut rng,
    );
    let params = net.init_params(&mut rng);
    let x: Vec<f64> = (0..2 * n).map(|_| rng.uniform_in(-half, half)).collect();
    eprintln!(
        "{total} Gaussians, {n} points: {:.0} Gaussians within the cutoff per point",
        neighbours(&net, &params, &x)
    );
    (net, params, x)
}

/// The mean number of Gaussians within the cutoff of a point, by brute force: the work per
/// point that the cost should follow.
fn neighbours(net: &Pig<f64>, params: &[f64], x: &[f64]) -> f64 {
    let view = |name: &str| {
        let v = net.param_views().iter().find(|v| v.name == name).unwrap();
        &params[v.range()]
    };
    let (mean, scale) = (view("gaussians.mean"), view("gaussians.scale"));
    let (n, r2) = (x.len() / 2, net.gaussians().cutoff.powi(2));
    let pairs = (0..n)
        .map(|p| {
            (0..mean.len() / 2)
                .filter(|&i| {
                    let z = |d: usize| (x[d * n + p] - mean[2 * i + d]) / scale[2 * i + d];
                    z(0).powi(2) + z(1).powi(2) <= r2
                })
                .count()
        })
        .sum::<usize>();
    pairs as f64 / n as f64
}

fn pass(c: &mut Criterion, group: &str, cases: &[(usize, usize, f64, usize)]) {
    let layout = JetLayout::new(
        2,
        &[Partial::from_axes(&[0, 0]), Partial::from_axes(&[1, 1])],
    );
    let mut g = c.benchmark_group(group);
    g.sample_size(10);
    for &(label, total, half, n) in cases {
        let (net, params, x) = setup(total, half, n);
        let mut tape = net.tape(&layout, n);
        let mut grad = vec![0.0; params.len()];
        let bar = vec![1.0; layout.len() * n];
        g.bench_with_input(BenchmarkId::from_parameter(label), &label, |b, _| {
            b.iter(|| {
                net.forward(&params, &x, &mut tape);
                net.backward(&params, &bar, &mut tape, &mut grad);
            })
        });
    }
    g.finish();
}

fn bench(c: &mut Criterion) {
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
        .ok();
    pass(
        c,
        "pig_pass_points",
        &[
            (1024, 1000, 1.0, 1024),
            (4096, 1000, 1.0, 4096),
            (16384, 1000, 1.0, 16384),
        ],
    );
    let half = |total: usize| (total as f64 / 1000.0).sqrt();
    pass(
        c,
        "pig_pass_gaussians",
        &[
            (1000, 1000, half(1000), 4096),
            (4000, 4000, half(4000), 4096),
            (16000, 16000, half(16000), 4096),
        ],
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
