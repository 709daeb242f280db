//! ONNX nodes of the layers the engine builds (`nas_engine::nn::layers`): convolution
//! (dense or depthwise), batch norm in inference form, ReLU, pools, factorized reduce, zero,
//! and the ops of an `ir::Prim` tree.
//!
//! Contract: each function takes the value it reads with its channels and side
//! ([`Act`]), reads the weights under the engine's names (a `Seq` numbers its items
//! `{prefix}.{i}`, a factorized reduce has `conv_1`, `conv_2`, `bn`) and computes what the
//! engine computes in evaluation mode: "same" padding `dilation * (kernel - 1) / 2`, no conv
//! bias, batch norm from the running statistics with eps 1e-5, pools padded by
//! `(kernel - 1) / 2` with average pools not counting the padding.

use nas_ir::{Prim, Stride};

use crate::error::ExportError;
use crate::graph::{float, int, ints, Graph};

/// PyTorch's (and the engine's) batch-norm epsilon.
const BN_EPS: f32 = 1e-5;

/// A value of the graph: NCHW with `c` channels and side `size`.
#[derive(Debug, Clone)]
pub struct Act {
    pub name: String,
    pub c: usize,
    pub size: usize,
}

/// A convolution's geometry.
#[derive(Debug, Clone, Copy)]
pub struct ConvGeom {
    pub cout: usize,
    pub kernel: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
    pub depthwise: bool,
}

impl ConvGeom {
    /// A dense `k` x `k` convolution with "same" padding.
    pub fn dense(cout: usize, kernel: usize, stride: usize) -> Self {
        ConvGeom {
            cout,
            kernel,
            stride,
            pad: (kernel - 1) / 2,
            dilation: 1,
            depthwise: false,
        }
    }
}

/// Output side of a window of `kernel` (dilated) at `stride` with `pad` on both sides.
fn out_side(size: usize, kernel: usize, stride: usize, pad: usize, dilation: usize) -> usize {
    (size + 2 * pad).saturating_sub(dilation * (kernel - 1) + 1) / stride + 1
}

/// Conv without bias, weight `{prefix}.weight`.
pub fn conv(g: &mut Graph, x: &Act, prefix: &str, geo: ConvGeom) -> Result<Act, ExportError> {
    let groups = if geo.depthwise { x.c } else { 1 };
    let cin_g = if geo.depthwise { 1 } else { x.c };
    let (k, s, p, d) = (geo.kernel, geo.stride, geo.pad, geo.dilation);
    let w = g.weight(&format!("{prefix}.weight"), &[geo.cout, cin_g, k, k])?;
    let attrs = vec![
        ints("kernel_shape", &[k as i64, k as i64]),
        ints("strides", &[s as i64, s as i64]),
        ints("pads", &[p as i64; 4]),
        ints("dilations", &[d as i64, d as i64]),
        int("group", groups as i64),
    ];
    Ok(Act {
        name: g.node("Conv", prefix, &[&x.name, &w], attrs),
        c: geo.cout,
        size: out_side(x.size, k, s, p, d),
    })
}

/// Batch norm in inference form; a non-affine one gets scale 1 and bias 0.
pub fn batch_norm(g: &mut Graph, x: &Act, prefix: &str, affine: bool) -> Result<Act, ExportError> {
    let c = x.c;
    let (scale, bias) = if affine {
        (
            g.weight(&format!("{prefix}.weight"), &[c])?,
            g.weight(&format!("{prefix}.bias"), &[c])?,
        )
    } else {
        (g.filled(1.0, c), g.filled(0.0, c))
    };
    let mean = g.weight(&format!("{prefix}.running_mean"), &[c])?;
    let var = g.weight(&format!("{prefix}.running_var"), &[c])?;
    let name = g.node(
        "BatchNormalization",
        prefix,
        &[&x.name, &scale, &bias, &mean, &var],
        vec![float("epsilon", BN_EPS)],
    );
    Ok(Act { name, ..x.clone() })
}

pub fn relu(g: &mut Graph, x: &Act, at: &str) -> Act {
    let name = g.node("Relu", at, &[&x.name], Vec::new());
    Act { name, ..x.clone() }
}

/// ReLU, `k` x `k` conv (`{prefix}.1`), BN (`{prefix}.2`).
pub fn relu_conv_bn(
    g: &mut Graph,
    x: &Act,
    prefix: &str,
    geo: ConvGeom,
    affine: bool,
) -> Result<Act, ExportError> {
    let h = relu(g, x, prefix);
    let h = conv(g, &h, &format!("{prefix}.1"), geo)?;
    batch_norm(g, &h, &format!("{prefix}.2"), affine)
}

/// ReLU, then a 1x1 stride-2 conv on it and another on it shifted by one pixel (padded with
/// a zero row and column at the bottom right, so odd sides agree), concat, BN.
pub fn factorized_reduce(
    g: &mut Graph,
    x: &Act,
    prefix: &str,
    cout: usize,
    affine: bool,
) -> Result<Act, ExportError> {
    if cout == 0 || !cout.is_multiple_of(2) {
        return Err(bad_spec(format!(
            "`{prefix}`: a factorized reduce needs an even channel count, got {cout}"
        )));
    }
    let h = relu(g, x, prefix);
    let half = ConvGeom {
        pad: 0,
        ..ConvGeom::dense(cout / 2, 1, 2)
    };
    let a = conv(g, &h, &format!("{prefix}.conv_1"), half)?;
    let starts = g.int64s(&[1, 1]);
    let ends = g.int64s(&[i64::MAX, i64::MAX]);
    let axes = g.int64s(&[2, 3]);
    let shifted = g.node(
        "Slice",
        prefix,
        &[&h.name, &starts, &ends, &axes],
        Vec::new(),
    );
    let shifted = Act {
        name: shifted,
        c: h.c,
        size: h.size.saturating_sub(1),
    };
    let w = g.weight(&format!("{prefix}.conv_2.weight"), &[cout / 2, x.c, 1, 1])?;
    let attrs = vec![
        ints("kernel_shape", &[1, 1]),
        ints("strides", &[2, 2]),
        ints("pads", &[0, 0, 1, 1]),
    ];
    let b = g.node(
        "Conv",
        &format!("{prefix}.conv_2"),
        &[&shifted.name, &w],
        attrs,
    );
    let cat = g.node("Concat", prefix, &[&a.name, &b], vec![int("axis", 1)]);
    let cat = Act {
        name: cat,
        c: cout,
        size: a.size,
    };
    batch_norm(g, &cat, &format!("{prefix}.bn"), affine)
}

