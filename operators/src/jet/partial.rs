//! A partial derivative as a multi-index over at most four input axes.

use core::fmt;

/// The most input axes a field may have (x, y, z, t).
pub const MAX_AXES: usize = 4;
/// The highest derivative order supported (along an axis or mixed).
pub const MAX_ORDER: usize = 4;

/// ∂^|α| / ∂x_0^α_0 … ∂x_3^α_3, stored as the count of each axis.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Partial {
    counts: [u8; MAX_AXES],
}

impl Partial {
    /// The value itself (no derivative).
    pub const VALUE: Partial = Partial {
        counts: [0; MAX_AXES],
    };

    /// Builds a partial from the axes it differentiates along, e.g. `[0, 0]` = ∂²/∂x_0².
    pub fn from_axes(axes: &[usize]) -> Partial {
        let mut counts = [0u8; MAX_AXES];
        for &a in axes {
            assert!(a < MAX_AXES, "axis {a} out of range");
            counts[a] += 1;
        }
        Partial { counts }
    }

    /// ∂/∂x_axis.
    pub const fn axis(axis: usize) -> Partial {
        assert!(axis < MAX_AXES, "axis out of range");
        let mut counts = [0u8; MAX_AXES];
        counts[axis] = 1;
        Partial { counts }
    }

    /// Total order of the derivative (0 for the value).
    pub fn order(&self) -> usize {
        self.counts.iter().map(|&c| c as usize).sum()
    }

    /// How many times it differentiates along `axis`.
    pub fn count(&self, axis: usize) -> usize {
        self.counts[axis] as usize
    }

    /// The axes in ascending order with repetition: ∂xxt -> [0, 0, 1].
    pub fn axes(&self) -> Vec<usize> {
        (0..MAX_AXES)
            .flat_map(|a| std::iter::repeat_n(a, self.counts[a] as usize))
            .collect()
    }

    /// The highest axis index used plus one (0 for the value).
    pub fn dims_used(&self) -> usize {
        (0..MAX_AXES)
            .rev()
            .find(|&a| self.counts[a] > 0)
            .map_or(0, |a| a + 1)
    }

    /// Every β ≤ α componentwise (including the value and α itself).
    pub fn sub_partials(&self) -> Vec<Partial> {
        let mut out = vec![Partial::VALUE];
        for a in 0..MAX_AXES {
            let mut next = Vec::new();
            for p in &out {
                for c in 0..=self.counts[a] {
                    let mut q = *p;
                    q.counts[a] = c;
                    next.push(q);
                }
            }
            out = next;
        }
        out
    }

    /// α - β, if β ≤ α.
    pub fn minus(&self, beta: &Partial) -> Option<Partial> {
        let mut counts = [0u8; MAX_AXES];
        for ((c, &a), &b) in counts.iter_mut().zip(&self.counts).zip(&beta.counts) {
            *c = a.checked_sub(b)?;
        }
        Some(Partial { counts })
    }

    /// Π_a binom(α_a, β_a): the Leibniz coefficient.
    pub fn binomial(&self, beta: &Partial) -> f64 {
        (0..MAX_AXES)
            .map(|a| binomial(self.counts[a] as u32, beta.counts[a] as u32))
            .product()
    }

    /// Writes the partial with axis names, e.g. `xxt`; the value is written as the empty string.
    pub fn suffix(&self, names: &[&str]) -> String {
        self.axes().iter().map(|&a| names[a]).collect()
    }
}

fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

impl fmt::Debug for Partial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.order() == 0 {
            return write!(f, "∂()");
        }
        write!(f, "∂(")?;
        for a in self.axes() {
            write!(f, "{a}")?;
        }
        write!(f, ")")
    }
}
