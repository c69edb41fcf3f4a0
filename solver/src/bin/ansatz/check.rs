//! `ansatz check`: what a problem file resolves to, without training.

use solver::app::overrides::load_with_overrides as load;
use solver::pinn::Reduction;
use std::path::Path;

pub(crate) fn check(file: &Path, sets: &[String]) -> Result<(), String> {
    let p = load(file, sets)?;
    let method = solver::methods::build::<f64>(&p, p.spec.training.seed);
    solver::app::run::check_resources(&p, method.params().len()).map_err(|e| e.to_string())?;
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
        method.params().len(),
        method.network_params()
    );
    if let Some(inputs) = &p.model.inputs {
        let texts: Vec<&str> = inputs.iter().map(|f| f.source()).collect();
        println!("  inputs      {}", texts.join(", "));
    }
    if let Some(output) = &p.model.output {
        for (field, e) in p.symbols.fields.iter().zip(output) {
            println!("  output      {field} = {}", e.source());
        }
        let held = solver::methods::pinn::held_by_construction(&p);
        let all = solver::setup::term_specs(&p);
        let by_construction: Vec<&str> = all[1..]
            .iter()
            .zip(&held)
            .filter(|(_, &h)| h)
            .map(|(spec, _)| spec.name.as_str())
            .collect();
        if !by_construction.is_empty() {
            println!(
                "  held        {} by construction (left out of the loss)",
                by_construction.join("; ")
            );
        }
    }
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
