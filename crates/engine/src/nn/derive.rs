//! Derivation of a discrete architecture from alphas (reference §4.1), freezing of
//! supernet cells, and the DARTS / NB201 genotype strings.
//!
//! Contract: per node, incoming edges are scored by their best non-zero op probability
//! (softmax over the row); the top `edges_per_node` are kept (sorted by score, first
//! index wins ties), each with its argmax op; `none` (zero ops) is never chosen. Then,
//! when more than `max_skip` skips (resp. `max_pool` pools) are kept, the lowest-probability
//! ones in excess are replaced one by one: within the node, with the node's other kept
//! edges and every skip/pool/zero column zeroed, the maximum remaining (edge, op) takes
//! the slot (the same edge with a parametric op, or another edge).

use super::cell::{Cell, CellMode, CellShape};
use super::error::{internal, invalid, Result};
use super::gates::{best_op, softmax, OpKind};
use super::network::Network;
use nas_ir::{AlphaSharing, CellGenotype, DeriveSpec, GenoEdge, Genotype, OpDef};

/// Derivation settings (`ir::DeriveSpec` without the stage plumbing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeriveOptions {
    pub edges_per_node: usize,
    pub max_skip: Option<usize>,
    pub max_pool: Option<usize>,
}

impl Default for DeriveOptions {
    /// The SSWP defaults: top-2 edges, at most 2 skips and 2 pools per cell.
    fn default() -> Self {
        Self {
            edges_per_node: 2,
            max_skip: Some(2),
            max_pool: Some(2),
        }
    }
}

impl From<&DeriveSpec> for DeriveOptions {
    fn from(s: &DeriveSpec) -> Self {
        Self {
            edges_per_node: s.edges_per_node,
            max_skip: s.max_skip,
            max_pool: s.max_pool,
        }
    }
}

/// Derive one cell from its alpha rows ([edges, ops], raw alphas).
pub fn derive_cell(
    alpha: &[Vec<f64>],
    shape: &CellShape,
    concat: &[usize],
    ops: &[OpDef],
    kinds: &[OpKind],
    opts: &DeriveOptions,
) -> Result<CellGenotype> {
    if opts.edges_per_node == 0 {
        return Err(invalid("edges_per_node must be at least 1"));
    }
    if alpha.len() != shape.edge_count() {
        return Err(internal("alpha rows do not match the cell's edges"));
    }
    let w: Vec<Vec<f64>> = alpha.iter().map(|r| softmax(r)).collect();
    let mut kept: Vec<Vec<(usize, usize)>> = Vec::with_capacity(shape.nodes);
    for node in 0..shape.nodes {
        let start = shape.offset(node);
        let mut scored: Vec<(usize, usize, f64)> = (start..start + shape.inputs + node)
            .filter_map(|e| best_op(&w[e], kinds).map(|k| (e, k, w[e][k])))
            .collect();
        scored.sort_by(|a, b| b.2.partial_cmp(&a.2).unwrap_or(std::cmp::Ordering::Equal));
        scored.truncate(opts.edges_per_node);
        if scored.is_empty() {
            return Err(invalid("a node has no candidate op other than `none`"));
        }
        kept.push(scored.iter().map(|&(e, k, _)| (e, k)).collect());
    }
    if let Some(m) = opts.max_skip {
        restrict(&mut kept, &w, shape, kinds, OpKind::Skip, m);
    }
    if let Some(m) = opts.max_pool {
        restrict(&mut kept, &w, shape, kinds, OpKind::Pool, m);
    }
    let nodes = kept
        .iter()
        .enumerate()
        .map(|(j, list)| {
            list.iter()
                .map(|&(e, k)| GenoEdge {
                    op: ops[k].name.clone(),
                    input: e - shape.offset(j),
                })
                .collect()
        })
        .collect();
    Ok(CellGenotype {
        nodes,
        concat: concat.to_vec(),
    })
}

/// Replace kept ops of `kind` beyond `max`, lowest probability first.
fn restrict(
    kept: &mut [Vec<(usize, usize)>],
    w: &[Vec<f64>],
    shape: &CellShape,
    kinds: &[OpKind],
    kind: OpKind,
    max: usize,
) {
    let mut hits: Vec<(usize, usize, f64)> = Vec::new(); // (node, slot, prob)
    for (j, list) in kept.iter().enumerate() {
        for (s, &(e, k)) in list.iter().enumerate() {
            if kinds[k] == kind {
                hits.push((j, s, w[e][k]));
            }
        }
    }
    if hits.len() <= max {
        return;
    }
    hits.sort_by(|a, b| a.2.partial_cmp(&b.2).unwrap_or(std::cmp::Ordering::Equal));
    let excess = hits.len() - max;
    for &(j, slot, _) in hits.iter().take(excess) {
        let start = shape.offset(j);
        let others: Vec<usize> = kept[j]
            .iter()
            .enumerate()
            .filter(|(s, _)| *s != slot)
            .map(|(_, &(e, _))| e)
            .collect();
        let mut best: Option<(usize, usize, f64)> = None;
        for (e, row) in w
            .iter()
            .enumerate()
            .take(start + shape.inputs + j)
            .skip(start)
        {
            if others.contains(&e) {
                continue;
            }
            for (k, &p) in row.iter().enumerate() {
                if kinds[k] != OpKind::Param {
                    continue;
                }
                if best.is_none_or(|b| p > b.2) {
                    best = Some((e, k, p));
                }
            }
        }
        if let Some((e, k, _)) = best {
            kept[j][slot] = (e, k);
        }
    }
}

