//! Learning-rate schedules.

/// The learning rate as a function of the step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The initial rate throughout.
    Constant,
    /// lr · rate^(step / every); `staircase` rounds the exponent down (step decay).
    Exponential {
        /// The factor per `every` steps.
        rate: f64,
        /// Steps per factor.
        every: u64,
        /// Whether the exponent is rounded down.
        staircase: bool,
    },
}

impl Default for Schedule {
    /// Decay by 0.9 every 5,000 steps, as in the causal-PINN reference code.
    fn default() -> Self {
        Schedule::Exponential {
            rate: 0.9,
            every: 5000,
            staircase: false,
        }
    }
}

impl Schedule {
    /// The factor the initial learning rate is multiplied by at `step`.
    pub fn factor(&self, step: u64) -> f64 {
        match *self {
            Schedule::Constant => 1.0,
            Schedule::Exponential {
                rate,
                every,
                staircase,
            } => {
                let e = step as f64 / every.max(1) as f64;
                rate.powf(if staircase { e.floor() } else { e })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_and_step_decay() {
        let smooth = Schedule::Exponential {
            rate: 0.5,
            every: 10,
            staircase: false,
        };
        let stairs = Schedule::Exponential {
            rate: 0.5,
            every: 10,
            staircase: true,
        };
        assert_eq!(smooth.factor(20), 0.25);
        assert!((smooth.factor(5) - 0.5f64.sqrt()).abs() < 1e-15);
        assert_eq!(stairs.factor(19), 0.5);
        assert_eq!(Schedule::Constant.factor(1000), 1.0);
    }
}
