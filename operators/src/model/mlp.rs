//! The MLP family: plain MLP, modified (gated) MLP, SIREN, each optionally behind a
//! Fourier or periodic embedding. Forward and backward act on jets, one GEMM per layer.

use super::dense::{dense_backward, dense_forward};
use super::embedding::{Embedding, InputMap};
use super::{Field, ParamView};
use crate::expr::JetProgram;
use crate::jet::{
    chain_backward, chain_forward, input_jets, product_backward, product_forward, ChainScratch,
};
use crate::{Activation, JetLayout, Real, Rng};

/// Weight initialization.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Xavier (Glorot) normal weights, std = sqrt(2/(fan_in+fan_out)), zero biases.
    Xavier,
    /// SIREN: first layer U(−1/n, 1/n), later layers U(±sqrt(6/n)/ω₀), biases U(±1/sqrt(n)).
    Siren {
        /// The frequency ω₀ of the network's sine activations.
        w0: f64,
    },
}

/// The shape and kind of an MLP.
#[derive(Clone, Debug, PartialEq)]
pub struct MlpConfig {
    /// Number of input coordinates.
    pub inputs: usize,
    /// Number of outputs.
    pub outputs: usize,
    /// Widths of the hidden layers.
    pub hidden: Vec<usize>,
    /// The nonlinearity of every hidden layer.
    pub activation: Activation,
    /// How the coordinates become the first layer's features.
    pub embedding: Embedding,
    /// Modified MLP (Wang et al.): H ← Z⊙U + (1−Z)⊙V with gates U, V from the embedded input.
    pub gated: bool,
    /// How the weights are drawn.
    pub init: Init,
}

impl Default for MlpConfig {
    fn default() -> Self {
        MlpConfig {
            inputs: 2,
            outputs: 1,
            hidden: vec![50; 4],
            activation: Activation::Tanh,
            embedding: Embedding::Identity,
            gated: false,
            init: Init::Xavier,
        }
    }
}

impl MlpConfig {
    /// A SIREN with the given hidden widths and ω₀ (30 in the paper).
    pub fn siren(inputs: usize, outputs: usize, hidden: Vec<usize>, w0: f64) -> Self {
        MlpConfig {
            inputs,
            outputs,
            hidden,
            activation: Activation::Sin { w0 },
            init: Init::Siren { w0 },
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug)]
struct Dense {
    w: usize,
    b: usize,
    din: usize,
    dout: usize,
}

impl Dense {
    fn params<'a, T>(&self, p: &'a [T]) -> (&'a [T], &'a [T]) {
        (&p[self.w..self.b], &p[self.b..self.b + self.dout])
    }
    fn grads<'a, T>(&self, g: &'a mut [T]) -> (&'a mut [T], &'a mut [T]) {
        let (w, b) = g[self.w..self.b + self.dout].split_at_mut(self.b - self.w);
        (w, b)
    }
}

/// A multilayer perceptron over jets.
#[derive(Clone, Debug)]
pub struct Mlp<T> {
    config: MlpConfig,
    map: InputMap<T>,
    views: Vec<ParamView>,
    /// [U|V] gates (modified MLP only).
    gate: Option<Dense>,
    layers: Vec<Dense>,
}

impl<T: Real> Mlp<T> {
    /// Builds the network; `rng` draws the fixed Fourier features if any.
    pub fn new(config: MlpConfig, rng: &mut Rng) -> Self {
        assert!(
            !config.hidden.is_empty(),
            "an MLP needs at least one hidden layer"
        );
        if config.gated {
            assert!(
                config.hidden.iter().all(|&w| w == config.hidden[0]),
                "a modified MLP needs equal hidden widths"
            );
        }
        let map = InputMap::new(&config.embedding, config.inputs, rng);
        let mut views = Vec::new();
        let mut offset = 0;
        let mut dense = |name: &str, din: usize, dout: usize| {
            views.push(ParamView {
                name: format!("{name}.weight"),
                offset,
                rows: din,
                cols: dout,
            });
            views.push(ParamView {
                name: format!("{name}.bias"),
                offset: offset + din * dout,
                rows: dout,
                cols: 1,
            });
            let d = Dense {
                w: offset,
                b: offset + din * dout,
                din,
                dout,
            };
            offset += din * dout + dout;
            d
        };
        let d0 = map.width();
        let gate = config
            .gated
            .then(|| dense("gate", d0, 2 * config.hidden[0]));
        let mut layers = Vec::new();
        let mut din = d0;
        for (i, &w) in config.hidden.iter().enumerate() {
            layers.push(dense(&format!("hidden{i}"), din, w));
            din = w;
        }
        layers.push(dense("output", din, config.outputs));
        Mlp {
            config,
            map,
            views,
            gate,
            layers,
        }
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &MlpConfig {
        &self.config
    }

    fn hidden_width(&self) -> usize {
        self.config.hidden[0]
    }
}

/// out = u − v: the gate's spread, which the modified MLP multiplies by the activation.
fn difference<T: Real>(out: &mut [T], u: &[T], v: &[T]) {
    out.iter_mut()
        .zip(u.iter().zip(v))
        .for_each(|(c, (&u, &v))| *c = u - v);
}

/// What dense layer `l` reads: the embedded input for the first, else the previous layer's
/// output (its gated mix `h` in a modified MLP, where `h` is kept; its activation `a` otherwise).
fn layer_input<'a, T>(l: usize, h0: &'a [T], h: &'a [Vec<T>], a: &'a [Vec<T>]) -> &'a [T] {
    match l {
        0 => h0,
        _ if !h[l - 1].is_empty() => &h[l - 1],
        _ => &a[l - 1],
    }
}

