//! ONNX nodes of a whole fixed network, built from its IR as the engine builds it
//! (`nas_engine::nn::build`): stem, cells (DARTS: two preprocessed inputs, reduction cells
//! doubling the channels; NB201: one input, residual blocks between stages, a final BN and
//! ReLU), global average pooling and the head. The auxiliary tower is left out: it only
//! runs in training.
//!
//! Contract: the network's cells are fixed (`CellSpec::Genotype`); every zero op is left
//! out of its node's sum (a node with nothing else is zeros of its shape). Returns the
//! output's name and width.

use nas_ir::{
    CellGenotype, CellSpec, DartsNet, Family, Genotype, HeadSpec, Nb201Net, NetworkSpec, OpDef,
    StemKind,
};

use crate::error::ExportError;
use crate::graph::{int, ints, Graph};
use crate::layers::{
    bad_spec, batch_norm, conv, factorized_reduce, is_zero, prim, relu, relu_conv_bn, zeros, Act,
    ConvGeom, OpCtx,
};

/// The network's fixed genotype.
pub fn genotype_of(spec: &NetworkSpec) -> Result<&Genotype, ExportError> {
    let cell = match &spec.family {
        Family::Darts(d) => &d.cell,
        Family::Nb201(n) => &n.cell,
    };
    match cell {
        CellSpec::Genotype { genotype } => Ok(genotype),
        CellSpec::Search { .. } => Err(bad_spec(
            "the network is a supernet (every op on every edge), not a derived network".into(),
        )),
        CellSpec::Derived { stage } => Err(bad_spec(format!(
            "the network's cells come from stage `{stage}`, but its genotype was not filled in"
        ))),
    }
}

/// The nodes of `spec` on the graph's input `input`; returns the output and its width.
pub fn lower(
    g: &mut Graph,
    spec: &NetworkSpec,
    input: &str,
) -> Result<(String, usize), ExportError> {
    if spec.in_channels == 0 || spec.image_size == 0 {
        return Err(bad_spec(
            "input channels and image size must be positive".into(),
        ));
    }
    let x = Act {
        name: input.to_string(),
        c: spec.in_channels,
        size: spec.image_size,
    };
    let genotype = genotype_of(spec)?;
    let features = match &spec.family {
        Family::Darts(d) => darts(g, &x, d, genotype)?,
        Family::Nb201(n) => nb201(g, &x, n, genotype)?,
    };
    head(g, &features, &spec.head)
}

/// Shape of a cell: inputs, nodes, channels, reduction, BN default.
#[derive(Debug, Clone, Copy)]
struct CellShape {
    inputs: usize,
    nodes: usize,
    channels: usize,
    reduction: bool,
    affine: bool,
}

fn darts(g: &mut Graph, x: &Act, d: &DartsNet, geno: &Genotype) -> Result<Act, ExportError> {
    if d.cells == 0 || d.channels == 0 || d.nodes == 0 || d.ops.is_empty() {
        return Err(bad_spec(
            "cells, channels, nodes and ops must be non-empty".into(),
        ));
    }
    if let Some(r) = d.reductions.iter().find(|&&r| r >= d.cells) {
        return Err(bad_spec(format!(
            "reduction cell {r} is outside the {} cells",
            d.cells
        )));
    }
    let (mut s0, mut s1) = stem(g, x, d)?;
    let mut red_prev = d.stem == StemKind::Imagenet;
    let mut cc = d.channels;
    for i in 0..d.cells {
        let red = d.reductions.contains(&i);
        if red {
            cc *= 2;
        }
        let name = format!("cells.{i}");
        let p0 = format!("{name}.preprocess0");
        let p1 = format!("{name}.preprocess1");
        let pre0 = if red_prev {
            factorized_reduce(g, &s0, &p0, cc, d.affine)?
        } else {
            relu_conv_bn(g, &s0, &p0, ConvGeom::dense(cc, 1, 1), d.affine)?
        };
        let pre1 = relu_conv_bn(g, &s1, &p1, ConvGeom::dense(cc, 1, 1), d.affine)?;
        let shape = CellShape {
            inputs: 2,
            nodes: d.nodes,
            channels: cc,
            reduction: red,
            affine: d.affine,
        };
        let out = cell(
            g,
            &[pre0, pre1],
            &name,
            shape,
            &d.ops,
            cell_geno(geno, i, d.cells, red)?,
        )?;
        s0 = std::mem::replace(&mut s1, out);
        red_prev = red;
    }
    Ok(s1)
}

