//! Which Taylor coefficients a batch of jets carries, and the compiled programs
//! (Faà di Bruno for activations, Leibniz for products) that act on them.

use super::partial::{Partial, MAX_AXES, MAX_ORDER};
use std::collections::BTreeMap;

/// One term of a Faà di Bruno expansion: `coef · σ^(order)(z₀) · Π z[factors]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ChainTerm {
    /// The term's integer coefficient (as a float).
    pub coef: f64,
    /// Derivative order of the outer function (= number of factors).
    pub order: usize,
    /// Slots of the inner function's coefficients that multiply.
    pub factors: Vec<usize>,
}

/// One term of a Leibniz product: `coef · a[left] · b[right]`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductTerm {
    /// The term's binomial coefficient (as a float).
    pub coef: f64,
    /// Slot of the left factor.
    pub left: usize,
    /// Slot of the right factor.
    pub right: usize,
}

/// The ordered set of partial derivatives carried per point (slot 0 is the value),
/// closed under taking sub-derivatives so that every chain rule term is available.
#[derive(Clone, Debug, PartialEq)]
pub struct JetLayout {
    dims: usize,
    slots: Vec<Partial>,
    chain: Vec<Vec<ChainTerm>>,
    product: Vec<Vec<ProductTerm>>,
}

impl JetLayout {
    /// The smallest layout over `dims` input axes that contains every requested partial.
    ///
    /// Panics if a partial uses an axis `>= dims` or exceeds [`MAX_ORDER`]: callers
    /// (the expression compiler) validate user input first and report errors there.
    pub fn new(dims: usize, requested: &[Partial]) -> JetLayout {
        assert!((1..=MAX_AXES).contains(&dims), "1 to {MAX_AXES} input axes");
        let mut set = std::collections::BTreeSet::new();
        set.insert(Partial::VALUE);
        for p in requested {
            assert!(p.dims_used() <= dims, "{p:?} uses an axis beyond {dims}");
            assert!(p.order() <= MAX_ORDER, "{p:?} exceeds order {MAX_ORDER}");
            set.extend(p.sub_partials());
        }
        let mut slots: Vec<Partial> = set.into_iter().collect();
        // Lower orders first, then a fixed order: slot 0 is the value.
        slots.sort_by_key(|p| (p.order(), core::cmp::Reverse(*p)));
        let index = |p: &Partial| slots.iter().position(|q| q == p).expect("layout is closed");
        let chain = slots.iter().map(|p| chain_terms(p, &index)).collect();
        let product = slots
            .iter()
            .map(|alpha| {
                alpha
                    .sub_partials()
                    .iter()
                    .map(|beta| ProductTerm {
                        coef: alpha.binomial(beta),
                        left: index(beta),
                        right: index(&alpha.minus(beta).unwrap()),
                    })
                    .collect()
            })
            .collect();
        JetLayout {
            dims,
            slots,
            chain,
            product,
        }
    }

    /// The layout carrying only values (data points, plain evaluation).
    pub fn value_only(dims: usize) -> JetLayout {
        JetLayout::new(dims, &[])
    }

    /// Number of input coordinates.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of slots (the value and every derivative held).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the layout holds no slot.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The partial derivative of every slot, the value first.
    pub fn slots(&self) -> &[Partial] {
        &self.slots
    }

    /// The slot holding `p`, if the layout has it.
    pub fn slot(&self, p: &Partial) -> Option<usize> {
        self.slots.iter().position(|q| q == p)
    }

    /// The highest derivative order carried.
    pub fn max_order(&self) -> usize {
        self.slots.iter().map(Partial::order).max().unwrap_or(0)
    }

    /// Faà di Bruno terms of slot `s` (empty for the value slot, which is `σ(z₀)`).
    pub fn chain_terms(&self, s: usize) -> &[ChainTerm] {
        &self.chain[s]
    }

    /// Leibniz terms of slot `s` of a product of two jets.
    pub fn product_terms(&self, s: usize) -> &[ProductTerm] {
        &self.product[s]
    }
}