/// Zeros of the shape an op of `stride` gives on `x` (the shape of a 1x1 max pool at that
/// stride, so that odd sides round up as the engine's do).
pub fn zeros(g: &mut Graph, x: &Act, at: &str, stride: usize) -> Act {
    let like = if stride == 1 {
        x.name.clone()
    } else {
        let attrs = vec![ints("kernel_shape", &[1, 1]), ints("strides", &[2, 2])];
        g.node("MaxPool", at, &[&x.name], attrs)
    };
    let shape = g.node("Shape", at, &[&like], Vec::new());
    let name = g.node("ConstantOfShape", at, &[&shape], Vec::new());
    Act {
        name,
        c: x.c,
        size: x.size.div_ceil(stride),
    }
}

/// What an op on an edge is built for: channels, the edge's stride, the network's BN default.
#[derive(Debug, Clone, Copy)]
pub struct OpCtx {
    pub channels: usize,
    pub edge_stride: usize,
    pub affine: bool,
}

impl OpCtx {
    fn stride(&self, s: Stride) -> usize {
        match s {
            Stride::Edge => self.edge_stride,
            Stride::One => 1,
        }
    }
}

/// Whether `prim` on an edge of `ctx` is the zero op (dropped from a node's sum).
pub fn is_zero(prim: &Prim, ctx: OpCtx) -> bool {
    match prim {
        Prim::Zero { .. } => true,
        Prim::ByStride { one, two } => is_zero(if ctx.edge_stride == 1 { one } else { two }, ctx),
        _ => false,
    }
}

/// The nodes of `prim` applied to `x`, weights under `prefix`.
pub fn prim(
    g: &mut Graph,
    x: &Act,
    prefix: &str,
    p: &Prim,
    ctx: OpCtx,
) -> Result<Act, ExportError> {
    let c = ctx.channels;
    Ok(match p {
        Prim::Seq { items } => {
            let mut h = x.clone();
            for (i, item) in items.iter().enumerate() {
                h = prim(g, &h, &format!("{prefix}.{i}"), item, ctx)?;
            }
            h
        }
        Prim::Relu => relu(g, x, prefix),
        Prim::Conv {
            kernel,
            stride,
            dilation,
            depthwise,
        } => {
            check_kernel(*kernel, prefix)?;
            let geo = ConvGeom {
                cout: c,
                kernel: *kernel,
                stride: ctx.stride(*stride),
                pad: dilation * (kernel - 1) / 2,
                dilation: *dilation,
                depthwise: *depthwise,
            };
            conv(g, x, prefix, geo)?
        }
        Prim::BatchNorm { affine } => batch_norm(g, x, prefix, affine.unwrap_or(ctx.affine))?,
        Prim::MaxPool { kernel, stride } => pool(g, x, prefix, *kernel, ctx.stride(*stride), true)?,
        Prim::AvgPool { kernel, stride } => {
            pool(g, x, prefix, *kernel, ctx.stride(*stride), false)?
        }
        Prim::Identity => x.clone(),
        Prim::Zero { stride } => zeros(g, x, prefix, ctx.stride(*stride)),
        Prim::FactorizedReduce { affine } => {
            factorized_reduce(g, x, prefix, c, affine.unwrap_or(ctx.affine))?
        }
        Prim::ByStride { one, two } => {
            let inner = if ctx.edge_stride == 1 { one } else { two };
            prim(g, x, prefix, inner, ctx)?
        }
    })
}

/// Max or average pool (the average excludes the padding).
fn pool(
    g: &mut Graph,
    x: &Act,
    prefix: &str,
    kernel: usize,
    stride: usize,
    max: bool,
) -> Result<Act, ExportError> {
    check_kernel(kernel, prefix)?;
    let (k, s, p) = (kernel as i64, stride as i64, (kernel as i64 - 1) / 2);
    let mut attrs = vec![
        ints("kernel_shape", &[k, k]),
        ints("strides", &[s, s]),
        ints("pads", &[p; 4]),
    ];
    let op = if max {
        "MaxPool"
    } else {
        attrs.push(int("count_include_pad", 0));
        "AveragePool"
    };
    let name = g.node(op, prefix, &[&x.name], attrs);
    Ok(Act {
        name,
        c: x.c,
        size: out_side(x.size, kernel, stride, (kernel - 1) / 2, 1),
    })
}

fn check_kernel(k: usize, at: &str) -> Result<(), ExportError> {
    if k == 0 || k.is_multiple_of(2) {
        return Err(bad_spec(format!(
            "`{at}`: a kernel must be odd and positive, got {k}"
        )));
    }
    Ok(())
}

/// A network that the engine would refuse to build (the caller adds the file's path).
pub fn bad_spec(reason: String) -> ExportError {
    ExportError::BadNetwork {
        path: std::path::PathBuf::new(),
        reason,
    }
}
