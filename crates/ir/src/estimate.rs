//! Static cost estimate of a network from its IR alone: trainable parameters and
//! multiply-adds per image (the numbers `nas check --estimate` prints).
//!
//! Contract: `params` equals the number of trainable scalars of the network that
//! `crate::nn::Network::new` builds from the same spec (alphas and BN running statistics
//! excluded); a supernet counts every candidate op on every edge. `madds` counts the
//! multiply-adds of convolutions and linear layers of one forward pass of one image (a
//! supernet: every op on every edge, the DARTS relaxation's cost; pools, BN and additions
//! are not counted). The shape rules mirror `nn`: "same" padding, stride-2 sizes round up.

use super::{
    CellGenotype, CellSpec, DartsNet, Family, Genotype, HeadSpec, Nb201Net, NetworkSpec, OpDef,
    Prim, StemKind, Stride,
};

/// Cost of one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct NetEstimate {
    /// Trainable parameters (batch-norm running statistics excluded; alphas excluded).
    pub params: u64,
    /// Parameters of the auxiliary head alone (included in `params`).
    pub aux_params: u64,
    /// Multiply-adds of one forward pass of one image.
    pub madds: u64,
}

/// Why an estimate could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    #[error("the network's cells come from stage `{0}`, whose genotype is known only at run time")]
    NeedsGenotype(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the network's {what} ({value:.3e}) is too large to count")]
    TooLarge { what: &'static str, value: f64 },
}

/// A total narrowed to u64, or `TooLarge`.
fn narrow(what: &'static str, value: u128) -> Res<u64> {
    u64::try_from(value).map_err(|_| EstimateError::TooLarge {
        what,
        value: value as f64,
    })
}

type Res<T> = Result<T, EstimateError>;

/// Running totals, in u128 so that no network the checker accepts can overflow them; the
/// totals are narrowed to u64 at the end, or the estimate is `TooLarge`.
#[derive(Default, Clone, Copy)]
struct Cost {
    params: u128,
    madds: u128,
    /// Activation elements per image kept for the backward pass (approximate).
    act: u128,
    /// Elements of the last produced tensor (what a following BN normalises).
    last: u128,
}

impl Cost {
    /// Conv `cin -> cout`, kernel k, `groups`, output side `out`.
    fn conv(&mut self, cin: usize, cout: usize, k: usize, groups: usize, out: usize) {
        let p = cout as u128 * (cin / groups) as u128 * (k * k) as u128;
        self.params += p;
        self.madds += p * (out as u128 * out as u128);
        self.tensor(cout * out * out);
    }
    /// BN keeps the centred input and the normalised output (and the affine output).
    fn bn(&mut self, c: usize, affine: bool) {
        if affine {
            self.params += 2 * c as u128;
        }
        self.act += if affine { 3 } else { 2 } * self.last;
    }
    fn linear(&mut self, fin: usize, fout: usize) {
        self.params += fin as u128 * fout as u128 + fout as u128;
        self.madds += fin as u128 * fout as u128;
        self.tensor(fout);
    }
    /// A new tensor of `n` elements per image.
    fn tensor(&mut self, n: usize) {
        self.last = n as u128;
        self.act += n as u128;
    }
}

/// Output side of a conv/pool with "same" padding.
fn out_side(h: usize, k: usize, s: usize, d: usize) -> usize {
    let p = d * (k - 1) / 2;
    (h + 2 * p - d * (k - 1) - 1) / s + 1
}

fn invalid(s: impl Into<String>) -> EstimateError {
    EstimateError::Invalid(s.into())
}

/// Cost of one op on an edge: channels c, input side h, edge stride; returns the output side.
fn prim(cost: &mut Cost, p: &Prim, c: usize, h: usize, es: usize, affine: bool) -> Res<usize> {
    let st = |s: &Stride| if *s == Stride::Edge { es } else { 1 };
    Ok(match p {
        Prim::Seq { items } => {
            let mut h = h;
            for i in items {
                h = prim(cost, i, c, h, es, affine)?;
            }
            h
        }
        Prim::Relu => {
            cost.tensor(c * h * h);
            h
        }
        Prim::Identity => {
            cost.last = (c * h * h) as u128;
            h
        }
        Prim::Conv {
            kernel,
            stride,
            dilation,
            depthwise,
        } => {
            if kernel % 2 == 0 {
                return Err(invalid(format!("conv kernel must be odd, got {kernel}")));
            }
            let o = out_side(h, *kernel, st(stride), *dilation);
            cost.conv(c, c, *kernel, if *depthwise { c } else { 1 }, o);
            o
        }
        Prim::BatchNorm { affine: a } => {
            cost.bn(c, a.unwrap_or(affine));
            h
        }
        Prim::MaxPool { kernel, stride } | Prim::AvgPool { kernel, stride } => {
            let o = out_side(h, *kernel, st(stride), 1);
            cost.act += (c * (h + kernel) * (h + kernel)) as u128; // the padded input
            cost.tensor(c * o * o);
            o
        }
        Prim::Zero { stride } => h.div_ceil(st(stride)),
        Prim::FactorizedReduce { affine: a } => {
            factorized_reduce(cost, c, c, h, a.unwrap_or(affine))
        }
        Prim::ByStride { one, two } => {
            prim(cost, if es == 1 { one } else { two }, c, h, es, affine)?
        }
    })
}

fn factorized_reduce(cost: &mut Cost, cin: usize, cout: usize, h: usize, affine: bool) -> usize {
    let o = h.div_ceil(2);
    cost.tensor(cin * h * h); // ReLU
    cost.conv(cin, cout / 2, 1, 1, o);
    cost.conv(cin, cout / 2, 1, 1, o);
    cost.tensor(cout * o * o); // concat
    cost.bn(cout, affine);
    o
}

/// The (edge input, op index) pairs per node that a cell holds.
fn cell_edges(
    inputs: usize,
    nodes: usize,
    ops: &[OpDef],
    geno: Option<&CellGenotype>,
) -> Res<Vec<Vec<(usize, usize)>>> {
    match geno {
        None => Ok((0..nodes)
            .map(|j| {
                (0..inputs + j)
                    .flat_map(|i| (0..ops.len()).map(move |k| (i, k)))
                    .collect()
            })
            .collect()),
        Some(g) => {
            if g.nodes.len() != nodes {
                return Err(invalid(format!(
                    "genotype has {} nodes, the cell {nodes}",
                    g.nodes.len()
                )));
            }
            g.nodes
                .iter()
                .enumerate()
                .map(|(j, es)| {
                    es.iter()
                        .map(|e| {
                            let k = ops
                                .iter()
                                .position(|o| o.name == e.op)
                                .ok_or_else(|| invalid(format!("unknown op `{}`", e.op)))?;
                            if e.input >= inputs + j {
                                return Err(invalid(format!(
                                    "node {j} cannot take input {}",
                                    e.input
                                )));
                            }
                            Ok((e.input, k))
                        })
                        .collect()
                })
                .collect()
        }
    }
}

/// Cost of a cell's edges; `h` is the side of the (preprocessed) inputs.
#[allow(clippy::too_many_arguments)]
fn cell_ops(
    cost: &mut Cost,
    edges: &[Vec<(usize, usize)>],
    ops: &[OpDef],
    c: usize,
    h: usize,
    red: bool,
    inputs: usize,
    affine: bool,
    two_path: bool,
) -> Res<()> {
    let ho = if red { h.div_ceil(2) } else { h };
    let node_elems = (c * ho * ho) as u128;
    let before = cost.act;
    for list in edges {
        for &(input, k) in list {
            let es = if red && input < inputs { 2 } else { 1 };
            let hin = if red && input >= inputs {
                h.div_ceil(2)
            } else {
                h
            };
            prim(cost, &ops[k].body, c, hin, es, affine)?;
        }
    }
    let edge_count: u128 = edges.iter().map(|l| l.len() as u128).sum();
    if two_path && !ops.is_empty() {
        // Two of the candidates run per edge, each output times its gate.
        let edges_dag = edge_count / ops.len() as u128;
        let all_ops = cost.act - before;
        cost.act = before + 2 * all_ops / ops.len() as u128 + edges_dag * 2 * node_elems;
    } else {
        cost.act += edge_count * node_elems; // weighted sums / node additions
    }
    cost.act += edges.len() as u128 * node_elems; // concat
    Ok(())
}

/// Per-cell genotype (None = supernet cell) of cell `i` of `n`.
fn geno_of<'a>(
    cell: &'a CellSpec,
    g: Option<&'a Genotype>,
    i: usize,
    n: usize,
    red: bool,
) -> Res<Option<&'a CellGenotype>> {
    let g = match cell {
        CellSpec::Search { .. } => return Ok(None),
        CellSpec::Genotype { genotype } => genotype,
        CellSpec::Derived { stage } => {
            g.ok_or_else(|| EstimateError::NeedsGenotype(stage.clone()))?
        }
    };
    Ok(Some(match g {
        Genotype::PerCell { cells } => {
            if cells.len() != n {
                return Err(invalid(format!(
                    "{} cell genotypes for {n} cells",
                    cells.len()
                )));
            }
            &cells[i]
        }
        Genotype::Shared { normal, reduce } => {
            if red {
                reduce
            } else {
                normal
            }
        }
    }))
}

