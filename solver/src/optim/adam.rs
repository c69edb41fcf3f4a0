//! Adam (Kingma & Ba) with bias correction and a learning-rate schedule.

use super::Schedule;
use operators::Real;

/// Adam's hyperparameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Initial learning rate.
    pub lr: f64,
    /// Decay of the first moment.
    pub beta1: f64,
    /// Decay of the second moment.
    pub beta2: f64,
    /// Added to the second moment's root, against division by zero.
    pub eps: f64,
    /// The learning rate over the steps.
    pub schedule: Schedule,
    /// Gradients longer than this (Euclidean norm) are scaled down to it; `None`: never.
    pub clip_norm: Option<f64>,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            schedule: Schedule::default(),
            clip_norm: None,
        }
    }
}

/// Adam's state: first and second moments and the step count (all a checkpoint needs).
#[derive(Clone, Debug, PartialEq)]
pub struct Adam<T> {
    /// The hyperparameters.
    pub config: AdamConfig,
    /// First moments, per parameter.
    pub m: Vec<T>,
    /// Second moments, per parameter.
    pub v: Vec<T>,
    /// Steps taken.
    pub step: u64,
}

impl<T: Real> Adam<T> {
    /// Adam at step 0 for `n` parameters.
    pub fn new(config: AdamConfig, n: usize) -> Self {
        Adam {
            config,
            m: vec![T::zero(); n],
            v: vec![T::zero(); n],
            step: 0,
        }
    }

    /// The learning rate the next step will use.
    pub fn lr(&self) -> f64 {
        self.config.lr * self.config.schedule.factor(self.step)
    }

    /// x ← x − lr · m̂ / (sqrt(v̂) + ε), with the gradient first clipped to `clip_norm`.
    pub fn step(&mut self, x: &mut [T], grad: &[T]) {
        let c = &self.config;
        let lr = self.lr();
        let clip = c.clip_norm.map_or(1.0, |max| {
            let norm = grad.iter().map(|g| g.to_f64().powi(2)).sum::<f64>().sqrt();
            if norm > max {
                max / norm
            } else {
                1.0
            }
        });
        let clip = T::from_f64(clip);
        self.step += 1;
        let (b1, b2) = (T::from_f64(c.beta1), T::from_f64(c.beta2));
        let (one, eps) = (T::one(), T::from_f64(c.eps));
        let c1 = T::from_f64(1.0 - c.beta1.powi(self.step as i32));
        let c2 = T::from_f64(1.0 - c.beta2.powi(self.step as i32));
        let lr = T::from_f64(lr);
        for (((x, &g), m), v) in x.iter_mut().zip(grad).zip(&mut self.m).zip(&mut self.v) {
            let g = clip * g;
            *m = b1 * *m + (one - b1) * g;
            *v = b2 * *v + (one - b2) * g * g;
            *x -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first Adam step moves every coordinate by lr against the gradient's sign.
    #[test]
    fn first_step_is_lr_times_sign() {
        let mut adam = Adam::<f64>::new(
            AdamConfig {
                schedule: Schedule::Constant,
                ..Default::default()
            },
            3,
        );
        let mut x = vec![1.0, 1.0, 1.0];
        adam.step(&mut x, &[2.0, -0.5, 1e-3]);
        for (xi, s) in x.iter().zip([-1.0, 1.0, -1.0]) {
            assert!((xi - (1.0 + s * 1e-3)).abs() < 1e-8);
        }
    }

    /// A clipped gradient moves Adam's moments as the gradient scaled to the clip norm.
    #[test]
    fn clipping_scales_the_gradient_to_the_clip_norm() {
        let config = AdamConfig {
            schedule: Schedule::Constant,
            clip_norm: Some(1.0),
            ..Default::default()
        };
        let mut clipped = Adam::<f64>::new(config, 2);
        let mut x = vec![0.0; 2];
        clipped.step(&mut x, &[30.0, 40.0]);
        assert!((clipped.m[0] - 0.1 * 0.6).abs() < 1e-15, "{:?}", clipped.m);
        assert!((clipped.m[1] - 0.1 * 0.8).abs() < 1e-15, "{:?}", clipped.m);
        // Below the norm, nothing changes.
        let mut short = Adam::<f64>::new(config, 2);
        short.step(&mut x, &[0.3, 0.4]);
        assert!((short.m[0] - 0.1 * 0.3).abs() < 1e-15);
    }

    #[test]
    fn minimizes_a_quadratic() {
        let mut adam = Adam::<f64>::new(
            AdamConfig {
                lr: 0.05,
                schedule: Schedule::Constant,
                ..Default::default()
            },
            2,
        );
        let mut x = vec![3.0, -2.0];
        for _ in 0..2000 {
            let g = [2.0 * x[0], 20.0 * x[1]];
            adam.step(&mut x, &g);
        }
        assert!(x[0].abs() < 1e-3 && x[1].abs() < 1e-3, "{x:?}");
    }
}
