//! Viscous Burgers through the Rust API: u_t + u u_x − (0.01/π) u_xx = 0 on [−1, 1] × [0, 1],
//! u(x, 0) = −sin(πx), u(±1, t) = 0, trained by Adam then L-BFGS (f64), and compared with
//! the exact solution in reference/burgers.h5 (datasets x, t, u[t, x]).
//!
//!     cargo run --release -p benches --example burgers -- [--adam N] [--lbfgs N] [--hidden 8x40]
//!         [--points N] [--threads N] [--seed S] [--reference PATH]

use benches::burgers::{burgers_loss, BurgersSetup};
use operators::model::Field;
use operators::{Points, Rng};
use problems::Sampling;
use solver::optim::{AdamConfig, QuasiNewtonConfig, Schedule};
use solver::train::{Event, Phase, PhaseConfig, TrainConfig, Trainer};
use solver::{predict, relative_l2};

struct Args {
    adam: usize,
    lbfgs: usize,
    hidden: Vec<usize>,
    points: usize,
    threads: usize,
    seed: u64,
    reference: String,
}

fn parse_args() -> Args {
    let mut a = Args {
        adam: 3_000,
        lbfgs: 6_000,
        hidden: vec![40; 6],
        points: 8_000,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        seed: 0,
        reference: concat!(env!("CARGO_MANIFEST_DIR"), "/../reference/burgers.h5").into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--adam" => a.adam = value().parse().expect("--adam N"),
            "--lbfgs" => a.lbfgs = value().parse().expect("--lbfgs N"),
            "--hidden" => {
                let v = value();
                let (l, w) = v.split_once('x').expect("--hidden LxW, e.g. 6x40");
                a.hidden = vec![w.parse().expect("width"); l.parse().expect("layers")];
            }
            "--points" => a.points = value().parse().expect("--points N"),
            "--threads" => a.threads = value().parse().expect("--threads N"),
            "--seed" => a.seed = value().parse().expect("--seed S"),
            "--reference" => a.reference = value(),
            other => panic!(
                "unknown flag {other}; see the doc comment at the top of examples/burgers.rs"
            ),
        }
    }
    a
}

/// (x, t, u[t, x]) from the reference file.
fn reference(path: &str) -> hdf5::Result<(Vec<f64>, Vec<f64>, Vec<f64>)> {
    let f = hdf5::File::open(path)?;
    Ok((
        f.dataset("x")?.read_raw()?,
        f.dataset("t")?.read_raw()?,
        f.dataset("u")?.read_raw()?,
    ))
}

fn main() {
    let args = parse_args();
    let (xr, tr, ur) = reference(&args.reference)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", args.reference));
    let grid: Vec<Vec<f64>> = tr
        .iter()
        .flat_map(|&t| xr.iter().map(move |&x| vec![x, t]))
        .collect();
    let grid = Points::<f64>::from_rows(&grid);

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads)
        .build()
        .unwrap();
    pool.install(|| {
        let mut rng = Rng::new(args.seed);
        let setup = BurgersSetup { hidden: args.hidden.clone(), collocation: args.points, sampling: Sampling::Sobol, ..Default::default() };
        let mut loss = burgers_loss::<f64>(&setup, &mut rng);
        let params = loss.field.init_params(&mut rng);
        println!(
            "Burgers PINN: tanh MLP {:?} ({} parameters), {} collocation points, Adam {} + L-BFGS {}, {} threads",
            args.hidden,
            params.len(),
            args.points,
            args.adam,
            args.lbfgs,
            args.threads
        );
        let config = TrainConfig {
            phases: PhaseConfig::adam_then_lbfgs(
                args.adam,
                AdamConfig { lr: 1e-3, schedule: Schedule::Exponential { rate: 0.9, every: 1000, staircase: false }, ..Default::default() },
                args.lbfgs,
                QuasiNewtonConfig::default(),
            ),
            log_every: 1000,
            ..Default::default()
        };
        let mut trainer = Trainer::new(params, &config, rng);
        let field = loss.field.clone();
        let error = |p: &[f64]| relative_l2(&predict(&field, p, &grid)[0], &ur);
        let report = trainer
            .run(&mut loss, &config, |e| {
                let Event::Log(r) = e else { return };
                let phase = if r.phase == Phase::Adam { "adam " } else { "lbfgs" };
                println!("{phase} step {:>6}  loss {:.3e}  {:>7.1} s", r.step, r.loss, r.wall_s);
            })
            .expect("training diverged");
        if let Some(l) = &report.quasi_newton {
            println!("L-BFGS: {} iterations, {} evaluations, stopped: {}", l.iterations, l.evaluations, l.reason);
        }
        println!(
            "relative L2 error {:.3e} against {} after {} steps in {:.1} s",
            error(&trainer.params),
            args.reference,
            report.steps,
            report.wall_s
        );
    });
}