/// The stem's two cell inputs.
fn stem(g: &mut Graph, x: &Act, d: &DartsNet) -> Result<(Act, Act), ExportError> {
    match d.stem {
        StemKind::Cifar => {
            let c = d.stem_multiplier * d.channels;
            let s = conv_bn(g, x, "stem", [0, 1], c, 1)?;
            Ok((s.clone(), s))
        }
        StemKind::Imagenet => {
            let c = d.channels;
            if c < 2 {
                return Err(bad_spec(
                    "the ImageNet stem needs at least 2 channels".into(),
                ));
            }
            let a = conv_bn(g, x, "stem0", [0, 1], c / 2, 2)?;
            let a = relu(g, &a, "stem0.2");
            let s0 = conv_bn(g, &a, "stem0", [3, 4], c, 2)?;
            let h = relu(g, &s0, "stem1.0");
            let s1 = conv_bn(g, &h, "stem1", [1, 2], c, 2)?;
            Ok((s0, s1))
        }
    }
}

/// Conv 3x3 `{prefix}.{idx[0]}` + affine BN `{prefix}.{idx[1]}`.
fn conv_bn(
    g: &mut Graph,
    x: &Act,
    prefix: &str,
    idx: [usize; 2],
    cout: usize,
    stride: usize,
) -> Result<Act, ExportError> {
    let h = conv(
        g,
        x,
        &format!("{prefix}.{}", idx[0]),
        ConvGeom::dense(cout, 3, stride),
    )?;
    batch_norm(g, &h, &format!("{prefix}.{}", idx[1]), true)
}

/// Genotype of cell `i` (of `n`).
fn cell_geno(
    g: &Genotype,
    i: usize,
    n: usize,
    reduction: bool,
) -> Result<&CellGenotype, ExportError> {
    match g {
        Genotype::PerCell { cells } if cells.len() != n => Err(bad_spec(format!(
            "{} cell genotypes for a network of {n} cells",
            cells.len()
        ))),
        Genotype::PerCell { cells } => Ok(&cells[i]),
        Genotype::Shared { normal, reduce } => Ok(if reduction { reduce } else { normal }),
    }
}

/// One incoming edge of a node: (edge id, op index, input state).
type Edge = (usize, usize, usize);

/// Check a cell genotype against the cell and the op list (as the engine does).
fn resolve(
    shape: &CellShape,
    ops: &[OpDef],
    geno: &CellGenotype,
) -> Result<Vec<Vec<Edge>>, ExportError> {
    if geno.nodes.len() != shape.nodes {
        return Err(bad_spec(format!(
            "{} nodes in the genotype, {} in the cell",
            geno.nodes.len(),
            shape.nodes
        )));
    }
    let states = shape.inputs + shape.nodes;
    if let Some(c) = geno
        .concat
        .iter()
        .find(|&&c| c >= states || c < shape.inputs)
    {
        return Err(bad_spec(format!(
            "concat state {c} is not a node (states {}..{states})",
            shape.inputs
        )));
    }
    if geno.concat.is_empty() {
        return Err(bad_spec("a cell concatenates no state".into()));
    }
    let mut out = Vec::with_capacity(shape.nodes);
    let mut offset = 0;
    for (j, edges) in geno.nodes.iter().enumerate() {
        if edges.is_empty() {
            return Err(bad_spec(format!("node {j} has no incoming edge")));
        }
        let mut kept: Vec<Edge> = Vec::with_capacity(edges.len());
        for e in edges {
            if e.input >= shape.inputs + j {
                return Err(bad_spec(format!("node {j} cannot take input {}", e.input)));
            }
            let k = ops.iter().position(|o| o.name == e.op).ok_or_else(|| {
                let names: Vec<&str> = ops.iter().map(|o| o.name.as_str()).collect();
                bad_spec(format!(
                    "unknown op `{}` (candidates: {})",
                    e.op,
                    names.join(", ")
                ))
            })?;
            if kept.iter().any(|&(_, k2, i2)| k2 == k && i2 == e.input) {
                return Err(bad_spec(format!(
                    "node {j} repeats `{}` from input {}",
                    e.op, e.input
                )));
            }
            kept.push((offset + e.input, k, e.input));
        }
        offset += shape.inputs + j;
        out.push(kept);
    }
    Ok(out)
}

