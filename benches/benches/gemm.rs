//! faer GEMM throughput at the shapes one Burgers training step uses (chunk of 512 points ×
//! 4 Taylor slots = 2,048 rows, width 50), single-threaded as inside a chunk: the rate
//! that sets the GEMM-bound ceiling quoted in benches/README.md. Throughput is in FLOP/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use operators::Real;

const ROWS: usize = 2048;
const WIDTH: usize = 50;

fn shapes<T: Real>(c: &mut Criterion) {
    let h = Mat::<T>::from_fn(ROWS, WIDTH, |i, j| {
        T::from_f64(((i * 7 + j * 3) % 11) as f64 / 11.0)
    });
    let w = Mat::<T>::from_fn(WIDTH, WIDTH, |i, j| {
        T::from_f64(((i + 2 * j) % 5) as f64 / 5.0)
    });
    let mut z = Mat::<T>::zeros(ROWS, WIDTH);
    let mut gw = Mat::<T>::zeros(WIDTH, WIDTH);
    let mut hbar = Mat::<T>::zeros(ROWS, WIDTH);
    let flops = (2 * ROWS * WIDTH * WIDTH) as u64;
    let mut group = c.benchmark_group(format!("gemm_{}", T::NAME));
    group.throughput(Throughput::Elements(flops));
    group.bench_function("forward Z=H·W (2048x50·50x50)", |b| {
        b.iter(|| {
            matmul(
                z.as_mut(),
                Accum::Replace,
                h.as_ref(),
                w.as_ref(),
                T::one(),
                Par::Seq,
            )
        })
    });
    group.bench_function("weight gradient Hᵀ·Z̄ (50x2048·2048x50)", |b| {
        b.iter(|| {
            matmul(
                gw.as_mut(),
                Accum::Add,
                h.transpose(),
                z.as_ref(),
                T::one(),
                Par::Seq,
            )
        })
    });
    group.bench_function("input adjoint Z̄·Wᵀ (2048x50·50x50)", |b| {
        b.iter(|| {
            matmul(
                hbar.as_mut(),
                Accum::Replace,
                z.as_ref(),
                w.transpose(),
                T::one(),
                Par::Seq,
            )
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    shapes::<f32>(c);
    shapes::<f64>(c);
}

criterion_group!(gemm, benches);
criterion_main!(gemm);
