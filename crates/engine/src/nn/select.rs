//! What perturbation-based selection needs of a DARTS-mode supernet: the candidate ops of
//! an edge, the edges of each node, an op (or a whole edge) taken out of the all-path
//! mixture while the loss is measured, and an edge fixed to one op.
//!
//! Contract: `set_removed(Some(Removal { group: g, row: r, op: Some(k) }))` makes the next
//! forward passes compute edge `r` of alpha group `g` as the mixture without op `k`, its
//! other weights unchanged (not renormalised, as Wang et al. 2021 measure it); `op: None`
//! takes out the whole edge; `None` restores it. `fix_edge` sets the
//! edge's alphas so that softmax gives the kept op weight 1 and every other op 0 (alphas of
//! `DROPPED`), which the checkpoint keeps, derivation reads as the argmax, and architecture
//! steps cannot move (the softmax is saturated).

use candle_core::Tensor;

use super::error::{internal, Result};
use super::gates::OpKind;
use super::network::Network;

/// The alpha of a dropped op: exp(-1e4) underflows to 0 in f32 and f64.
pub const DROPPED: f64 = -1e4;

/// What a measurement takes out of the mixture: one op of an edge, or the whole edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Removal {
    pub group: usize,
    pub row: usize,
    pub op: Option<usize>,
}

impl Network {
    /// Alpha rows of every group, in order: `(group, rows)`.
    pub fn alpha_rows(&self) -> Vec<(usize, usize)> {
        self.alphas
            .iter()
            .enumerate()
            .map(|(g, a)| (g, a.rows))
            .collect()
    }

    /// The ops of edge `row` of group `g` still in its mixture, zero ops excluded (they are
    /// never derived). One op left means the edge is fixed.
    pub fn edge_candidates(&self, g: usize, row: usize) -> Result<Vec<usize>> {
        let group = self
            .alphas
            .get(g)
            .ok_or_else(|| internal(format!("no alpha group {g}")))?;
        let values = group.values()?;
        let r = values
            .get(row)
            .ok_or_else(|| internal(format!("no row {row} in {}", group.name)))?;
        Ok(r.iter()
            .enumerate()
            .filter(|(k, a)| **a > DROPPED / 2.0 && self.kinds[*k] != OpKind::Zero)
            .map(|(k, _)| k)
            .collect())
    }

    /// Take an op or an edge out of the mixture for the next passes (None: put it back).
    pub fn set_removed(&mut self, removed: Option<Removal>) {
        self.removed = removed;
    }

    /// The alpha rows of each intermediate node of group `g`'s cells, in order.
    pub fn node_rows(&self, g: usize) -> Result<Vec<std::ops::Range<usize>>> {
        let shape = self
            .cells()
            .find_map(|c| match c.mode {
                super::cell::CellMode::Search { group } if group == g => Some(c.shape),
                _ => None,
            })
            .ok_or_else(|| internal(format!("no searching cell uses alpha group {g}")))?;
        Ok((0..shape.nodes)
            .map(|j| shape.offset(j)..shape.offset(j) + shape.inputs + j)
            .collect())
    }

    /// The index of the zero op (`none`), if the space has one.
    pub fn zero_op(&self) -> Option<usize> {
        self.kinds.iter().position(|k| *k == OpKind::Zero)
    }

    /// Fix edge `row` of group `g` to op `keep`.
    pub fn fix_edge(&mut self, g: usize, row: usize, keep: usize) -> Result<()> {
        let group = self
            .alphas
            .get(g)
            .ok_or_else(|| internal(format!("no alpha group {g}")))?;
        let mut values = group.values()?;
        let r = values
            .get_mut(row)
            .ok_or_else(|| internal(format!("no row {row} in {}", group.name)))?;
        for (k, a) in r.iter_mut().enumerate() {
            *a = if k == keep { 0.0 } else { DROPPED };
        }
        let flat: Vec<f64> = values.concat();
        let t = Tensor::from_vec(flat, (group.rows, group.ops), self.device())?
            .to_dtype(group.var.dtype())?;
        group.var.set(&t)?;
        Ok(())
    }

