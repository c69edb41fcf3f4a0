//! Training steps of the hard constraints on diffusion–sorption (problems/diffusion_sorption.toml:
//! every expert's Levenberg–Marquardt solve, the interface terms, the outer loss, every
//! implicit backward, then Adam), for K = 1, 4 and 8 experts with the same 1,024 PDE constraint points in
//! total, on 1 and 2 threads. The experts are solved in parallel, so the 2-thread time against
//! the 1-thread time is their parallel speed-up.
//!
//! The work is the same in every sample: after 20 training steps (so that the neighbour rows
//! and warm starts are as in training), the parameters and the loss's state (each expert's
//! last coefficients, the last parameters) are frozen; each sample restores them and runs the
//! next 10 training steps on the same points. Ten steps, not one: how many iterations each
//! expert's solve takes changes from step to step, and one frozen step measures whichever
//! expert happened to be slowest there.

use criterion::{criterion_group, criterion_main, Criterion};
use operators::Rng;
use problems::Problem;
use solver::methods::moe_hc;
use solver::optim::{Adam, AdamConfig, Objective};
use solver::train::Loss;
use std::path::Path;

/// Training steps per sample.
const STEPS: usize = 10;

fn step(c: &mut Criterion, experts: usize, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../problems/diffusion_sorption.toml");
    let mut p = Problem::load(&file).unwrap();
    let problems::Method::MoeHc(h) = &mut p.method else {
        panic!("{} is solved by hard constraints", file.display());
    };
    h.splits = Some(vec![experts, 1]);
    h.constraint_points = 1024 / experts;
    let h = h.clone();
    let (mut loss, mut params, _) = moe_hc::build::<f64>(&p, &h, 0);
    let mut rng = Rng::new(1);
    let mut grad = vec![0.0; params.len()];
    let mut adam = Adam::new(AdamConfig::default(), params.len());
    for _ in 0..20 {
        loss.resample(&mut rng);
        loss.value_and_grad(&params, &mut grad);
        adam.step(&mut params, &grad);
    }
    let state = loss.state();
    let mut group = c.benchmark_group("diffusion_sorption_training_steps");
    group.sample_size(20);
    group.bench_function(format!("K{experts}_{threads}thread_{STEPS}steps"), |b| {
        pool.install(|| {
            b.iter(|| {
                loss.set_state(&state);
                let (mut x, mut adam, mut rng) = (params.clone(), adam.clone(), Rng::new(2));
                for _ in 0..STEPS {
                    loss.resample(&mut rng);
                    loss.value_and_grad(&x, &mut grad);
                    adam.step(&mut x, &grad);
                }
            })
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    for experts in [1, 4, 8] {
        for threads in [1, 2] {
            step(c, experts, threads);
        }
    }
}

criterion_group!(experts, benches);
criterion_main!(experts);
