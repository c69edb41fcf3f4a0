//! Where the experts' equations are imposed: points drawn afresh at every step (the paper
//! draws a new random mask at every call), split among the blocks.

use super::{Blocks, InitialAnsatz};
use crate::pinn::{PointSource, Target, TermSpec};
use operators::{JetLayout, Points, Rng};
use problems::Sampling;

/// Where the experts' equations are imposed, drawn afresh at every step.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpertPoints {
    /// PDE constraint points in each block.
    pub constraint: usize,
    /// Whether every expert holds every condition's points (else those in its block).
    pub global_conditions: bool,
    /// Points on each interface where the outer loss compares the neighbours' solutions
    /// (0: none, the blocks are only stitched together).
    pub interface: usize,
    /// Weight of the interface term in the outer loss.
    pub interface_weight: f64,
    /// Whether each expert's constraint also asks its solution to take, on the interface
    /// points, the values of its neighbours' solutions of the previous step (a Schwarz
    /// iteration carried along the training steps; the experts stay independent within a
    /// step).
    pub neighbour_rows: bool,
    /// How the points are drawn.
    pub sampling: Sampling,
}

/// Points where one term's equations are imposed, with the term's target values there.
pub(super) struct PointSet {
    pub term: usize,
    /// `n × dims`, column-major.
    pub x: Vec<f64>,
    pub target: Option<Vec<f64>>,
    /// The jets of an initial ansatz's u0 at the points, in the term's layout.
    pub offset: Option<Vec<f64>>,
}

/// What one expert works on in a step.
#[derive(Default)]
pub(super) struct Expert {
    /// Constraint rows: PDE points in the block, then the conditions' points.
    pub constraint: Vec<PointSet>,
    /// The outer loss's points that fall in the block, one set per term.
    pub outer: Vec<PointSet>,
}

impl ExpertPoints {
    /// Every expert's points for one step: fresh constraint points in each block, fresh
    /// condition rows, fresh outer points; with the outer loss's point count per term.
    pub(super) fn draw(
        &self,
        terms: &[TermSpec],
        layouts: &[JetLayout],
        blocks: &Blocks,
        ansatz: Option<&InitialAnsatz>,
        rng: &mut Rng,
    ) -> (Vec<Expert>, Vec<usize>) {
        let mut experts: Vec<Expert> = (0..blocks.len()).map(|_| Expert::default()).collect();
        let mut outer_points = Vec::new();
        let target = |t: &TermSpec, points: &Points<f64>| match &t.target {
            Some(Target::Expression(p)) => Some(p.eval_at_points(points)),
            Some(Target::Values(_)) => unreachable!("problems reject data conditions here"),
            None => None,
        };
        for (e, expert) in experts.iter_mut().enumerate() {
            let source = PointSource::Interior {
                domain: blocks.bounds(e),
                n: self.constraint,
                sampling: self.sampling,
            };
            let points = source.draw::<f64>(rng);
            expert.constraint = vec![PointSet {
                term: 0,
                target: target(&terms[0], &points),
                x: points.coords().to_vec(),
                offset: None,
            }];
        }
        // The initial ansatz satisfies its term exactly: no rows, no outer points.
        let kept = |t: &usize| ansatz.is_none_or(|a| a.term != *t);
        for (t, term) in terms.iter().enumerate().skip(1).filter(|(t, _)| kept(t)) {
            let points = term.source.draw::<f64>(rng);
            let values = target(term, &points);
            if self.global_conditions {
                let x = points.coords().to_vec();
                for expert in &mut experts {
                    expert.constraint.push(PointSet {
                        term: t,
                        x: x.clone(),
                        target: values.clone(),
                        offset: None,
                    });
                }
            } else {
                let shares = split(blocks, t, &points, values.as_deref());
                for (expert, set) in experts.iter_mut().zip(shares) {
                    expert.constraint.push(set);
                }
            }
        }
        for (t, term) in terms.iter().enumerate() {
            if !kept(&t) {
                outer_points.push(0);
                continue;
            }
            let points = term.source.draw::<f64>(rng);
            outer_points.push(points.len());
            let values = target(term, &points);
            for (expert, set) in
                experts
                    .iter_mut()
                    .zip(split(blocks, t, &points, values.as_deref()))
            {
                expert.outer.push(set);
            }
        }
        if let Some(a) = ansatz {
            for expert in &mut experts {
                for set in expert.constraint.iter_mut().chain(&mut expert.outer) {
                    set.offset = a.offset(&layouts[set.term], &set.x);
                }
            }
        }
        (experts, outer_points)
    }
}

/// Splits points among the blocks, keeping each point's target value.
fn split(
    blocks: &Blocks,
    term: usize,
    points: &Points<f64>,
    target: Option<&[f64]>,
) -> Vec<PointSet> {
    let mut members = vec![Vec::new(); blocks.len()];
    for i in 0..points.len() {
        members[blocks.of(|a| points.axis(a)[i])].push(i);
    }
    members
        .into_iter()
        .map(|m| PointSet {
            term,
            x: points.select(&m).coords().to_vec(),
            target: target.map(|t| m.iter().map(|&i| t[i]).collect()),
            offset: None,
        })
        .collect()
}
