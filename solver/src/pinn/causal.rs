//! Causal weighting (Wang, Sankaran, Perdikaris): the residual in a later time bin counts
//! only once the earlier bins are resolved, w_k = exp(−ε Σ_{j<k} L_j), with no gradient
//! through w.

/// Time bins over [t0, t1] along the time axis, and the causality parameter ε.
#[derive(Clone, Debug, PartialEq)]
pub struct Causal {
    /// Which input is time.
    pub axis: usize,
    /// Start of the binned interval.
    pub t0: f64,
    /// End of the binned interval.
    pub t1: f64,
    /// Number of time bins.
    pub bins: usize,
    /// The causality parameter ε: how strongly later bins wait for earlier ones.
    pub eps: f64,
}

impl Causal {
    /// The bin of time `t`.
    pub fn bin(&self, t: f64) -> usize {
        let k = ((t - self.t0) / (self.t1 - self.t0) * self.bins as f64).floor();
        (k.max(0.0) as usize).min(self.bins - 1)
    }

    /// Weights from the per-bin mean losses: w_0 = 1, w_k = exp(−ε Σ_{j<k} L_j).
    pub fn weights(&self, losses: &[f64], weights: &mut [f64]) {
        let mut acc = 0.0;
        for (w, l) in weights.iter_mut().zip(losses) {
            *w = (-self.eps * acc).exp();
            acc += l;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_decay_with_the_accumulated_loss() {
        let c = Causal {
            axis: 1,
            t0: 0.0,
            t1: 1.0,
            bins: 4,
            eps: 10.0,
        };
        let mut w = [0.0; 4];
        c.weights(&[0.1, 0.0, 0.2, 5.0], &mut w);
        assert_eq!(w[0], 1.0);
        assert!((w[1] - (-1.0f64).exp()).abs() < 1e-15);
        assert!((w[2] - (-1.0f64).exp()).abs() < 1e-15);
        assert!((w[3] - (-3.0f64).exp()).abs() < 1e-15);
        assert_eq!(
            (c.bin(0.0), c.bin(0.26), c.bin(1.0), c.bin(-0.1)),
            (0, 1, 3, 0)
        );
    }
}