fn head(cost: &mut Cost, spec: &HeadSpec, feat: usize) {
    match spec {
        HeadSpec::Features => {}
        HeadSpec::Classifier { classes } => cost.linear(feat, *classes),
        HeadSpec::Mlp { hidden, out } => {
            let mut dims = vec![feat];
            dims.extend(hidden.iter().copied());
            dims.push(*out);
            for w in dims.windows(2) {
                cost.linear(w[0], w[1]);
            }
        }
    }
}

fn darts(spec: &NetworkSpec, d: &DartsNet, g: Option<&Genotype>) -> Res<(NetEstimate, u128)> {
    let mut cost = Cost::default();
    let s = spec.image_size;
    let c = d.channels;
    let (mut h, c_stem) = match d.stem {
        StemKind::Cifar => {
            let cs = d.stem_multiplier * c;
            cost.conv(spec.in_channels, cs, 3, 1, s);
            cost.bn(cs, true);
            (s, cs)
        }
        StemKind::Imagenet => {
            let h1 = s.div_ceil(2);
            let h2 = h1.div_ceil(2);
            let h3 = h2.div_ceil(2);
            cost.conv(spec.in_channels, c / 2, 3, 1, h1);
            cost.bn(c / 2, true);
            cost.conv(c / 2, c, 3, 1, h2);
            cost.bn(c, true);
            cost.conv(c, c, 3, 1, h3);
            cost.bn(c, true);
            (h3, c)
        }
    };
    let (mut cpp, mut cp, mut cc) = (c_stem, c_stem, c);
    let mut red_prev = d.stem == StemKind::Imagenet;
    let mut aux = 0;
    for i in 0..d.cells {
        let red = d.reductions.contains(&i);
        if red {
            cc *= 2;
        }
        if red_prev {
            // s0 has twice s1's side; the factorized reduce brings it to `h`.
            factorized_reduce(&mut cost, cpp, cc, 2 * h, d.affine);
        } else {
            cost.tensor(cpp * h * h); // ReLU
            cost.conv(cpp, cc, 1, 1, h);
            cost.bn(cc, d.affine);
        }
        cost.tensor(cp * h * h);
        cost.conv(cp, cc, 1, 1, h);
        cost.bn(cc, d.affine);
        let geno = geno_of(&d.cell, g, i, d.cells, red)?;
        let edges = cell_edges(2, d.nodes, &d.ops, geno)?;
        cell_ops(
            &mut cost,
            &edges,
            &d.ops,
            cc,
            h,
            red,
            2,
            d.affine,
            geno.is_none() && two_path(&d.cell),
        )?;
        let width = geno.map(|g| g.concat.len()).unwrap_or(d.multiplier);
        cpp = cp;
        cp = width * cc;
        red_prev = red;
        if red {
            h = h.div_ceil(2);
        }
        if i == 2 * d.cells / 3 {
            if let Some(a) = &spec.auxiliary {
                aux = aux_head(
                    &mut cost,
                    cp,
                    h,
                    if d.stem == StemKind::Cifar { 3 } else { 2 },
                    a.classes,
                )?;
            }
        }
    }
    head(&mut cost, &spec.head, cp);
    let est = NetEstimate {
        params: narrow("parameter count", cost.params)?,
        aux_params: narrow("auxiliary head", aux)?,
        madds: narrow("multiply-add count", cost.madds)?,
    };
    Ok((est, cost.act))
}

