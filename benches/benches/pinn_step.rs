//! One training step (loss + full gradient + Adam update) of the Burgers PINN in the
//! standard configuration: tanh MLP 4×50, 10,000 collocation + 256 initial + 256 boundary
//! points; f32 and f64, 1 and 2 threads. Compare with ../shared/bench (see benches/README.md).

use benches::burgers::{burgers_loss, BurgersSetup};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use operators::model::Field;
use operators::{Real, Rng};
use solver::optim::{Adam, AdamConfig, Objective};

fn step<T: Real>(c: &mut Criterion, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let chunk = std::env::var("ANSATZ_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BurgersSetup::default().chunk);
    let mut rng = Rng::new(0);
    let mut loss = burgers_loss::<T>(
        &BurgersSetup {
            chunk,
            ..Default::default()
        },
        &mut rng,
    );
    let mut params = loss.field.init_params(&mut rng);
    let mut grad = vec![T::zero(); params.len()];
    let mut adam = Adam::new(AdamConfig::default(), params.len());
    let mut group = c.benchmark_group("burgers_step");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.bench_function(format!("{}_{}thread", T::NAME, threads), |b| {
        pool.install(|| {
            b.iter(|| {
                loss.value_and_grad(&params, &mut grad);
                adam.step(&mut params, &grad);
            })
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    step::<f32>(c, 1);
    step::<f32>(c, 2);
    step::<f64>(c, 1);
    step::<f64>(c, 2);
}

criterion_group!(burgers, benches);
criterion_main!(burgers);
