//! INSR (Chen, Wu, Grinspun, Zheng, Chen): the network's weights are the spatial
//! discretization. Each time step copies the weights into a frozen previous field and
//! optimizes them, warm-started, so that the new field satisfies a classical integrator's
//! update (problems::Integrator); the initial values are fitted by regression first. The
//! method that advances a [`Stepper`] solve by solve is [`crate::methods::insr`].

mod elastic;
mod fluid;
mod jets;
mod objective;
mod solve;
mod state;

pub use elastic::Elastic;
pub use fluid::Fluid;
pub use objective::InsrObjective;
pub use solve::{solve, Fresh, SolveReport, Stop};
pub use state::{SolveRecord, State};

use crate::{network, relative_l2, Grid};
use operators::{Points, Real, Rng};
use problems::spec::InsrSpec;
use problems::{Integrator, Problem, Reference};

/// A simulation INSR advances; its networks' parameters live in one vector.
pub trait Stepper<T: Real> {
    /// Length of the parameter vector a step carries.
    fn n_params(&self) -> usize;
    /// Parameters of the networks that hold the fields (the vector may carry more state).
    fn network_params(&self) -> usize {
        self.n_params()
    }
    /// Starting parameters, drawn by the networks' initialization.
    fn init_params(&self, rng: &mut Rng) -> Vec<T>;
    /// Fits the initial values by regression.
    fn initial(
        &mut self,
        params: &mut [T],
        s: &InsrSpec,
        iterations: usize,
        rng: &mut Rng,
    ) -> Result<SolveReport, String>;
    /// Advances `params` from step `n` (time t0 + n·dt) to the next.
    fn step(
        &mut self,
        n: usize,
        params: &mut [T],
        s: &InsrSpec,
        rng: &mut Rng,
    ) -> Result<SolveReport, String>;
    /// Every field of the problem at spatial `points`.
    fn fields(&self, params: &[T], points: &Points<T>) -> Vec<Vec<f64>>;
    /// How many fields, the first, are compared with the reference (not a pressure, which
    /// is known up to a constant).
    fn compared(&self) -> usize;
    /// Whether the fields displace the domain (frames then show the deformed shape).
    fn deforms(&self) -> bool {
        false
    }
    /// Quantities followed step by step (energies, volume), on `points` spread evenly over
    /// the domain.
    fn diagnostics(&self, _params: &[T], _points: &Points<T>) -> Vec<(&'static str, f64)> {
        vec![]
    }
    /// The names [`diagnostics`](Self::diagnostics) gives, in its order.
    fn diagnostic_names(&self) -> Vec<&'static str> {
        vec![]
    }
}

/// The problem's simulation: the fluid solver for the splitting integrator, otherwise one
/// network of all fields stepped by the integrator.
pub fn stepper<T: Real>(p: &Problem, rng: &mut Rng) -> Box<dyn Stepper<T>> {
    let insr = p.method.insr().expect("an INSR problem");
    let dims = p.dims() - 1;
    match insr.settings.integrator {
        Integrator::Splitting => {
            let velocity = network::model_of(p, dims, 2, rng);
            let pressure = network::model_of(p, dims, 1, rng);
            Box::new(Fluid::new(p, velocity, pressure, rng))
        }
        Integrator::IncrementalPotential => {
            let net = network::model_of(p, dims, 2, rng);
            Box::new(Elastic::new(p, net, rng))
        }
        _ => {
            let net = network::model_of(p, dims, p.symbols.fields.len(), rng);
            Box::new(InsrObjective::new(p, net, rng))
        }
    }
}

/// Kinetic energy ½·mean(u² + v²) of a velocity on points spread evenly (per unit area).
pub fn kinetic_energy(u: &[f64], v: &[f64]) -> f64 {
    0.5 * u.iter().zip(v).map(|(a, b)| a * a + b * b).sum::<f64>() / u.len() as f64
}

/// Relative L2 error of the first `k` fields together.
pub fn compared_l2(u: &[Vec<f64>], v: &[Vec<f64>], k: usize) -> f64 {
    relative_l2(&u[..k].concat(), &v[..k].concat())
}

/// The reference at time `t` on the spatial grid, per field (analytic references only).
pub fn reference_at(p: &Problem, space: &Grid, t: f64) -> Option<Vec<Vec<f64>>> {
    let Some(Reference::Analytic(programs)) = &p.reference else {
        return None;
    };
    let points = with_time(space, t);
    Some(
        programs
            .iter()
            .map(|prog| prog.eval_at_points(&points))
            .collect(),
    )
}

/// The points of a spatial grid at time `t` (the time coordinate last).
pub fn with_time(space: &Grid, t: f64) -> Points<f64> {
    let mut coords = space.points::<f64>().coords().to_vec();
    coords.extend(std::iter::repeat_n(t, space.len()));
    Points::new(space.axes.len() + 1, coords)
}

/// A bundled problem file with some text replaced (small networks, few points), for tests.
#[cfg(test)]
pub(crate) fn bundled(name: &str, edits: &[(&str, &str)]) -> Problem {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../problems/{name}.toml"));
    let text = edits
        .iter()
        .fold(std::fs::read_to_string(&path).unwrap(), |t, (a, b)| {
            t.replace(a, b)
        });
    Problem::from_str(&text, &path).unwrap()
}