fn aux_head(cost: &mut Cost, cin: usize, h: usize, stride: usize, classes: usize) -> Res<u128> {
    let p = if h >= 5 { (h - 5) / stride + 1 } else { 0 };
    if p < 2 {
        return Err(invalid(format!(
            "the auxiliary head needs features of at least {0}x{0}, got {h}x{h}",
            5 + stride
        )));
    }
    let before = cost.params;
    cost.conv(cin, 128, 1, 1, p);
    cost.bn(128, true);
    cost.conv(128, 768, 2, 1, p - 1);
    cost.bn(768, true);
    cost.linear(768 * (p - 1) * (p - 1), classes);
    Ok(cost.params - before)
}

fn nb201(spec: &NetworkSpec, n: &Nb201Net, g: Option<&Genotype>) -> Res<(NetEstimate, u128)> {
    let mut cost = Cost::default();
    let mut h = spec.image_size;
    let mut c = n.channels;
    cost.conv(spec.in_channels, c, 3, 1, h);
    cost.bn(c, true);
    let total = 3 * n.cells_per_stage;
    let mut i = 0;
    for stage in 0..3 {
        if stage > 0 {
            let o = h.div_ceil(2);
            cost.conv(c, 2 * c, 3, 1, o);
            cost.bn(2 * c, true);
            cost.conv(2 * c, 2 * c, 3, 1, o);
            cost.bn(2 * c, true);
            cost.conv(c, 2 * c, 1, 1, o);
            c *= 2;
            h = o;
        }
        for _ in 0..n.cells_per_stage {
            let geno = geno_of(&n.cell, g, i, total, false)?;
            let edges = cell_edges(1, n.nodes, &n.ops, geno)?;
            cell_ops(
                &mut cost,
                &edges,
                &n.ops,
                c,
                h,
                false,
                1,
                n.affine,
                geno.is_none() && two_path(&n.cell),
            )?;
            i += 1;
        }
    }
    cost.bn(c, true);
    head(&mut cost, &spec.head, c);
    let est = NetEstimate {
        params: narrow("parameter count", cost.params)?,
        aux_params: 0,
        madds: narrow("multiply-add count", cost.madds)?,
    };
    Ok((est, cost.act))
}