impl Cell {
    /// The genotype of a fixed (or frozen) cell.
    pub fn genotype(&self, ops: &[OpDef]) -> Option<CellGenotype> {
        let CellMode::Fixed { nodes } = &self.mode else {
            return None;
        };
        let nodes = nodes
            .iter()
            .enumerate()
            .map(|(j, list)| {
                list.iter()
                    .map(|&(e, k)| GenoEdge {
                        op: ops[k].name.clone(),
                        input: e - self.shape.offset(j),
                    })
                    .collect()
            })
            .collect();
        Some(CellGenotype {
            nodes,
            concat: self.concat.clone(),
        })
    }
}

impl Network {
    /// The genotype of cell `i`: its frozen/fixed form, else derived from its alphas.
    pub fn derive_cell(&self, i: usize, opts: &DeriveOptions) -> Result<CellGenotype> {
        let cell = self
            .cells()
            .nth(i)
            .ok_or_else(|| invalid(format!("no cell {i}")))?;
        match cell.mode {
            CellMode::Fixed { .. } => cell
                .genotype(&self.ops)
                .ok_or_else(|| internal("fixed cell")),
            CellMode::Search { group } => {
                let alpha = self.alphas[group].values()?;
                derive_cell(
                    &alpha,
                    &cell.shape,
                    &cell.concat,
                    &self.ops,
                    &self.kinds,
                    opts,
                )
            }
        }
    }

    /// The whole architecture: `Shared` for shared alphas, else `PerCell`.
    pub fn derive(&self, opts: &DeriveOptions) -> Result<Genotype> {
        if self.sharing() == Some(AlphaSharing::Shared) {
            let derive_first = |reduction: bool| -> Result<Option<CellGenotype>> {
                let cell = self.cells().find(|c| c.shape.reduction == reduction);
                match cell {
                    Some(c) => {
                        let group = match c.mode {
                            CellMode::Search { group } => group,
                            CellMode::Fixed { .. } => return Ok(c.genotype(&self.ops)),
                        };
                        let alpha = self.alphas[group].values()?;
                        Ok(Some(derive_cell(
                            &alpha,
                            &c.shape,
                            &c.concat,
                            &self.ops,
                            &self.kinds,
                            opts,
                        )?))
                    }
                    None => Ok(None),
                }
            };
            let normal =
                derive_first(false)?.ok_or_else(|| invalid("the network has no normal cell"))?;
            let reduce = derive_first(true)?.unwrap_or_else(|| normal.clone());
            return Ok(Genotype::Shared { normal, reduce });
        }
        let cells = (0..self.cell_count())
            .map(|i| self.derive_cell(i, opts))
            .collect::<Result<Vec<_>>>()?;
        Ok(Genotype::PerCell { cells })
    }

    /// Freeze supernet cell `i` into its derived compact cell; returns that genotype.
    pub fn freeze_cell(&mut self, i: usize, opts: &DeriveOptions) -> Result<CellGenotype> {
        let geno = self.derive_cell(i, opts)?;
        self.freeze_cell_with(i, &geno)?;
        Ok(geno)
    }
}

fn pairs(g: &CellGenotype) -> String {
    nas_ir::source::pairs_quoted(g, '\'')
}

fn concat(g: &CellGenotype) -> String {
    nas_ir::source::int_list(&g.concat)
}

/// `Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], reduce=[...],
/// reduce_concat=[...])` for shared genotypes; for per-cell ones, the list of every
/// cell's pairs (`[[...], [...], ...]`, the official `net.config` form).
pub fn darts_genotype_string(g: &Genotype) -> String {
    match g {
        Genotype::Shared { normal, reduce } => format!(
            "Genotype(normal={}, normal_concat={}, reduce={}, reduce_concat={})",
            pairs(normal),
            concat(normal),
            pairs(reduce),
            concat(reduce)
        ),
        Genotype::PerCell { cells } => {
            let items: Vec<String> = cells.iter().map(pairs).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// NAS-Bench-201 string of one cell: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.
pub fn nb201_genotype_string(g: &CellGenotype) -> String {
    nas_ir::source::nb201_arch(g)
}
