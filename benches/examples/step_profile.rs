//! Runs Burgers training steps in a loop, for profilers (perf record) and quick timings.
use benches::burgers::{burgers_loss, BurgersSetup};
use operators::model::Field;
use operators::Rng;
use solver::optim::Objective;

fn main() {
    let steps: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| {
        let mut rng = Rng::new(0);
        let chunk = std::env::var("ANSATZ_CHUNK")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512);
        let mut loss = burgers_loss::<f32>(
            &BurgersSetup {
                chunk,
                ..Default::default()
            },
            &mut rng,
        );
        let params = loss.field.init_params(&mut rng);
        let mut grad = vec![0.0; params.len()];
        let t = std::time::Instant::now();
        for _ in 0..steps {
            loss.value_and_grad(&params, &mut grad);
        }
        println!("{:.2} steps/s", steps as f64 / t.elapsed().as_secs_f64());
    });
}
