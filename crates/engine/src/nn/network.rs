//! A whole network built from `ir::NetworkSpec`: supernet (two-path or DARTS edges,
//! alphas per cell or shared), fixed-genotype network, or a mix (frozen supernet cells).
//!
//! Contract: construction draws every weight from the caller's `ChaCha8Rng` in a fixed
//! order (same seed => bitwise-identical weights); the device and dtype come from the
//! caller. Trainable parameters (`params`), BN running statistics (`buffers`) and alphas
//! (`alpha_groups`) are disjoint. Cells are numbered 0.. in order (NB201's residual blocks
//! are not cells). Two-path training needs `resample` before each training forward pass.

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Tensor, Var, D};
use rand_chacha::ChaCha8Rng;

use super::build::{build_body, Body, Unit};
use super::cell::{DropPath, EdgeWeights};
use super::error::{NnError, Result};
use super::gates::{best_op, AlphaGroup, DropProbs, OpKind};
use super::heads::{global_pool, AuxHead, Head};
use super::store::{Builder, Registry};
use nas_ir::{AlphaSharing, CellGenotype, EdgeMode, Genotype, NetworkSpec, OpDef};

/// What a forward pass returns.
#[derive(Debug, Clone)]
pub struct Outputs {
    /// Projection (MLP head), logits (classifier) or pooled features (no head). [N, out]
    pub out: Tensor,
    /// Auxiliary logits, in training mode when the network has an auxiliary head.
    pub aux: Option<Tensor>,
    /// Globally pooled features before the head. [N, feat]
    pub features: Tensor,
}

/// A built network.
pub struct Network {
    pub(crate) spec: NetworkSpec,
    pub(crate) body: Body,
    pub(crate) head: Head,
    pub(crate) aux: Option<(usize, AuxHead)>,
    pub(crate) reg: Registry,
    pub(crate) alphas: Vec<AlphaGroup>,
    /// Edge mode and sharing of a supernet; None for fixed networks.
    pub(crate) search: Option<(EdgeMode, AlphaSharing)>,
    pub(crate) ops: Vec<OpDef>,
    pub(crate) kinds: Vec<OpKind>,
    pub(crate) drop_probs: DropProbs,
    /// An op taken out of the all-path mixture of one edge, `(group, row, op)`, while
    /// perturbation selection measures it (`select.rs`).
    pub(crate) removed: Option<super::select::Removal>,
    pub(crate) dtype: DType,
    pub(crate) device: Device,
}

impl Network {
    /// Build `spec`. `genotype` supplies the cells of a `CellSpec::Derived` network.
    pub fn new(
        spec: &NetworkSpec,
        genotype: Option<&Genotype>,
        rng: &mut ChaCha8Rng,
        dtype: DType,
        device: &Device,
    ) -> Result<Network> {
        let mut b = Builder::new(rng, dtype, device);
        let built = build_body(&mut b, spec, genotype)?;
        let head = Head::new(&mut b, &spec.head, built.feat)?;
        let aux = match (&spec.auxiliary, built.aux_input) {
            (Some(a), Some((after, c, size, stride))) => {
                Some((after, AuxHead::new(&mut b, c, size, stride, a.classes)?))
            }
            (Some(_), None) => {
                return Err(NnError::Unsupported {
                    what: "auxiliary head in this family".into(),
                })
            }
            _ => None,
        };
        let kinds = built.ops.iter().map(|o| OpKind::of(&o.body)).collect();
        let mut net = Network {
            spec: spec.clone(),
            body: built.body,
            head,
            aux,
            reg: b.reg,
            alphas: Vec::new(),
            search: built.search,
            ops: built.ops,
            kinds,
            removed: None,
            drop_probs: DropProbs {
                skip: 0.2,
                pool: 0.0,
            },
            dtype,
            device: device.clone(),
        };
        net.alphas = net.make_alphas(&built.group_names)?;
        Ok(net)
    }

    fn make_alphas(&self, names: &[String]) -> Result<Vec<AlphaGroup>> {
        let rows = self.cells().next().map(|c| c.edges.len()).unwrap_or(0);
        let n_ops = self.ops.len();
        let mut out = Vec::new();
        for name in names {
            let var = Var::zeros((rows, n_ops), self.dtype, &self.device)?;
            out.push(AlphaGroup {
                name: name.clone(),
                var,
                rows,
                ops: n_ops,
                sample: None,
                snapshot: None,
            });
        }
        Ok(out)
    }