/// A fixed cell: each node sums its kept edges' ops; the output concatenates `concat`.
fn cell(
    g: &mut Graph,
    inputs: &[Act],
    name: &str,
    shape: CellShape,
    ops: &[OpDef],
    geno: &CellGenotype,
) -> Result<Act, ExportError> {
    let nodes = resolve(&shape, ops, geno)?;
    let mut states: Vec<Act> = inputs.to_vec();
    for (j, kept) in nodes.iter().enumerate() {
        let mut terms: Vec<Act> = Vec::with_capacity(kept.len());
        let mut zero_like = None;
        for &(e, k, input) in kept {
            let stride = if shape.reduction && input < shape.inputs {
                2
            } else {
                1
            };
            let ctx = OpCtx {
                channels: shape.channels,
                edge_stride: stride,
                affine: shape.affine,
            };
            let prefix = format!("{name}.edges.{e}.{}", ops[k].name);
            if is_zero(&ops[k].body, ctx) {
                zero_like = Some((input, stride, prefix));
                continue;
            }
            terms.push(prim(g, &states[input], &prefix, &ops[k].body, ctx)?);
        }
        let at = format!("{name}.nodes.{j}");
        let h = match (terms.len(), zero_like) {
            (0, Some((input, stride, prefix))) => zeros(g, &states[input], &prefix, stride),
            (1, _) => terms.remove(0),
            _ => {
                let names: Vec<&str> = terms.iter().map(|t| t.name.as_str()).collect();
                let sum = g.node("Sum", &at, &names, Vec::new());
                Act {
                    name: sum,
                    ..terms[0].clone()
                }
            }
        };
        states.push(h);
    }
    let picked: Vec<&Act> = geno.concat.iter().map(|&i| &states[i]).collect();
    if let [only] = picked.as_slice() {
        return Ok((*only).clone());
    }
    let names: Vec<&str> = picked.iter().map(|a| a.name.as_str()).collect();
    let out = g.node("Concat", name, &names, vec![int("axis", 1)]);
    Ok(Act {
        name: out,
        c: picked.iter().map(|a| a.c).sum(),
        size: picked[0].size,
    })
}

fn nb201(g: &mut Graph, x: &Act, n: &Nb201Net, geno: &Genotype) -> Result<Act, ExportError> {
    if n.channels == 0 || n.cells_per_stage == 0 || n.nodes == 0 || n.ops.is_empty() {
        return Err(bad_spec(
            "channels, cells per stage, nodes and ops must be non-empty".into(),
        ));
    }
    let mut h = conv_bn(g, x, "stem", [0, 1], n.channels, 1)?;
    let total = 3 * n.cells_per_stage;
    let mut i = 0;
    for stage in 0..3 {
        if stage > 0 {
            h = res_block(g, &h, &format!("resblocks.{}", stage - 1), 2 * h.c)?;
        }
        for _ in 0..n.cells_per_stage {
            let shape = CellShape {
                inputs: 1,
                nodes: n.nodes,
                channels: h.c,
                reduction: false,
                affine: n.affine,
            };
            let name = format!("cells.{i}");
            h = cell(
                g,
                &[h],
                &name,
                shape,
                &n.ops,
                cell_geno(geno, i, total, false)?,
            )?;
            i += 1;
        }
    }
    let h = batch_norm(g, &h, "lastact.0", true)?;
    Ok(relu(g, &h, "lastact.1"))
}

