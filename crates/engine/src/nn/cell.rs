//! Cells: the DARTS cell (preprocess, nodes, edges, concat) and the NB201 cell, either as
//! a supernet cell (every edge holds every candidate op) or as a fixed cell (the
//! genotype's edges only). A supernet cell can be frozen into its fixed form in place.
//!
//! Contract: edge ids number the full DAG: node j's edge from input i has id
//! `offset(j) + i`, offset(j) = sum_{k<j}(inputs + k). Inputs 0..inputs are the cell
//! inputs, higher numbers earlier nodes (the genotype numbering). Names:
//! `{cell}.edges.{id}.{op_name}...`, `{cell}.preprocess0`, `{cell}.preprocess1`; a fixed
//! cell uses the same ids and op names, so supernet and derived names coincide.

use std::ops::Range;

use candle_core::{Device, Tensor};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::error::{internal, invalid, NnError, Result};
use super::gates::EdgeSample;
use super::layers::{FactorizedReduce, Layer, OpCtx, ReluConvBn};
use super::store::{join, Builder};
use nas_ir::{CellGenotype, OpDef};

/// Drop-path regularisation of fixed cells during training (per-sample mask / keep).
pub struct DropPath<'a> {
    pub prob: f64,
    pub rng: &'a mut ChaCha8Rng,
}

/// Per-row mixing of a supernet cell's edges.
pub enum EdgeWeights<'a> {
    /// Two-path training: the sampled pair and gates of each row.
    TwoPath(&'a [EdgeSample]),
    /// One op per row (two-path evaluation: the best op).
    Single(Vec<usize>),
    /// DARTS: softmax(alpha) [rows, ops], part of the autograd graph.
    Darts(Tensor),
}

/// The preprocess layer of a DARTS cell input.
#[derive(Debug, Clone)]
pub enum Preprocess {
    Reduce(FactorizedReduce),
    Rcb(ReluConvBn),
}

impl Preprocess {
    fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        match self {
            Preprocess::Reduce(fr) => fr.forward(x, train),
            Preprocess::Rcb(r) => r.forward(x, train),
        }
    }
}

/// One edge of the full DAG: its input state, stride, and the ops built on it.
#[derive(Debug, Clone)]
pub struct EdgeSlot {
    pub input: usize,
    pub stride: usize,
    pub ops: Vec<Option<Layer>>,
    /// Indices (into the network's params) of each op's parameters.
    pub op_params: Vec<Range<usize>>,
}

#[derive(Debug, Clone)]
pub enum CellMode {
    /// Supernet cell mixed by alpha group `group`.
    Search { group: usize },
    /// Per node, its (edge id, op index) pairs.
    Fixed { nodes: Vec<Vec<(usize, usize)>> },
}

/// Shape of a cell: inputs, nodes, channels, reduction.
#[derive(Debug, Clone, Copy)]
pub struct CellShape {
    pub inputs: usize,
    pub nodes: usize,
    pub channels: usize,
    pub reduction: bool,
    pub affine: bool,
}