    /// `weights` (softmax of group `g`'s alphas) without the removed op or edge, if it is
    /// in `g`.
    pub(crate) fn without_removed(&self, g: usize, weights: Tensor) -> Result<Tensor> {
        let Some(r) = self.removed.filter(|r| r.group == g) else {
            return Ok(weights);
        };
        let (rows, ops) = weights.dims2()?;
        let mut mask = vec![1f32; rows * ops];
        if r.row >= rows || r.op.is_some_and(|k| k >= ops) {
            return Err(internal(format!("no op {r:?} in group {g}")));
        }
        match r.op {
            Some(k) => mask[r.row * ops + k] = 0.0,
            None => mask[r.row * ops..(r.row + 1) * ops].fill(0.0),
        }
        let mask =
            Tensor::from_vec(mask, (rows, ops), weights.device())?.to_dtype(weights.dtype())?;
        Ok(weights.mul(&mask)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::network::Network;
    use candle_core::{DType, Device};
    use rand::SeedableRng;

    fn supernet() -> Network {
        let cell = nas_ir::CellSpec::Search {
            alpha: nas_ir::AlphaSharing::Shared,
            mode: nas_ir::EdgeMode::Darts,
        };
        let head = nas_ir::HeadSpec::Classifier { classes: 3 };
        let spec = nas_ir::specs::nb201_net(4, 1, cell, head, 1, 8);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu).expect("builds")
    }

    #[test]
    fn removing_an_op_changes_the_output_and_putting_it_back_restores_it() {
        let mut net = supernet();
        let x = Tensor::randn(0f32, 1.0, (2, 1, 8, 8), &Device::Cpu).unwrap();
        let base = net.forward_t(&x, false).unwrap().out;
        let conv = net.edge_candidates(0, 0).unwrap()[2];
        net.set_removed(Some(Removal {
            group: 0,
            row: 0,
            op: Some(conv),
        }));
        let without = net.forward_t(&x, false).unwrap().out;
        let diff = (&base - &without)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap();
        assert!(diff.to_scalar::<f32>().unwrap() > 0.0);
        net.set_removed(None);
        let back = net.forward_t(&x, false).unwrap().out;
        let diff = (&base - &back).unwrap().abs().unwrap().max_all().unwrap();
        assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0);
        // a whole edge out differs from one op out
        net.set_removed(Some(Removal {
            group: 0,
            row: 0,
            op: None,
        }));
        let no_edge = net.forward_t(&x, false).unwrap().out;
        let diff = (&no_edge - &without)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap();
        assert!(diff.to_scalar::<f32>().unwrap() > 0.0);
        net.set_removed(None);
    }

    #[test]
    fn nodes_list_their_incoming_edges() {
        let net = supernet();
        // NB201: one input, nodes with 1, 2 and 3 incoming edges
        assert_eq!(net.node_rows(0).unwrap(), vec![0..1, 1..3, 3..6]);
        assert_eq!(net.zero_op(), Some(0));
    }

    #[test]
    fn a_fixed_edge_has_one_candidate_and_derives_to_it() {
        let mut net = supernet();
        // NB201 ops: none, skip, conv1x1, conv3x3, pool; `none` is never a candidate
        assert_eq!(net.edge_candidates(0, 3).unwrap(), vec![1, 2, 3, 4]);
        net.fix_edge(0, 3, 4).unwrap();
        assert_eq!(net.edge_candidates(0, 3).unwrap(), vec![4]);
        let row = &net.alpha_groups()[0].values().unwrap()[3];
        let w = crate::nn::gates::softmax(row);
        assert_eq!(w[4], 1.0);
        assert!(net.alpha_entropy().unwrap().is_finite());
    }
}