/// Buffers of one batch: input jets, each layer's pre- and post-activation jets, adjoints.
pub struct MlpTape<T> {
    layout: JetLayout,
    n: usize,
    xj: Vec<T>,
    emb_z: Vec<T>,
    emb: Vec<T>,
    gate_z: Vec<T>,
    gate: Vec<T>,
    /// Per hidden layer: pre-activation, activation, and (gated) mixed output.
    z: Vec<Vec<T>>,
    a: Vec<Vec<T>>,
    h: Vec<Vec<T>>,
    out: Vec<T>,
    hbar: Vec<T>,
    zbar: Vec<T>,
    abar: Vec<T>,
    gate_bar: Vec<T>,
    gate_zbar: Vec<T>,
    col: Vec<T>,
    col_bar: Vec<T>,
    chain: ChainScratch<T>,
    /// The jets of expression features (`[model] inputs`) in this layout, and their scratch.
    features: Vec<JetProgram>,
    feature_regs: Vec<T>,
}

impl<T: Real> Field<T> for Mlp<T> {
    type Tape = MlpTape<T>;

    fn inputs(&self) -> usize {
        self.config.inputs
    }

    fn outputs(&self) -> usize {
        self.config.outputs
    }

    fn param_views(&self) -> &[ParamView] {
        &self.views
    }

    fn init_params(&self, rng: &mut Rng) -> Vec<T> {
        let mut p = vec![T::zero(); self.n_params()];
        let all = self.gate.iter().chain(&self.layers);
        for (i, d) in all.enumerate() {
            let first = i == 0 || (self.gate.is_some() && i == 1);
            for v in &mut p[d.w..d.b] {
                *v = T::from_f64(match self.config.init {
                    Init::Xavier => rng.normal() * (2.0 / (d.din + d.dout) as f64).sqrt(),
                    Init::Siren { .. } if first => rng.uniform_in(-1.0, 1.0) / d.din as f64,
                    Init::Siren { w0 } => {
                        rng.uniform_in(-1.0, 1.0) * (6.0 / d.din as f64).sqrt() / w0
                    }
                });
            }
            if let Init::Siren { .. } = self.config.init {
                let bound = 1.0 / (d.din as f64).sqrt();
                for v in &mut p[d.b..d.b + d.dout] {
                    *v = T::from_f64(rng.uniform_in(-bound, bound));
                }
            }
        }
        p
    }

    fn tape(&self, layout: &JetLayout, n: usize) -> MlpTape<T> {
        assert_eq!(
            layout.dims(),
            self.config.inputs,
            "layout and network disagree on input dimension"
        );
        self.feature_tape(layout, n)
    }

    fn retape(&self, tape: &mut MlpTape<T>, layout: &JetLayout, n: usize) {
        assert_eq!(
            layout.dims(),
            self.config.inputs,
            "layout and network disagree on input dimension"
        );
        self.shape_tape(tape, layout, n);
    }

    fn forward(&self, params: &[T], x: &[T], t: &mut MlpTape<T>) {
        if !t.features.is_empty() {
            let (jets, regs) = (&t.features, &mut t.feature_regs);
            self.map
                .features_forward(&t.layout, x, t.n, jets, regs, &mut t.emb);
        } else {
            input_jets(&t.layout, x, t.n, &mut t.xj);
        }
        if self.map.m > 0 {
            self.map
                .forward(&t.layout, &t.xj, &mut t.emb_z, &mut t.emb, &mut t.chain);
        }
        self.forward_features(params, t);
    }

    fn output<'t>(&self, tape: &'t MlpTape<T>) -> &'t [T] {
        &tape.out
    }

    fn backward(&self, params: &[T], out_bar: &[T], t: &mut MlpTape<T>, grad: &mut [T]) {
        self.backward_layers(params, out_bar, t, grad, false);
    }
}

