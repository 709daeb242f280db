//! Perturbation-based selection in a search stage (Wang et al. 2021, with the stage's own,
//! label-free objective as the measure): an edge keeps the op whose removal from the
//! supernet's all-path mixture raises the loss most on held-out batches; the others are
//! dropped, and training goes on with the edge fixed. Once every edge into a node is fixed,
//! a node with more incoming edges than derivation keeps (DARTS: 2 of up to 5) keeps those
//! whose removal raises the loss most; the others are fixed to the zero op, which
//! derivation never keeps.
//!
//! Contract: the loss is the objective's on the given batches, forward passes as in an
//! architecture step; ties keep the lower index; an edge with one candidate left (or none:
//! dropped) is already decided and is not measured again, so a resumed epoch does not
//! select twice.

use candle_core::Tensor;

use super::common::{self, Fail};
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use crate::events::Event;
use nas_engine::data::Batch;
use nas_engine::nn::{Network, Removal};

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
        let removal = Removal {
            group: g,
            row,
            op: Some(k),
        };
        increase.push((k, loss_without(net, removal, batches, loss, fail)? - base));
    }
    let kept = best(&increase).ok_or_else(|| fail.internal("no candidate op"))?;
    net.fix_edge(g, row, kept).map_err(|e| fail.nn(e))?;
    Ok(Some(Selection { kept, increase }))
}

/// Fix each of `rows` (group, alpha row) in order, and let every node whose last incoming
/// edge was just fixed choose its `keep` inputs; each decision is reported as an event.
#[allow(clippy::too_many_arguments)]
pub fn select_rows(
    ctx: &mut StageCtx<'_>,
    net: &mut Network,
    batches: &[Batch],
    loss: &LossFn<'_>,
    rows: &[(usize, usize)],
    keep: usize,
    epoch: usize,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let names: Vec<String> = net.ops().iter().map(|o| o.name.clone()).collect();
    let groups: Vec<String> = net.alpha_groups().iter().map(|g| g.name.clone()).collect();
    for &(g, r) in rows {
        if let Some(found) = select_edge(net, batches, loss, g, r, fail)? {
            ctx.sink.emit(Event::EdgeSelected {
                stage: ctx.stage.name.clone(),
                epoch,
                edge: format!("{}[{r}]", groups[g]),
                kept: names[found.kept].clone(),
                increase: found
                    .increase
                    .iter()
                    .map(|(k, d)| (names[*k].clone(), *d))
                    .collect(),
            });
        }
        let nodes = net.node_rows(g).map_err(|e| fail.nn(e))?;
        if let Some(node) = nodes.into_iter().find(|n| n.end == r + 1) {
            if let Some(t) = select_inputs(net, batches, loss, g, node, keep, fail)? {
                ctx.sink.emit(Event::InputsSelected {
                    stage: ctx.stage.name.clone(),
                    epoch,
                    group: groups[g].clone(),
                    kept: t.kept,
                    increase: t.increase,
                });
            }
        }
    }
    Ok(())
}

/// The loss with `removal` taken out of the mixture.
fn loss_without(
    net: &mut Network,
    removal: Removal,
    batches: &[Batch],
    loss: &LossFn<'_>,
    fail: &Fail,
) -> Result<f64, RuntimeError> {
    net.set_removed(Some(removal));
    let without = mean_loss(net, batches, loss, fail);
    net.set_removed(None);
    without
}

/// What a topology selection found for one node: the kept edges (alpha rows) and, per
/// edge, the loss increase when it is removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    pub kept: Vec<usize>,
    pub increase: Vec<(usize, f64)>,
}

/// Once every edge into `rows` (one node of group `g`) is fixed, keep the `keep` edges
/// whose removal raises the loss most and drop the others; None when there is nothing to
/// decide (edges still open, or no more live edges than `keep`, or no zero op to drop to).
pub fn select_inputs(
    net: &mut Network,
    batches: &[Batch],
    loss: &LossFn<'_>,
    g: usize,
    rows: std::ops::Range<usize>,
    keep: usize,
    fail: &Fail,
) -> Result<Option<Topology>, RuntimeError> {
    let Some(zero) = net.zero_op() else {
        return Ok(None);
    };
    let mut live = Vec::new();
    for r in rows {
        match net.edge_candidates(g, r).map_err(|e| fail.nn(e))?.len() {
            0 => {}
            1 => live.push(r),
            _ => return Ok(None),
        }
    }
    if live.len() <= keep {
        return Ok(None);
    }
    let base = mean_loss(net, batches, loss, fail)?;
    let mut increase = Vec::with_capacity(live.len());
    for &r in &live {
        let removal = Removal {
            group: g,
            row: r,
            op: None,
        };
        increase.push((r, loss_without(net, removal, batches, loss, fail)? - base));
    }
    let mut order = increase.clone();
    // largest first; equal increases keep the lower row
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let kept: Vec<usize> = order.iter().take(keep).map(|(r, _)| *r).collect();
    for &(r, _) in &order[keep..] {
        net.fix_edge(g, r, zero).map_err(|e| fail.nn(e))?;
    }
    Ok(Some(Topology { kept, increase }))
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
