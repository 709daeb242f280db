//! Perturbation-based selection in a search stage (Wang et al. 2021, with the stage's own,
//! label-free objective as the measure): an edge keeps the op whose removal from the
//! supernet's all-path mixture raises the loss most on held-out batches; the others are
//! dropped, and training goes on with the edge fixed.
//!
//! Contract: the loss is the objective's on the given batches, forward passes as in an
//! architecture step; ties keep the lower op index; an edge with one candidate left is
//! already fixed and is not measured again (so a resumed epoch does not select twice).

use candle_core::Tensor;

use super::common::{self, Fail};
use crate::error::RuntimeError;
use nas_engine::data::Batch;
use nas_engine::nn::Network;

/// What one selection found: the kept op and, per candidate, the loss increase when it is
/// removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub kept: usize,
    pub increase: Vec<(usize, f64)>,
}

/// The objective's loss on `batches` (their views stacked, as in a search step).
pub type LossFn<'a> = dyn Fn(&Network, &Batch) -> Result<Tensor, RuntimeError> + 'a;

/// Measure and fix edge `row` of alpha group `g`; None when it was fixed already.
pub fn select_edge(
    net: &mut Network,
    batches: &[Batch],
    loss: &LossFn<'_>,
    g: usize,
    row: usize,
    fail: &Fail,
) -> Result<Option<Selection>, RuntimeError> {
    let candidates = net.edge_candidates(g, row).map_err(|e| fail.nn(e))?;
    if candidates.len() < 2 {
        return Ok(None);
    }
    let base = mean_loss(net, batches, loss, fail)?;
    let mut increase = Vec::with_capacity(candidates.len());
    for &k in &candidates {
        net.set_removed(Some((g, row, k)));
        let without = mean_loss(net, batches, loss, fail);
        net.set_removed(None);
        increase.push((k, without? - base));
    }
    let kept = best(&increase).ok_or_else(|| fail.internal("no candidate op"))?;
    net.fix_edge(g, row, kept).map_err(|e| fail.nn(e))?;
    Ok(Some(Selection { kept, increase }))
}

/// The op with the largest increase; the first of equals.
fn best(increase: &[(usize, f64)]) -> Option<usize> {
    increase
        .iter()
        .fold(None, |acc: Option<(usize, f64)>, &(k, d)| match acc {
            Some((_, best)) if best >= d => acc,
            _ => Some((k, d)),
        })
        .map(|(k, _)| k)
}

fn mean_loss(
    net: &Network,
    batches: &[Batch],
    loss: &LossFn<'_>,
    fail: &Fail,
) -> Result<f64, RuntimeError> {
    let mut sum = 0.0;
    for b in batches {
        sum += common::scalar(&loss(net, b)?, fail)?;
    }
    Ok(sum / batches.len().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::best;

    #[test]
    fn the_largest_increase_wins_and_ties_keep_the_first() {
        assert_eq!(best(&[(1, 0.1), (2, 0.3), (4, -0.2)]), Some(2));
        assert_eq!(best(&[(1, 0.3), (3, 0.3)]), Some(1));
        assert_eq!(best(&[]), None);
    }
}