/// Faà di Bruno for a multivariate partial: sum over set partitions of its axes,
/// with equal terms merged (so ∂xx gives σ'·z_xx + σ''·z_x·z_x).
fn chain_terms(alpha: &Partial, index: &impl Fn(&Partial) -> usize) -> Vec<ChainTerm> {
    let axes = alpha.axes();
    if axes.is_empty() {
        return Vec::new();
    }
    let mut merged: BTreeMap<(usize, Vec<usize>), f64> = BTreeMap::new();
    for blocks in set_partitions(axes.len()) {
        let mut factors: Vec<usize> = blocks
            .iter()
            .map(|b| {
                index(&Partial::from_axes(
                    &b.iter().map(|&i| axes[i]).collect::<Vec<_>>(),
                ))
            })
            .collect();
        factors.sort_unstable();
        *merged.entry((factors.len(), factors)).or_insert(0.0) += 1.0;
    }
    merged
        .into_iter()
        .map(|((order, factors), coef)| ChainTerm {
            coef,
            order,
            factors,
        })
        .collect()
}

/// All partitions of {0, …, n-1} into non-empty blocks (restricted growth strings).
fn set_partitions(n: usize) -> Vec<Vec<Vec<usize>>> {
    fn grow(i: usize, n: usize, blocks: &mut Vec<Vec<usize>>, out: &mut Vec<Vec<Vec<usize>>>) {
        if i == n {
            out.push(blocks.clone());
            return;
        }
        for b in 0..blocks.len() {
            blocks[b].push(i);
            grow(i + 1, n, blocks, out);
            blocks[b].pop();
        }
        blocks.push(vec![i]);
        grow(i + 1, n, blocks, out);
        blocks.pop();
    }
    let mut out = Vec::new();
    grow(0, n, &mut Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bell_numbers() {
        let sizes: Vec<usize> = (1..=4).map(|n| set_partitions(n).len()).collect();
        assert_eq!(sizes, vec![1, 2, 5, 15]);
    }

    #[test]
    fn burgers_layout_is_value_x_t_xx() {
        let l = JetLayout::new(2, &[Partial::from_axes(&[0, 0]), Partial::axis(1)]);
        assert_eq!(l.len(), 4);
        assert_eq!(l.slots()[0], Partial::VALUE);
        let xx = l.slot(&Partial::from_axes(&[0, 0])).unwrap();
        let x = l.slot(&Partial::axis(0)).unwrap();
        assert_eq!(
            l.chain_terms(xx),
            &[
                ChainTerm {
                    coef: 1.0,
                    order: 1,
                    factors: vec![xx]
                },
                ChainTerm {
                    coef: 1.0,
                    order: 2,
                    factors: vec![x, x]
                },
            ]
        );
    }

    #[test]
    fn fourth_order_chain_coefficients() {
        // (σ∘z)'''' = σ' z4 + σ''(4 z1 z3 + 3 z2²) + 6σ''' z1² z2 + σ'''' z1⁴
        let l = JetLayout::new(1, &[Partial::from_axes(&[0, 0, 0, 0])]);
        let terms = l.chain_terms(4);
        let coefs: Vec<(usize, f64)> = terms.iter().map(|t| (t.order, t.coef)).collect();
        assert_eq!(
            coefs,
            vec![(1, 1.0), (2, 4.0), (2, 3.0), (3, 6.0), (4, 1.0)]
        );
    }

    #[test]
    fn mixed_closure_and_leibniz() {
        let l = JetLayout::new(2, &[Partial::from_axes(&[0, 1])]);
        assert_eq!(l.len(), 4); // value, x, y, xy
        let xy = l.slot(&Partial::from_axes(&[0, 1])).unwrap();
        let total: f64 = l.product_terms(xy).iter().map(|t| t.coef).sum();
        assert_eq!(total, 4.0); // a b_xy + a_x b_y + a_y b_x + a_xy b
    }
}