    pub fn spec(&self) -> &NetworkSpec {
        &self.spec
    }
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    pub fn device(&self) -> &Device {
        &self.device
    }
    /// Trainable parameters, in construction order.
    pub fn params(&self) -> &[(String, Var)] {
        &self.reg.params
    }
    /// BN running statistics.
    pub fn buffers(&self) -> &[(String, Var)] {
        &self.reg.buffers
    }
    /// Alpha tables (empty for fixed networks).
    pub fn alpha_groups(&self) -> &[AlphaGroup] {
        &self.alphas
    }
    /// (name, Var) of each alpha table, [edges, ops].
    pub fn alphas(&self) -> Vec<(String, Var)> {
        self.alphas
            .iter()
            .map(|g| (g.name.clone(), g.var.clone()))
            .collect()
    }
    /// Candidate ops, in alpha-column order.
    pub fn ops(&self) -> &[OpDef] {
        &self.ops
    }
    pub fn op_kinds(&self) -> &[OpKind] {
        &self.kinds
    }
    pub fn edge_mode(&self) -> Option<EdgeMode> {
        self.search.map(|s| s.0)
    }
    pub fn sharing(&self) -> Option<AlphaSharing> {
        self.search.map(|s| s.1)
    }
    /// Skip/pool drop probabilities for two-path weight steps (default 0.2 / 0.0).
    pub fn set_drop_probs(&mut self, skip: f64, pool: f64) {
        self.drop_probs = DropProbs { skip, pool };
    }

    pub(crate) fn cells(&self) -> impl Iterator<Item = &super::cell::Cell> {
        self.body.units.iter().filter_map(|u| match u {
            Unit::Cell(c) => Some(c),
            Unit::Res(_) => None,
        })
    }
    pub(crate) fn cells_mut(&mut self) -> impl Iterator<Item = &mut super::cell::Cell> {
        self.body.units.iter_mut().filter_map(|u| match u {
            Unit::Cell(c) => Some(c),
            Unit::Res(_) => None,
        })
    }
    pub fn cell_count(&self) -> usize {
        self.cells().count()
    }
    /// Whether cell `i` is a supernet cell (not frozen, not fixed).
    pub fn is_searching(&self, i: usize) -> bool {
        self.cells().nth(i).is_some_and(|c| c.is_search())
    }

    /// Draw new two-path samples for every alpha row. `weight_step` with `drop` applies
    /// the skip/pool drop resampling. No-op for DARTS and fixed networks.
    pub fn resample(&mut self, rng: &mut ChaCha8Rng, weight_step: bool, drop: bool) -> Result<()> {
        if self.edge_mode() != Some(EdgeMode::TwoPath) {
            return Ok(());
        }
        let d = (weight_step && drop).then_some(self.drop_probs);
        for g in &mut self.alphas {
            g.resample(rng, &self.kinds, d, !weight_step)?;
        }
        Ok(())
    }

