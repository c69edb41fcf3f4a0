//! `ansatz check`: what a problem file resolves to, without training.

use problems::spec::OptimizerKind;
use solver::app::overrides::load_with_overrides as load;
use solver::pinn::Reduction;
use std::path::Path;

/// What `check` says of an INSR problem: the stepping, its networks and each solve.
fn describe_insr(p: &problems::Problem, insr: &problems::Insr) {
    let s = &insr.settings;
    if let Some(e) = &insr.energy {
        println!("  energy      {}", e.source());
    }
    let form = match insr.settings.integrator {
        problems::Integrator::Splitting => {
            "splitting: advect, pressure Poisson, project (velocity and pressure networks; walls)"
                .to_string()
        }
        problems::Integrator::IncrementalPotential => format!(
            "incremental potential of implicit Euler (density {}, gravity {:?})",
            s.density, s.gravity
        ),
        problems::Integrator::SemiLagrangian => format!(
            "semi-Lagrangian along c = {}, the rest implicit",
            p.spec.method.speed.as_ref().map_or("", |c| c.get_ref())
        ),
        i => format!("{i:?} (theta = {})", i.theta()),
    };
    println!("  method      INSR, {form}");
    println!(
        "  steps       {} of dt = {}, a frame every {}",
        insr.steps, insr.settings.dt, s.output_every
    );
    let mut rng = operators::Rng::new(p.spec.training.seed);
    let stepper = solver::insr::stepper::<f64>(p, &mut rng);
    println!(
        "  model       {} {:?} of space, {} parameters",
        p.spec.model.kind,
        p.spec.model.hidden,
        stepper.network_params()
    );
    println!(
        "  each solve  Adam at most {} iterations (lr {}, tenfold drop after {} without progress) on {} fresh points, then L-BFGS {} iterations; the initial fit {} iterations",
        s.iterations,
        s.learning_rate,
        s.patience,
        s.samples,
        s.lbfgs_iterations,
        if s.initial_iterations > 0 { s.initial_iterations } else { s.iterations }
    );
}

pub(crate) fn check(file: &Path, sets: &[String]) -> Result<(), String> {
    let p = load(file, sets)?;
    let axes: Vec<String> = p
        .axes
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{a} in [{}, {}]", p.domain.lo[i], p.domain.hi[i]))
        .collect();
    println!("{}: ok — {}", file.display(), p.spec.name);
    println!("  domain      {}", axes.join(", "));
    println!("  fields      {}", p.symbols.fields.join(", "));
    let consts: Vec<String> = p
        .symbols
        .constants
        .iter()
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    if !consts.is_empty() {
        println!("  parameters  {}", consts.join(", "));
    }
    if !p.symbols.trainable.is_empty() {
        println!(
            "  unknown     {} (trained with the network)",
            p.symbols.trainable.join(", ")
        );
    }
    for r in &p.residuals {
        println!("  residual    {}", r.source());
    }
    let Some(solver::methods::Built { method, params, .. }) =
        solver::methods::build::<f64>(&p, p.spec.training.seed)
    else {
        if let Some(insr) = p.method.insr() {
            describe_insr(&p, insr);
        }
        return Ok(());
    };
    let fields = method.fields(&p);
    for line in method.describe(&p) {
        println!("  {line}");
    }
    let names = p
        .symbols
        .coords
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>();
    for (spec, points) in method.terms() {
        let partials: Vec<String> = spec
            .equations
            .iter()
            .flat_map(|e| e.partials())
            .map(|(f, d)| {
                if d.order() == 0 {
                    fields[f].clone()
                } else {
                    format!("{}_{}", fields[f], d.suffix(&names))
                }
            })
            .collect();
        let reduction = match &spec.reduction {
            Reduction::MeanSquare => String::new(),
            Reduction::Causal(c) => format!(" x causal weights ({} bins)", c.bins),
            Reduction::Norm { scales } => format!(" x norms {scales:?}"),
            Reduction::Paired => " on pairs".into(),
            Reduction::NormalDerivative => " along the normal".into(),
        };
        println!(
            "  term        {:<28} {:>6} points, weight {}{reduction}, needs {}",
            spec.name,
            points,
            spec.weight,
            partials.join(" ")
        );
    }
    let characteristic = match p.method.lagrangian() {
        Some(l) => format!(
            " + characteristic mlp {:?}",
            l.settings.characteristic_hidden
        ),
        None => String::new(),
    };
    println!(
        "  model       {} {:?}{characteristic}, {} parameters ({} network)",
        p.spec.model.kind,
        p.spec.model.hidden,
        params.len(),
        method.network_params()
    );
    let t = &p.spec.training;
    let phases: Vec<String> = t
        .phases()
        .iter()
        .map(|phase| match phase.optimizer {
            OptimizerKind::Adam => format!(
                "Adam {} steps (lr {})",
                phase.steps,
                phase.learning_rate.unwrap_or(t.learning_rate)
            ),
            OptimizerKind::Lbfgs => format!("L-BFGS {} iterations", phase.steps),
        })
        .collect();
    println!("  training    {}, {}", phases.join(", then "), t.precision);
    match solver::app::run::output_grid(&p) {
        Ok((grid, reference)) => {
            println!(
                "  output grid {:?} points along {}",
                grid.coords.iter().map(Vec::len).collect::<Vec<_>>(),
                p.axes.join(", ")
            );
            if let Some(r) = reference {
                println!(
                    "  reference   {} on {:?} points",
                    r.source,
                    r.grid.coords.iter().map(Vec::len).collect::<Vec<_>>()
                );
            }
            Ok(())
        }
        Err(e) => Err(format!("{}: {e}", file.display())),
    }
}
