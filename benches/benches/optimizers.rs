//! One step of each optimizer against one Adam step, on the Burgers PINN (10,000 + 256 + 256
//! points, f64, 2 threads) at P ≈ 1k, 3k and 10k parameters (tanh MLPs 3×20, 4×30, 3×70).
//! A quasi-Newton step is its line search's loss-and-gradient evaluations plus the update of
//! its curvature; the bench prints evaluations per step, so that what remains of a step's
//! time beside the gradients is the update's (see benches/README.md).

use benches::burgers::{burgers_loss, BurgersSetup};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use operators::model::Field;
use operators::Rng;
use solver::optim::{Adam, AdamConfig, Objective, QuasiNewton, QuasiNewtonConfig, Update};

fn optimizers(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("optimizer_step");
    group.sample_size(10);
    for hidden in [vec![20; 3], vec![30; 4], vec![70; 3]] {
        let mut rng = Rng::new(0);
        let setup = BurgersSetup {
            hidden,
            ..Default::default()
        };
        let mut loss = burgers_loss::<f64>(&setup, &mut rng);
        let start = loss.field.init_params(&mut rng);
        let p = start.len();
        let mut params = start.clone();
        let mut grad = vec![0.0; p];
        let mut adam = Adam::new(AdamConfig::default(), p);
        group.bench_function(BenchmarkId::new("adam", p), |b| {
            pool.install(|| {
                b.iter(|| {
                    loss.value_and_grad(&params, &mut grad);
                    adam.step(&mut params, &grad);
                })
            })
        });
        let variants = [
            ("lbfgs", QuasiNewtonConfig::default()),
            ("ssbroyden", QuasiNewtonConfig::dense(Update::SsBroyden)),
        ];
        for (name, config) in variants {
            // From 50 Adam-free iterations in, so the curvature is built and steps are typical.
            let mut params = start.clone();
            let mut opt = QuasiNewton::new(config, p);
            pool.install(|| {
                opt.start(&mut loss, &params);
                for _ in 0..50 {
                    let _ = opt.step(&mut loss, &mut params);
                }
            });
            let (iterations, evaluations) = (opt.iterations, opt.evaluations);
            group.bench_function(BenchmarkId::new(name, p), |b| {
                pool.install(|| {
                    b.iter(|| {
                        if opt.step(&mut loss, &mut params).is_err() {
                            params.copy_from_slice(&start);
                            opt = QuasiNewton::new(config, p);
                            opt.start(&mut loss, &params);
                        }
                    })
                })
            });
            if opt.iterations > iterations {
                let per_step =
                    (opt.evaluations - evaluations) as f64 / (opt.iterations - iterations) as f64;
                println!("{name} P = {p}: {per_step:.2} loss-and-gradient evaluations per step");
            }
        }
    }
    group.finish();
}

criterion_group!(optimizer_step, optimizers);
criterion_main!(optimizer_step);
