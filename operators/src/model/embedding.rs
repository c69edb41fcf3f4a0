//! Fixed input embeddings: random Fourier features and exact periodic features, both
//! `[x_a for passthrough axes, cos(x·B), sin(x·B)]` with a fixed matrix B; or features
//! written as expressions of the coordinates.

use crate::expr::{Inputs, JetProgram, Program};
use crate::jet::{chain_forward, ChainScratch, JetLayout};
use crate::{Activation, Real, Rng};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// How raw coordinates are turned into the network's first features.
#[derive(Clone, Debug, PartialEq)]
pub enum Embedding {
    /// The coordinates themselves.
    Identity,
    /// Random Fourier features [cos(2π x B), sin(2π x B)], B ~ N(0, scale²), `features` columns.
    Fourier {
        /// Number of columns of B.
        features: usize,
        /// Standard deviation of B's entries.
        scale: f64,
    },
    /// Exact periodicity along `axes` (axis, period L): [cos(kωx), sin(kωx)], ω = 2π/L, k = 1..=modes;
    /// other axes pass through unchanged.
    Periodic {
        /// Each periodic axis and its period L.
        axes: Vec<(usize, f64)>,
        /// Fourier modes per periodic axis.
        modes: usize,
    },
    /// Features given as expressions of the coordinates (`[model] inputs`), with exact jets:
    /// `t, cos(pi*x), sin(pi*x)` makes the network periodic in x.
    Features(Vec<Program>),
}

/// An embedding made concrete: which axes pass through and the frequency matrix (dims × m).
#[derive(Clone, Debug)]
pub(crate) struct InputMap<T> {
    pub passthrough: Vec<usize>,
    pub freqs: Vec<T>,
    pub m: usize,
    pub features: Vec<Program>,
}

impl<T: Real> InputMap<T> {
    pub fn new(e: &Embedding, dims: usize, rng: &mut Rng) -> Self {
        match e {
            Embedding::Identity => InputMap {
                passthrough: (0..dims).collect(),
                freqs: vec![],
                m: 0,
                features: vec![],
            },
            Embedding::Fourier { features, scale } => {
                let freqs = (0..dims * features)
                    .map(|_| T::from_f64(2.0 * core::f64::consts::PI * scale * rng.normal()))
                    .collect();
                InputMap {
                    passthrough: vec![],
                    freqs,
                    m: *features,
                    features: vec![],
                }
            }
            Embedding::Periodic { axes, modes } => {
                let m = axes.len() * modes;
                let mut freqs = vec![T::zero(); dims * m];
                for (i, &(axis, period)) in axes.iter().enumerate() {
                    for k in 1..=*modes {
                        let col = i * modes + (k - 1);
                        freqs[col * dims + axis] =
                            T::from_f64(2.0 * core::f64::consts::PI * k as f64 / period);
                    }
                }
                let passthrough = (0..dims)
                    .filter(|a| !axes.iter().any(|&(b, _)| b == *a))
                    .collect();
                InputMap {
                    passthrough,
                    freqs,
                    m,
                    features: vec![],
                }
            }
            Embedding::Features(features) => InputMap {
                passthrough: vec![],
                freqs: vec![],
                m: 0,
                features: features.clone(),
            },
        }
    }

    pub fn is_identity(&self) -> bool {
        self.m == 0 && self.features.is_empty()
    }

    pub fn width(&self) -> usize {
        self.passthrough.len() + 2 * self.m + self.features.len()
    }

    /// The features' jet programs in `layout`; panics on a feature with no derivative there
    /// (problem files are checked first: see [`Program::derivative`]).
    pub fn feature_jets(&self, layout: &JetLayout) -> Vec<JetProgram> {
        self.features
            .iter()
            .map(|f| JetProgram::new(f, layout).expect("input features are smooth"))
            .collect()
    }

    /// Feature jets (`rows × features`) at `n` points `x`; `regs` is the programs' scratch.
    pub fn features_forward(
        &self,
        layout: &JetLayout,
        x: &[T],
        n: usize,
        jets: &[JetProgram],
        regs: &mut [T],
        out: &mut [T],
    ) {
        let inp = Inputs {
            n,
            layout,
            jets: &[],
            x,
            params: &[],
        };
        for (jet, out) in jets.iter().zip(out.chunks_mut(layout.len() * n)) {
            jet.eval(&inp, regs, out);
        }
    }

    /// Embedded jets (`rows × width`) from input jets (`rows × dims`); `z` is `rows × m` scratch.
    pub fn forward(
        &self,
        layout: &JetLayout,
        xj: &[T],
        z: &mut [T],
        out: &mut [T],
        scratch: &mut ChainScratch<T>,
    ) {
        let rows = xj.len() / layout.dims();
        for (j, &a) in self.passthrough.iter().enumerate() {
            out[j * rows..(j + 1) * rows].copy_from_slice(&xj[a * rows..(a + 1) * rows]);
        }
        if self.m == 0 {
            return;
        }
        matmul(
            MatMut::from_column_major_slice_mut(z, rows, self.m),
            Accum::Replace,
            MatRef::from_column_major_slice(xj, rows, layout.dims()),
            MatRef::from_column_major_slice(&self.freqs, layout.dims(), self.m),
            T::one(),
            Par::Seq,
        );
        let p = self.passthrough.len();
        for j in 0..self.m {
            let zc = &z[j * rows..(j + 1) * rows];
            let (c, s) = ((p + j) * rows, (p + self.m + j) * rows);
            chain_forward(layout, &Activation::Cos, zc, &mut out[c..c + rows], scratch);
            chain_forward(
                layout,
                &Activation::Sin { w0: 1.0 },
                zc,
                &mut out[s..s + rows],
                scratch,
            );
        }
    }
}