/// A network fed with feature jets computed elsewhere (the Gaussians of a PIG decoder): its
/// input jets are `slots·n × inputs` over a layout of any number of axes.
impl<T: Real> Mlp<T> {
    pub(crate) fn feature_tape(&self, layout: &JetLayout, n: usize) -> MlpTape<T> {
        let hidden = self.config.hidden.len();
        let mut tape = MlpTape {
            layout: layout.clone(),
            n,
            xj: vec![],
            emb_z: vec![],
            emb: vec![],
            gate_z: vec![],
            gate: vec![],
            z: vec![vec![]; hidden],
            a: vec![vec![]; hidden],
            h: vec![vec![]; hidden],
            out: vec![],
            hbar: vec![],
            zbar: vec![],
            abar: vec![],
            gate_bar: vec![],
            gate_zbar: vec![],
            col: vec![],
            col_bar: vec![],
            chain: ChainScratch::new(layout, 0),
            features: vec![],
            feature_regs: vec![],
        };
        self.shape_tape(&mut tape, layout, n);
        tape
    }

    /// Sizes every buffer of `t` for `n` points of `layout`, zeroed, in the memory it has.
    pub(crate) fn shape_tape(&self, t: &mut MlpTape<T>, layout: &JetLayout, n: usize) {
        let rows = layout.len() * n;
        let zeros = |v: &mut Vec<T>, cols: usize| {
            v.clear();
            v.resize(rows * cols, T::zero());
        };
        let wmax = self.layers.iter().map(|d| d.din.max(d.dout)).max().unwrap();
        let gated = self.config.gated;
        let gw = if gated { 2 * self.hidden_width() } else { 0 };
        if !self.map.features.is_empty() && (t.features.is_empty() || t.layout != *layout) {
            t.features = self.map.feature_jets(layout);
        }
        t.layout.clone_from(layout);
        t.n = n;
        zeros(&mut t.xj, self.config.inputs);
        zeros(&mut t.emb_z, self.map.m);
        let emb = if self.map.is_identity() {
            0
        } else {
            self.map.width()
        };
        zeros(&mut t.emb, emb);
        zeros(&mut t.gate_z, gw);
        zeros(&mut t.gate, gw);
        for (l, &w) in self.config.hidden.iter().enumerate() {
            zeros(&mut t.z[l], w);
            zeros(&mut t.a[l], w);
            zeros(&mut t.h[l], if gated { w } else { 0 });
        }
        zeros(&mut t.out, self.config.outputs);
        zeros(&mut t.hbar, wmax);
        zeros(&mut t.zbar, wmax);
        zeros(&mut t.abar, if gated { self.hidden_width() } else { 0 });
        zeros(&mut t.gate_bar, gw);
        zeros(&mut t.gate_zbar, gw);
        zeros(&mut t.col, 1);
        zeros(&mut t.col_bar, 1);
        t.chain.reshape(layout, n);
        let regs = t.features.iter().map(JetProgram::registers).max();
        t.feature_regs.clear();
        t.feature_regs.resize(regs.unwrap_or(0) * n, T::zero());
    }