    /// Edge weights of each alpha group for this pass (None where no cell searches).
    fn edge_weights(&self, train: bool) -> Result<Vec<Option<EdgeWeights<'_>>>> {
        let mut used = vec![false; self.alphas.len()];
        for c in self.cells() {
            if let super::cell::CellMode::Search { group } = c.mode {
                used[group] = true;
            }
        }
        let mut out = Vec::with_capacity(self.alphas.len());
        for (gi, (g, u)) in self.alphas.iter().zip(used).enumerate() {
            out.push(if !u {
                None
            } else {
                Some(match (self.edge_mode(), train) {
                    (Some(EdgeMode::Darts), _) => {
                        let w = candle_nn::ops::softmax(g.var.as_tensor(), D::Minus1)?;
                        EdgeWeights::Darts(self.without_removed(gi, w)?)
                    }
                    (_, true) => EdgeWeights::TwoPath(g.sample().ok_or(NnError::NotSampled)?),
                    (_, false) => {
                        let best = g
                            .values()?
                            .iter()
                            .map(|r| best_op(r, &self.kinds).unwrap_or(0))
                            .collect();
                        EdgeWeights::Single(best)
                    }
                })
            });
        }
        Ok(out)
    }

    /// Forward pass without drop-path.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Result<Outputs> {
        self.forward_with(x, train, None)
    }

    /// # Shapes
    /// x: [N, in_channels, S, S] -> out [N, out], features [N, feat], aux [N, classes].
    pub fn forward_with(&self, x: &Tensor, train: bool, drop: Option<DropPath>) -> Result<Outputs> {
        let weights = self.edge_weights(train)?;
        let mut drop = drop;
        let mut aux_out = None;
        let (mut s0, mut s1) = self.body.stem.forward(x, train)?;
        let mut ci = 0;
        for unit in &self.body.units {
            match unit {
                Unit::Cell(c) => {
                    let w = match c.mode {
                        super::cell::CellMode::Search { group } => weights[group].as_ref(),
                        _ => None,
                    };
                    let inputs: Vec<&Tensor> = if c.shape.inputs == 2 {
                        vec![&s0, &s1]
                    } else {
                        vec![&s1]
                    };
                    let out = c.forward(&inputs, w, train, &mut drop)?;
                    s0 = std::mem::replace(&mut s1, out);
                    if let Some((after, head)) = &self.aux {
                        if train && *after == ci {
                            aux_out = Some(head.forward(&s1, train)?);
                        }
                    }
                    ci += 1;
                }
                Unit::Res(r) => {
                    let out = r.forward(&s1, train)?;
                    s0 = std::mem::replace(&mut s1, out);
                }
            }
        }
        if let Some(bn) = &self.body.lastact {
            s1 = super::kernels::relu(&bn.forward(&s1, train)?)?;
        }
        let features = global_pool(&s1)?;
        let out = self.head.forward(&features)?;
        Ok(Outputs {
            out,
            aux: aux_out,
            features,
        })
    }

    /// Mask over `params()`: true for the parameters a training step in the current state
    /// uses (two-path: the active op of each searched edge; frozen/fixed cells: kept ops).
    pub fn used_params(&self) -> Result<Vec<bool>> {
        let mut mask = vec![true; self.reg.params.len()];
        let weights = if self.edge_mode() == Some(EdgeMode::TwoPath) {
            self.edge_weights(true)?
        } else {
            Vec::new()
        };
        for c in self.cells() {
            let w = match c.mode {
                super::cell::CellMode::Search { group } => {
                    weights.get(group).and_then(|w| w.as_ref())
                }
                _ => None,
            };
            let used = c.used_ops(w);
            for (e, slot) in c.edges.iter().enumerate() {
                for (k, range) in slot.op_params.iter().enumerate() {
                    if !used.contains(&(e, k)) {
                        mask[range.clone()].iter_mut().for_each(|m| *m = false);
                    }
                }
            }
        }
        Ok(mask)
    }

    /// Two-path alpha gradients from the gate gradients of the last backward pass, one
    /// per alpha group with a sample, in `alphas()` order. DARTS alphas get their
    /// gradient from autograd instead (`grads.get(var)`).
    pub fn arch_grads(&self, grads: &GradStore) -> Result<Vec<(Var, Tensor)>> {
        let mut out = Vec::new();
        for g in &self.alphas {
            match self.edge_mode() {
                Some(EdgeMode::TwoPath) => {
                    if let Some(t) = g.arch_grad(grads)? {
                        out.push((g.var.clone(), t));
                    }
                }
                _ => {
                    if let Some(t) = grads.get(g.var.as_tensor()) {
                        out.push((g.var.clone(), t.clone()));
                    }
                }
            }
        }
        Ok(out)
    }

    /// After the optimiser updated the alphas: keep each sampled pair's total probability
    /// (two-path only).
    pub fn rescale_alphas(&self) -> Result<()> {
        if self.edge_mode() == Some(EdgeMode::TwoPath) {
            for g in &self.alphas {
                g.rescale()?;
            }
        }
        Ok(())
    }

    /// The head alone on pooled features [N, feat] (a linear probe trains it on detached
    /// features, so that backward stops at the frozen body).
    pub fn head_forward(&self, features: &Tensor) -> Result<Tensor> {
        self.head.forward(features)
    }

    /// Mean over all alpha rows of the entropy of softmax(alpha) (0 without alphas).
    pub fn alpha_entropy(&self) -> Result<f64> {
        let (mut s, mut n) = (0.0, 0);
        for g in &self.alphas {
            let (gs, gn) = g.entropy_sum()?;
            s += gs;
            n += gn;
        }
        Ok(if n == 0 { 0.0 } else { s / n as f64 })
    }

    /// Freeze supernet cell `i` into the given compact genotype; its kept ops keep training.
    pub fn freeze_cell_with(&mut self, i: usize, geno: &CellGenotype) -> Result<()> {
        let ops = self.ops.clone();
        let cell = self
            .cells_mut()
            .nth(i)
            .ok_or_else(|| super::error::invalid(format!("no cell {i}")))?;
        cell.freeze(&ops, geno)
    }
}
