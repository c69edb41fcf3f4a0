//! The faces that neighbouring experts' blocks share. The paper's finite-difference stencils
//! reach across blocks; exact jets do not, so the blocks are tied together here: the outer
//! loss penalizes the jumps of u and of its normal derivatives below the PDE's order across
//! each face (u and u_x across x for u_xx, u alone across t), and each expert's constraint
//! can ask for its neighbours' solutions of the previous step there.

use super::least_squares::Rows;
use super::{Blocks, Interface};
use operators::expr::{Program, Symbols};
use operators::{JetLayout, Partial, Rng};
use problems::{Face, Sampling};

/// Points on the face two experts share.
pub struct Seam {
    pub interface: Interface,
    /// `n × dims`, column-major.
    pub x: Vec<f64>,
    /// The jets of the lower and the upper expert's previous solutions at the points, in
    /// the seam's layout: the targets of the neighbour rows (none before the first step).
    pub previous: Option<[Vec<f64>; 2]>,
}

/// Every interface of a block partition, with what is compared across it.
pub struct Seams {
    pub list: Vec<Seam>,
    /// Per axis, the jets compared across faces normal to it, as expressions and as the
    /// layout they read.
    jets: Vec<Vec<Program>>,
    layouts: Vec<JetLayout>,
    /// Points drawn on each seam.
    points: usize,
    pub weight: f64,
}

impl Seams {
    /// The interfaces of `blocks` (none when `points` is 0), comparing ∂^k u for k below the
    /// order of the PDE (read through `pde`) along each axis; `symbols` name the field and
    /// coordinates.
    pub fn new(
        blocks: &Blocks,
        pde: &JetLayout,
        symbols: &Symbols,
        points: usize,
        weight: f64,
    ) -> Self {
        let dims = pde.dims();
        let jets: Vec<Vec<Program>> = (0..dims)
            .map(|a| {
                let order = pde.slots().iter().map(|p| p.count(a)).max();
                let name = &symbols.fields[0];
                (0..order.unwrap_or(0).max(1))
                    .map(|k| {
                        let text = match k {
                            0 => name.clone(),
                            _ => format!("{name}_{}", symbols.coords[a].repeat(k)),
                        };
                        Program::compile(&text, symbols).expect("a field's derivative compiles")
                    })
                    .collect()
            })
            .collect();
        let layouts = jets
            .iter()
            .map(|j| crate::pinn::layout_read_by(j, dims))
            .collect();
        let interfaces = if points > 0 {
            blocks.interfaces()
        } else {
            Vec::new()
        };
        Seams {
            list: interfaces
                .into_iter()
                .map(|interface| Seam {
                    interface,
                    x: Vec::new(),
                    previous: None,
                })
                .collect(),
            jets,
            layouts,
            points,
            weight,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The jets a seam's comparisons read.
    pub fn layout(&self, seam: &Seam) -> &JetLayout {
        &self.layouts[seam.interface.axis]
    }

    /// How many jets are compared on a seam.
    pub fn equations(&self, seam: &Seam) -> usize {
        self.jets[seam.interface.axis].len()
    }

    /// Fresh points on every seam.
    pub fn resample(&mut self, blocks: &Blocks, sampling: Sampling, rng: &mut Rng) {
        for seam in &mut self.list {
            let face = Face {
                axis: seam.interface.axis,
                upper: true,
            };
            let block = blocks.bounds(seam.interface.lower);
            let points = block.sample_face::<f64>(face, self.points, sampling, rng);
            seam.x = points.coords().to_vec();
        }
    }

    /// Rows asking the solution on seam `s` (basis jets `basis`) to take the jets of the
    /// neighbour's previous solution: the lower one's when `from_lower`.
    pub fn rows<'a>(&'a self, s: usize, from_lower: bool, basis: &'a [f64]) -> Vec<Rows<'a>> {
        let seam = &self.list[s];
        let axis = seam.interface.axis;
        let layout = self.layout(seam);
        let n = seam.x.len() / layout.dims();
        let previous = seam.previous.as_ref().expect("neighbour rows after a step");
        let jets = &previous[usize::from(!from_lower)];
        self.jets[axis]
            .iter()
            .enumerate()
            .map(|(k, program)| {
                let slot = layout.slot(&Partial::from_axes(&vec![axis; k]));
                let slot = slot.expect("the seam layout holds every jet");
                Rows {
                    program,
                    layout,
                    x: &seam.x,
                    basis,
                    target: Some(&jets[slot * n..(slot + 1) * n]),
                    // Both sides share any ansatz offset: the jets compared are Φ·w alone.
                    offset: None,
                    weight: self.weight,
                }
            })
            .collect()
    }

    /// The jump term of one seam, weight·mean over all seams' points of the squared jumps:
    /// its value, with `jumps` overwritten by the term's adjoint.
    pub fn penalty(&self, jumps: &mut [f64]) -> f64 {
        let scale = self.weight / (self.points * self.list.len()) as f64;
        let value = scale * jumps.iter().map(|j| j * j).sum::<f64>();
        jumps.iter_mut().for_each(|j| *j *= 2.0 * scale);
        value
    }
}