impl CellShape {
    pub fn offset(&self, node: usize) -> usize {
        (0..node).map(|k| self.inputs + k).sum()
    }
    pub fn edge_count(&self) -> usize {
        self.offset(self.nodes)
    }
    pub fn edge_stride(&self, input: usize) -> usize {
        if self.reduction && input < self.inputs {
            2
        } else {
            1
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub name: String,
    pub shape: CellShape,
    pub pre: Vec<Preprocess>,
    pub concat: Vec<usize>,
    pub edges: Vec<EdgeSlot>,
    pub mode: CellMode,
}

impl Cell {
    /// Empty edges of the full DAG.
    fn slots(shape: &CellShape, n_ops: usize) -> Vec<EdgeSlot> {
        let mut edges = Vec::with_capacity(shape.edge_count());
        for node in 0..shape.nodes {
            for input in 0..shape.inputs + node {
                edges.push(EdgeSlot {
                    input,
                    stride: shape.edge_stride(input),
                    ops: vec![None; n_ops],
                    op_params: vec![0..0; n_ops],
                });
            }
        }
        edges
    }

    /// Build op `k` on edge `e`.
    fn build_op(&mut self, b: &mut Builder, e: usize, k: usize, op: &OpDef) -> Result<()> {
        let ctx = OpCtx {
            channels: self.shape.channels,
            edge_stride: self.edges[e].stride,
            affine: self.shape.affine,
        };
        let prefix = format!("{}.edges.{e}.{}", self.name, op.name);
        let start = b.reg.params.len();
        let layer = Layer::build(b, &prefix, &op.body, ctx)?;
        self.edges[e].ops[k] = Some(layer);
        self.edges[e].op_params[k] = start..b.reg.params.len();
        Ok(())
    }

    /// A supernet cell: every op on every edge; output = concat of the last `multiplier` nodes.
    pub fn search(
        b: &mut Builder,
        name: String,
        shape: CellShape,
        pre: Vec<Preprocess>,
        ops: &[OpDef],
        multiplier: usize,
        group: usize,
    ) -> Result<Cell> {
        if multiplier == 0 || multiplier > shape.nodes {
            return Err(invalid(format!(
                "multiplier {multiplier} must be between 1 and the node count {}",
                shape.nodes
            )));
        }
        let states = shape.inputs + shape.nodes;
        let mut cell = Cell {
            name,
            shape,
            pre,
            concat: (states - multiplier..states).collect(),
            edges: Self::slots(&shape, ops.len()),
            mode: CellMode::Search { group },
        };
        for e in 0..cell.edges.len() {
            for (k, op) in ops.iter().enumerate() {
                cell.build_op(b, e, k, op)?;
            }
        }
        Ok(cell)
    }

    /// A fixed cell from a genotype: only the genotype's ops are built.
    pub fn fixed(
        b: &mut Builder,
        name: String,
        shape: CellShape,
        pre: Vec<Preprocess>,
        ops: &[OpDef],
        geno: &CellGenotype,
    ) -> Result<Cell> {
        let nodes = resolve_genotype(&shape, ops, geno)?;
        let mut cell = Cell {
            name,
            shape,
            pre,
            concat: geno.concat.clone(),
            edges: Self::slots(&shape, ops.len()),
            mode: CellMode::Fixed {
                nodes: nodes.clone(),
            },
        };
        for &(e, k) in nodes.iter().flatten() {
            cell.build_op(b, e, k, &ops[k])?;
        }
        Ok(cell)
    }

    /// Turn a supernet cell into its compact form; the kept ops keep their weights.
    pub fn freeze(&mut self, ops: &[OpDef], geno: &CellGenotype) -> Result<()> {
        let nodes = resolve_genotype(&self.shape, ops, geno)?;
        if geno.concat != self.concat {
            return Err(NnError::BadGenotype {
                reason: format!(
                    "cell {} concatenates states {:?}, the genotype {:?}",
                    self.name, self.concat, geno.concat
                ),
            });
        }
        for &(e, k) in nodes.iter().flatten() {
            if self.edges[e].ops[k].is_none() {
                return Err(internal(format!(
                    "cell {} edge {e} lacks op {k}",
                    self.name
                )));
            }
        }
        self.mode = CellMode::Fixed { nodes };
        Ok(())
    }

    pub fn is_search(&self) -> bool {
        matches!(self.mode, CellMode::Search { .. })
    }

    /// Channels of the output.
    pub fn out_channels(&self) -> usize {
        self.concat.len() * self.shape.channels
    }

    /// # Shapes
    /// inputs: `shape.inputs` tensors [N, C_in_k, H, W] -> [N, concat * C, H', W'].
    pub fn forward(
        &self,
        inputs: &[&Tensor],
        weights: Option<&EdgeWeights>,
        train: bool,
        drop: &mut Option<DropPath>,
    ) -> Result<Tensor> {
        let mut states: Vec<Tensor> = Vec::with_capacity(self.shape.inputs + self.shape.nodes);
        for (i, x) in inputs.iter().enumerate() {
            states.push(match self.pre.get(i) {
                Some(p) => p.forward(x, train)?,
                None => (*x).clone(),
            });
        }
        for node in 0..self.shape.nodes {
            let h = match &self.mode {
                CellMode::Search { .. } => {
                    let w = weights.ok_or_else(|| internal("search cell without edge weights"))?;
                    self.search_node(node, &states, w, train)?
                }
                CellMode::Fixed { nodes } => self.fixed_node(&nodes[node], &states, train, drop)?,
            };
            states.push(h);
        }
        let outs: Vec<&Tensor> = self.concat.iter().map(|&i| &states[i]).collect();
        Ok(Tensor::cat(&outs, 1)?)
    }

    fn op(&self, e: usize, k: usize) -> Result<&Layer> {
        self.edges[e].ops[k]
            .as_ref()
            .ok_or_else(|| internal(format!("cell {} edge {e} has no op {k}", self.name)))
    }

    fn search_node(
        &self,
        node: usize,
        states: &[Tensor],
        w: &EdgeWeights,
        train: bool,
    ) -> Result<Tensor> {
        let start = self.shape.offset(node);
        let mut acc: Option<Tensor> = None;
        for e in start..start + self.shape.inputs + node {
            let x = &states[self.edges[e].input];
            let y = self.mixed_edge(e, x, w, train)?;
            acc = Some(match acc {
                None => y,
                Some(a) => (a + y)?,
            });
        }
        acc.ok_or_else(|| internal("node without edges"))
    }

    fn mixed_edge(&self, e: usize, x: &Tensor, w: &EdgeWeights, train: bool) -> Result<Tensor> {
        match w {
            EdgeWeights::TwoPath(samples) => {
                let s = samples
                    .get(e)
                    .ok_or_else(|| internal("two-path sample has too few rows"))?;
                let a = s.active;
                let on = self.op(e, s.pair[a])?.forward(x, train)?;
                // The inactive op runs (its BN statistics move, as in the official code)
                // but is detached: at most its gate receives a gradient.
                let off = self.op(e, s.pair[1 - a])?.forward(x, train)?.detach();
                match &s.gates {
                    Some(g) => {
                        let y_on = on.broadcast_mul(g[a].as_tensor())?;
                        let y_off = off.broadcast_mul(g[1 - a].as_tensor())?;
                        Ok((y_on + y_off)?)
                    }
                    // A weight step: 1 * on + 0 * off is `on`; `off` is dropped here, so
                    // neither it nor a gate product is kept for backward.
                    None => Ok(on),
                }
            }
            EdgeWeights::Single(best) => {
                let k = *best.get(e).ok_or_else(|| internal("too few rows"))?;
                self.op(e, k)?.forward(x, train)
            }
            EdgeWeights::Darts(soft) => {
                let row = soft.get(e)?;
                let mut acc: Option<Tensor> = None;
                for (k, op) in self.edges[e].ops.iter().enumerate() {
                    let Some(op) = op else { continue };
                    if op.is_zero() {
                        continue; // contributes exactly zero to the output and to every gradient
                    }
                    let wk = row.get(k)?.reshape((1, 1, 1, 1))?;
                    let y = op.forward(x, train)?.broadcast_mul(&wk)?;
                    acc = Some(match acc {
                        None => y,
                        Some(a) => (a + y)?,
                    });
                }
                match acc {
                    Some(a) => Ok(a),
                    None => self.op(e, 0)?.forward(x, train),
                }
            }
        }
    }

    fn fixed_node(
        &self,
        kept: &[(usize, usize)],
        states: &[Tensor],
        train: bool,
        drop: &mut Option<DropPath>,
    ) -> Result<Tensor> {
        let mut acc: Option<Tensor> = None;
        for &(e, k) in kept {
            let op = self.op(e, k)?;
            let mut y = op.forward(&states[self.edges[e].input], train)?;
            if let Some(d) = drop.as_mut() {
                if train && d.prob > 0.0 && !op.is_identity() {
                    y = drop_path(&y, d)?;
                }
            }
            acc = Some(match acc {
                None => y,
                Some(a) => (a + y)?,
            });
        }
        acc.ok_or_else(|| internal("node without kept edges"))
    }

    /// Indices of the parameters used by a step in the current mode (supernet two-path
    /// cells: the active op only; DARTS cells: every op; fixed cells: the kept ops).
    pub fn used_ops(&self, weights: Option<&EdgeWeights>) -> Vec<(usize, usize)> {
        let mut used = Vec::new();
        match (&self.mode, weights) {
            (CellMode::Fixed { nodes }, _) => used.extend(nodes.iter().flatten().copied()),
            (CellMode::Search { .. }, Some(EdgeWeights::TwoPath(s))) => {
                for (e, smp) in s.iter().enumerate().take(self.edges.len()) {
                    used.push((e, smp.pair[smp.active]));
                }
            }
            (CellMode::Search { .. }, _) => {
                for (e, slot) in self.edges.iter().enumerate() {
                    used.extend((0..slot.ops.len()).map(|k| (e, k)));
                }
            }
        }
        used
    }
}

/// Check a genotype against a cell shape and the op list; returns (edge id, op index)
/// per node.
pub fn resolve_genotype(
    shape: &CellShape,
    ops: &[OpDef],
    geno: &CellGenotype,
) -> Result<Vec<Vec<(usize, usize)>>> {
    let bad = |reason: String| NnError::BadGenotype { reason };
    if geno.nodes.len() != shape.nodes {
        return Err(bad(format!(
            "{} nodes in the genotype, {} in the cell",
            geno.nodes.len(),
            shape.nodes
        )));
    }
    let states = shape.inputs + shape.nodes;
    if let Some(&c) = geno
        .concat
        .iter()
        .find(|&&c| c >= states || c < shape.inputs)
    {
        return Err(bad(format!(
            "concat state {c} is not a node (states {}..{states})",
            shape.inputs
        )));
    }
    let mut out = Vec::with_capacity(shape.nodes);
    for (j, edges) in geno.nodes.iter().enumerate() {
        if edges.is_empty() {
            return Err(bad(format!("node {j} has no incoming edge")));
        }
        let mut kept: Vec<(usize, usize)> = Vec::with_capacity(edges.len());
        for ge in edges {
            if ge.input >= shape.inputs + j {
                return Err(bad(format!("node {j} cannot take input {}", ge.input)));
            }
            let k = ops.iter().position(|o| o.name == ge.op).ok_or_else(|| {
                let names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
                bad(format!(
                    "unknown op `{}` (candidates: {})",
                    ge.op,
                    names.join(", ")
                ))
            })?;
            let e = shape.offset(j) + ge.input;
            if kept.contains(&(e, k)) {
                return Err(bad(format!(
                    "node {j} repeats `{}` from input {}",
                    ge.op, ge.input
                )));
            }
            kept.push((e, k));
        }
        out.push(kept);
    }
    Ok(out)
}

/// Zero whole samples with probability `prob`, scale the rest by 1/(1-prob).
fn drop_path(y: &Tensor, d: &mut DropPath) -> Result<Tensor> {
    let n = y.dim(0)?;
    let keep = 1.0 - d.prob;
    let mask: Vec<f64> = (0..n)
        .map(|_| {
            if d.rng.random::<f64>() < keep {
                1.0 / keep
            } else {
                0.0
            }
        })
        .collect();
    let mask = Tensor::from_vec(mask, (n, 1, 1, 1), &Device::Cpu)?
        .to_dtype(y.dtype())?
        .to_device(y.device())?;
    Ok(y.broadcast_mul(&mask)?)
}

/// `{prefix}.preprocess{i}` names.
pub fn pre_name(cell: &str, i: usize) -> String {
    join(cell, &format!("preprocess{i}"))
}