    /// The input jets a caller fills before [`Mlp::forward_features`].
    pub(crate) fn features_mut<'t>(&self, t: &'t mut MlpTape<T>) -> &'t mut [T] {
        &mut t.xj
    }

    /// The layers, from the embedded input (the features themselves without an embedding).
    pub(crate) fn forward_features(&self, params: &[T], t: &mut MlpTape<T>) {
        let (layout, n) = (&t.layout, t.n);
        let rows = layout.len() * n;
        let act = &self.config.activation;
        let h0: &[T] = if self.map.is_identity() {
            &t.xj
        } else {
            &t.emb
        };
        if let Some(g) = &self.gate {
            let (w, b) = g.params(params);
            dense_forward(h0, w, b, &mut t.gate_z, rows, n);
            for (zc, yc) in t.gate_z.chunks(rows).zip(t.gate.chunks_mut(rows)) {
                chain_forward(layout, act, zc, yc, &mut t.chain);
            }
        }
        let gated = self.gate.is_some();
        for (l, d) in self.layers[..self.layers.len() - 1].iter().enumerate() {
            let (w, b) = d.params(params);
            let input = layer_input(l, h0, &t.h, &t.a);
            dense_forward(input, w, b, &mut t.z[l], rows, n);
            for (zc, yc) in t.z[l].chunks(rows).zip(t.a[l].chunks_mut(rows)) {
                chain_forward(layout, act, zc, yc, &mut t.chain);
            }
            if gated {
                // H = V + A⊙(U − V)
                let (u, v) = t.gate.split_at(rows * d.dout);
                for j in 0..d.dout {
                    let r = j * rows..(j + 1) * rows;
                    let (uj, vj) = (&u[r.clone()], &v[r.clone()]);
                    difference(&mut t.col, uj, vj);
                    let hj = &mut t.h[l][r.clone()];
                    product_forward(layout, &t.a[l][r], &t.col, hj);
                    hj.iter_mut().zip(vj).for_each(|(h, &v)| *h += v);
                }
            }
        }
        let last = self.layers.len() - 1;
        let input = layer_input(last, h0, &t.h, &t.a);
        let (w, b) = self.layers[last].params(params);
        dense_forward(input, w, b, &mut t.out, rows, n);
    }

    /// Like [`Field::backward`], and returns the adjoint of the input features.
    pub(crate) fn backward_features<'t>(
        &self,
        params: &[T],
        out_bar: &[T],
        t: &'t mut MlpTape<T>,
        grad: &mut [T],
    ) -> &'t [T] {
        assert!(
            self.map.is_identity() && self.gate.is_none(),
            "features feed a plain network"
        );
        self.backward_layers(params, out_bar, t, grad, true);
        &t.hbar[..t.layout.len() * t.n * self.config.inputs]
    }

    /// Backward through the layers; with `input_adjoint`, the first layer also writes its
    /// input's adjoint into `hbar`.
    fn backward_layers(
        &self,
        params: &[T],
        out_bar: &[T],
        t: &mut MlpTape<T>,
        grad: &mut [T],
        input_adjoint: bool,
    ) {
        let (layout, n) = (&t.layout, t.n);
        let rows = layout.len() * n;
        let act = &self.config.activation;
        let gated = self.gate.is_some();
        let h0: &[T] = if self.map.is_identity() {
            &t.xj
        } else {
            &t.emb
        };
        let nl = self.layers.len();
        t.gate_bar.fill(T::zero());
        // Walk the layers backwards; `hbar` holds the adjoint of the current layer's output.
        for l in (0..nl).rev() {
            let d = &self.layers[l];
            let (w, _) = d.params(params);
            let zbar: &[T] = if l == nl - 1 {
                out_bar
            } else {
                // hbar → abar (through the gate) → zbar (through the activation).
                let hbar = &t.hbar[..rows * d.dout];
                let abar: &[T] = if gated {
                    let (u, v) = t.gate.split_at(rows * d.dout);
                    let (ubar, vbar) = t.gate_bar.split_at_mut(rows * d.dout);
                    t.abar.fill(T::zero());
                    for j in 0..d.dout {
                        let r = j * rows..(j + 1) * rows;
                        let (uj, vj) = (&u[r.clone()], &v[r.clone()]);
                        difference(&mut t.col, uj, vj);
                        t.col_bar.fill(T::zero());
                        product_backward(
                            layout,
                            &t.a[l][r.clone()],
                            &t.col,
                            &hbar[r.clone()],
                            &mut t.abar[r.clone()],
                            &mut t.col_bar,
                        );
                        for (i, k) in r.enumerate() {
                            ubar[k] += t.col_bar[i];
                            vbar[k] += hbar[k] - t.col_bar[i];
                        }
                    }
                    &t.abar
                } else {
                    hbar
                };
                let zbar = &mut t.zbar[..rows * d.dout];
                for j in 0..d.dout {
                    let r = j * rows..(j + 1) * rows;
                    chain_backward(
                        layout,
                        act,
                        &t.z[l][r.clone()],
                        &t.a[l][r.clone()],
                        &abar[r.clone()],
                        &mut zbar[r],
                        &mut t.chain,
                    );
                }
                &t.zbar[..rows * d.dout]
            };
            let input = layer_input(l, h0, &t.h, &t.a);
            let (gw, gb) = d.grads(grad);
            // The adjoint of the layer's input flows on into hidden layer l-1 (the gates collect theirs above).
            let hbar = (l > 0 || input_adjoint).then(|| &mut t.hbar[..rows * d.din]);
            dense_backward(input, w, zbar, gw, gb, hbar, rows, n);
        }
        if let Some(g) = &self.gate {
            for j in 0..g.dout {
                let r = j * rows..(j + 1) * rows;
                chain_backward(
                    layout,
                    act,
                    &t.gate_z[r.clone()],
                    &t.gate[r.clone()],
                    &t.gate_bar[r.clone()],
                    &mut t.gate_zbar[r],
                    &mut t.chain,
                );
            }
            let (w, _) = g.params(params);
            let (gw, gb) = g.grads(grad);
            dense_backward(h0, w, &t.gate_zbar, gw, gb, None, rows, n);
        }
    }
}