/// NB201 residual reduction: ReLUConvBN 3x3 s2, ReLUConvBN 3x3, plus a shortcut of a 2x2
/// average pool (an odd side padded with zeros that count, as the engine pads the tensor)
/// and a 1x1 conv.
fn res_block(g: &mut Graph, x: &Act, prefix: &str, cout: usize) -> Result<Act, ExportError> {
    let a = relu_conv_bn(
        g,
        x,
        &format!("{prefix}.conv_a"),
        ConvGeom::dense(cout, 3, 2),
        true,
    )?;
    let b = relu_conv_bn(
        g,
        &a,
        &format!("{prefix}.conv_b"),
        ConvGeom::dense(cout, 3, 1),
        true,
    )?;
    let odd = (x.size % 2) as i64;
    let attrs = vec![
        ints("kernel_shape", &[2, 2]),
        ints("strides", &[2, 2]),
        ints("pads", &[0, 0, odd, odd]),
        int("count_include_pad", 1),
    ];
    let at = format!("{prefix}.downsample.0");
    let pooled = g.node("AveragePool", &at, &[&x.name], attrs);
    let pooled = Act {
        name: pooled,
        c: x.c,
        size: x.size.div_ceil(2),
    };
    let geo = ConvGeom {
        pad: 0,
        ..ConvGeom::dense(cout, 1, 1)
    };
    let sc = conv(g, &pooled, &format!("{prefix}.downsample.1"), geo)?;
    let sum = g.node("Add", prefix, &[&b.name, &sc.name], Vec::new());
    Ok(Act { name: sum, ..b })
}

/// Global average pool, flatten, then the head; the output is named `logits` (classifier),
/// `projection` (MLP) or `features` (no head).
fn head(g: &mut Graph, x: &Act, spec: &HeadSpec) -> Result<(String, usize), ExportError> {
    let pooled = g.node("GlobalAveragePool", "pool", &[&x.name], Vec::new());
    let flat = |g: &mut Graph, out: Option<&str>| {
        let attrs = vec![int("axis", 1)];
        match out {
            Some(o) => g.node_named("Flatten", &[&pooled], attrs, o),
            None => g.node("Flatten", "pool", &[&pooled], attrs),
        }
    };
    match spec {
        HeadSpec::Features => Ok((flat(g, Some("features")), x.c)),
        HeadSpec::Classifier { classes } => {
            let f = flat(g, None);
            let out = linear(g, &f, "classifier", x.c, *classes, Some("logits"))?;
            Ok((out, *classes))
        }
        HeadSpec::Mlp { hidden, out } => {
            let mut dims = vec![x.c];
            dims.extend(hidden.iter().copied());
            dims.push(*out);
            let mut h = flat(g, None);
            let last = dims.len() - 2;
            for (i, w) in dims.windows(2).enumerate() {
                let prefix = format!("head.{}", 2 * i);
                if i > 0 {
                    h = g.node("Relu", &prefix, &[&h], Vec::new());
                }
                let name = (i == last).then_some("projection");
                h = linear(g, &h, &prefix, w[0], w[1], name)?;
            }
            Ok((h, *out))
        }
    }
}

/// `x W^T + b` with `{prefix}.weight` [fout, fin] and `{prefix}.bias` [fout].
fn linear(
    g: &mut Graph,
    x: &str,
    prefix: &str,
    fin: usize,
    fout: usize,
    out: Option<&str>,
) -> Result<String, ExportError> {
    let w = g.weight(&format!("{prefix}.weight"), &[fout, fin])?;
    let b = g.weight(&format!("{prefix}.bias"), &[fout])?;
    let attrs = vec![int("transB", 1)];
    Ok(match out {
        Some(o) => g.node_named("Gemm", &[x, &w, &b], attrs, o),
        None => g.node("Gemm", prefix, &[x, &w, &b], attrs),
    })
}