/// Estimate a network. `genotype` supplies the architecture of a `CellSpec::Derived`
/// network; it is ignored for supernets and fixed genotypes.
pub fn estimate_network(
    spec: &NetworkSpec,
    genotype: Option<&Genotype>,
) -> Result<NetEstimate, EstimateError> {
    Ok(walk(spec, genotype)?.0)
}

fn walk(spec: &NetworkSpec, genotype: Option<&Genotype>) -> Res<(NetEstimate, u128)> {
    match &spec.family {
        Family::Darts(d) => darts(spec, d, genotype),
        Family::Nb201(n) => nb201(spec, n, genotype),
    }
}

fn two_path(cell: &CellSpec) -> bool {
    matches!(
        cell,
        CellSpec::Search {
            mode: super::EdgeMode::TwoPath,
            ..
        }
    )
}

/// Rough memory of one training step (bytes), for `nas check --estimate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct MemEstimate {
    /// Weights, their gradients and one optimiser state (3 copies of the parameters).
    pub weights_bytes: u64,
    /// Intermediate tensors the autograd graph keeps until backward, for the batch
    /// (candle keeps every intermediate; two-path supernets run 2 ops per edge).
    pub activations_bytes: u64,
    /// weights + 2 x activations (backward allocates gradients of similar size).
    pub total_bytes: u64,
}

/// Approximate memory of a training step at `batch` images of `bytes_per_elem` (4 for
/// f32). Counted from the same walk as `estimate_network`: every conv, BN, ReLU, pool,
/// sum and concat output per image; an order-of-magnitude guide, not a measurement.
pub fn estimate_train_memory(
    spec: &NetworkSpec,
    genotype: Option<&Genotype>,
    batch: usize,
    bytes_per_elem: usize,
) -> Result<MemEstimate, EstimateError> {
    let (est, act) = walk(spec, genotype)?;
    let b = bytes_per_elem as u128;
    let weights = 3 * est.params as u128 * b;
    let activations = act * batch as u128 * b;
    Ok(MemEstimate {
        weights_bytes: narrow("weight memory", weights)?,
        activations_bytes: narrow("activation memory", activations)?,
        total_bytes: narrow("training memory", weights + 2 * activations)?,
    })
}
