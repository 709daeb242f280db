//! Layers built from IR primitives: conv (dense or depthwise), batch norm with PyTorch
//! running statistics, pools (through `nn::kernels`), identity, zero, factorized reduce,
//! linear, and the compiled form of an `ir::Prim` tree.
//!
//! Contract: `forward(x, train)` maps NCHW to NCHW; an op on an edge maps C to C channels,
//! `Stride::Edge` takes the edge's stride. Names: a `Seq` numbers its items
//! (`{prefix}.{i}`), a single primitive uses the prefix itself, factorized reduce uses
//! `{prefix}.conv_1`, `{prefix}.conv_2`, `{prefix}.bn`. Convs have no bias.

use candle_core::{Tensor, Var};

use super::error::{invalid, Result};
use super::kernels;
use super::store::{join, Builder};
use nas_ir::{Prim, Stride};

/// PyTorch defaults.
const BN_EPS: f64 = 1e-5;
const BN_MOMENTUM: f64 = 0.1;

/// Batch norm over NCHW. Training mode normalises with the biased batch variance and
/// moves the running estimates with momentum 0.1 using the *unbiased* variance.
#[derive(Debug, Clone)]
pub struct BatchNorm {
    pub weight: Option<Var>,
    pub bias: Option<Var>,
    pub running_mean: Var,
    pub running_var: Var,
}

impl BatchNorm {
    pub fn new(b: &mut Builder, prefix: &str, c: usize, affine: bool) -> Result<Self> {
        let (weight, bias) = if affine {
            let w = b.constant(&join(prefix, "weight"), &[c], 1.0, true)?;
            let bi = b.constant(&join(prefix, "bias"), &[c], 0.0, true)?;
            (Some(w), Some(bi))
        } else {
            (None, None)
        };
        let running_mean = b.constant(&join(prefix, "running_mean"), &[c], 0.0, false)?;
        let running_var = b.constant(&join(prefix, "running_var"), &[c], 1.0, false)?;
        Ok(Self {
            weight,
            bias,
            running_mean,
            running_var,
        })
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let (n, c, h, w) = x.dims4()?;
        let y = if train {
            let count = n * h * w;
            if count < 2 {
                return Err(invalid(format!(
                    "batch norm in training mode needs more than 1 value per channel, got {n}x{h}x{w}"
                )));
            }
            // fused statistics + normalisation (+ affine) with a hand-written backward
            let g = self.weight.as_ref().map(|v| v.as_tensor());
            let b = self.bias.as_ref().map(|v| v.as_tensor());
            let (y, mean, var) = kernels::batch_norm_train(x, g, b, BN_EPS)?; // var biased, [C]
            self.update_running(&mean.detach(), &var.detach(), count)?;
            return Ok(y);
        } else {
            let mean = self.running_mean.as_tensor().reshape((1, c, 1, 1))?;
            let var = self.running_var.as_tensor().reshape((1, c, 1, 1))?;
            x.broadcast_sub(&mean)?
                .broadcast_div(&(var + BN_EPS)?.sqrt()?)?
        };
        match (&self.weight, &self.bias) {
            (Some(g), Some(b)) => Ok(y
                .broadcast_mul(&g.as_tensor().reshape((1, c, 1, 1))?)?
                .broadcast_add(&b.as_tensor().reshape((1, c, 1, 1))?)?),
            _ => Ok(y),
        }
    }

    fn update_running(&self, mean: &Tensor, var: &Tensor, count: usize) -> Result<()> {
        let c = mean.elem_count();
        let unbiased = (var.reshape(c)? * (count as f64 / (count as f64 - 1.0)))?;
        let rm = ((self.running_mean.as_tensor() * (1.0 - BN_MOMENTUM))?
            + (mean.reshape(c)? * BN_MOMENTUM)?)?;
        let rv =
            ((self.running_var.as_tensor() * (1.0 - BN_MOMENTUM))? + (unbiased * BN_MOMENTUM)?)?;
        self.running_mean.set(&rm)?;
        self.running_var.set(&rv)?;
        Ok(())
    }
}

/// Convolution without bias, padding `pad` on each side.
#[derive(Debug, Clone)]
pub struct Conv {
    pub weight: Var,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
    pub depthwise: bool,
}

impl Conv {
    /// Dense conv `cin -> cout` (or depthwise when `depthwise`, then cin = cout).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        b: &mut Builder,
        prefix: &str,
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        pad: usize,
        dilation: usize,
        depthwise: bool,
    ) -> Result<Self> {
        let cin_g = if depthwise { 1 } else { cin };
        let weight = b.conv_weight(&join(prefix, "weight"), cout, cin_g, k)?;
        Ok(Self {
            weight,
            stride,
            pad,
            dilation,
            depthwise,
        })
    }

    /// The 1x1 conv at stride 1 on an input already subsampled (a factorized reduce's
    /// picks).
    fn at_stride_one(&self, x: &Tensor) -> Result<Tensor> {
        Ok(kernels::pointwise_conv2d(x, self.weight.as_tensor(), 1)?)
    }

    /// `forward(relu(x))`, with the ReLU fused into a depthwise kernel.
    pub fn forward_relu(&self, x: &Tensor) -> Result<Tensor> {
        if !self.depthwise {
            return self.forward(&kernels::relu(x)?);
        }
        let w = self.weight.as_tensor();
        Ok(kernels::relu_depthwise_conv2d(
            x,
            w,
            self.stride,
            self.pad,
            self.dilation,
        )?)
    }

    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let w = self.weight.as_tensor();
        if self.depthwise {
            Ok(kernels::depthwise_conv2d(
                x,
                w,
                self.stride,
                self.pad,
                self.dilation,
            )?)
        } else if w.dim(2)? == 1 && w.dim(3)? == 1 && self.pad == 0 {
            // 1x1 as a batched matmul: candle's conv2d backward runs a single-threaded loop
            Ok(kernels::pointwise_conv2d(x, w, self.stride)?)
        } else {
            Ok(kernels::dense_conv2d(
                x,
                w,
                self.pad,
                self.stride,
                self.dilation,
            )?)
        }
    }
}

/// Fully connected layer with bias, PyTorch init.
#[derive(Debug, Clone)]
pub struct Linear {
    pub weight: Var,
    pub bias: Var,
}

impl Linear {
    pub fn new(b: &mut Builder, prefix: &str, fin: usize, fout: usize) -> Result<Self> {
        let bound = 1.0 / (fin as f64).sqrt();
        let weight = b.uniform(&join(prefix, "weight"), &[fout, fin], bound)?;
        let bias = b.uniform(&join(prefix, "bias"), &[fout], bound)?;
        Ok(Self { weight, bias })
    }

    /// # Shapes
    /// [N, fin] -> [N, fout]
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(x.matmul(&self.weight.as_tensor().t()?)?
            .broadcast_add(self.bias.as_tensor())?)
    }
}

/// ReLU, 1x1 stride-2 conv on x and on x shifted by one pixel, concat, BN. The shifted
/// path pads one zero row/column at the bottom/right first so odd sizes agree (for even
/// sizes the padding is never read, so this equals the unpadded DARTS op).
#[derive(Debug, Clone)]
pub struct FactorizedReduce {
    pub conv_1: Conv,
    pub conv_2: Conv,
    pub bn: BatchNorm,
}

impl FactorizedReduce {
    pub fn new(
        b: &mut Builder,
        prefix: &str,
        cin: usize,
        cout: usize,
        affine: bool,
    ) -> Result<Self> {
        if !cout.is_multiple_of(2) {
            return Err(invalid(format!(
                "factorized reduce needs an even channel count, got {cout}"
            )));
        }
        let half = cout / 2;
        let conv_1 = Conv::new(b, &join(prefix, "conv_1"), cin, half, 1, 2, 0, 1, false)?;
        let conv_2 = Conv::new(b, &join(prefix, "conv_2"), cin, half, 1, 2, 0, 1, false)?;
        let bn = BatchNorm::new(b, &join(prefix, "bn"), cout, affine)?;
        Ok(Self { conv_1, conv_2, bn })
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        // relu(x)[.., 0::2, 0::2] and relu(x)[.., 1::2, 1::2] (zero past an odd edge),
        // each picked in one pass: the full ReLU output and the shifted copy never exist.
        let even = kernels::strided_pick(x, 0, 2, true)?;
        let odd = kernels::strided_pick(x, 1, 2, true)?;
        let a = self.conv_1.at_stride_one(&even)?;
        let bb = self.conv_2.at_stride_one(&odd)?;
        self.bn.forward(&Tensor::cat(&[&a, &bb], 1)?, train)
    }
}

/// A compiled primitive tree.
#[derive(Debug, Clone)]
pub enum Layer {
    Seq(Vec<Layer>),
    Relu,
    Conv(Conv),
    BatchNorm(BatchNorm),
    MaxPool { kernel: usize, stride: usize },
    AvgPool { kernel: usize, stride: usize },
    Identity,
    Zero { stride: usize },
    FactorizedReduce(FactorizedReduce),
}

/// What a layer is built for: channels, the edge's stride, the network's BN default.
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

impl Layer {
    /// Compile `prim` under `prefix`.
    pub fn build(b: &mut Builder, prefix: &str, prim: &Prim, ctx: OpCtx) -> Result<Layer> {
        let c = ctx.channels;
        Ok(match prim {
            Prim::Seq { items } => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    out.push(Layer::build(b, &join(prefix, &i.to_string()), item, ctx)?);
                }
                Layer::Seq(out)
            }
            Prim::Relu => Layer::Relu,
            Prim::Conv {
                kernel,
                stride,
                dilation,
                depthwise,
            } => {
                check_kernel(*kernel, "conv")?;
                let pad = dilation * (kernel - 1) / 2;
                let s = ctx.stride(*stride);
                Layer::Conv(Conv::new(
                    b, prefix, c, c, *kernel, s, pad, *dilation, *depthwise,
                )?)
            }
            Prim::BatchNorm { affine } => {
                Layer::BatchNorm(BatchNorm::new(b, prefix, c, affine.unwrap_or(ctx.affine))?)
            }
            Prim::MaxPool { kernel, stride } => {
                check_kernel(*kernel, "max pool")?;
                Layer::MaxPool {
                    kernel: *kernel,
                    stride: ctx.stride(*stride),
                }
            }
            Prim::AvgPool { kernel, stride } => {
                check_kernel(*kernel, "avg pool")?;
                Layer::AvgPool {
                    kernel: *kernel,
                    stride: ctx.stride(*stride),
                }
            }
            Prim::Identity => Layer::Identity,
            Prim::Zero { stride } => Layer::Zero {
                stride: ctx.stride(*stride),
            },
            Prim::FactorizedReduce { affine } => Layer::FactorizedReduce(FactorizedReduce::new(
                b,
                prefix,
                c,
                c,
                affine.unwrap_or(ctx.affine),
            )?),
            Prim::ByStride { one, two } => {
                let inner = if ctx.edge_stride == 1 { one } else { two };
                Layer::build(b, prefix, inner, ctx)?
            }
        })
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        match self {
            Layer::Seq(items) => {
                let mut h = x.clone();
                let mut i = 0;
                while i < items.len() {
                    // ReLU then a conv: one fused op (sep_conv / dil_conv halves).
                    if let (Layer::Relu, Some(Layer::Conv(conv))) = (&items[i], items.get(i + 1)) {
                        h = conv.forward_relu(&h)?;
                        i += 2;
                        continue;
                    }
                    h = items[i].forward(&h, train)?;
                    i += 1;
                }
                Ok(h)
            }
            Layer::Relu => Ok(kernels::relu(x)?),
            Layer::Conv(conv) => conv.forward(x),
            Layer::BatchNorm(bn) => bn.forward(x, train),
            Layer::MaxPool { kernel, stride } => {
                Ok(kernels::max_pool2d(x, *kernel, *stride, (kernel - 1) / 2)?)
            }
            Layer::AvgPool { kernel, stride } => {
                Ok(kernels::avg_pool2d(x, *kernel, *stride, (kernel - 1) / 2)?)
            }
            Layer::Identity => Ok(x.clone()),
            Layer::Zero { stride } => {
                let (n, c, h, w) = x.dims4()?;
                let (h, w) = (h.div_ceil(*stride), w.div_ceil(*stride));
                Ok(Tensor::zeros((n, c, h, w), x.dtype(), x.device())?)
            }
            Layer::FactorizedReduce(fr) => fr.forward(x, train),
        }
    }

    /// True for an op that returns its input unchanged (drop-path skips these).
    pub fn is_identity(&self) -> bool {
        match self {
            Layer::Identity => true,
            Layer::Seq(items) => items.iter().all(Layer::is_identity),
            _ => false,
        }
    }

    /// True for an op whose output is all zeros.
    pub fn is_zero(&self) -> bool {
        matches!(self, Layer::Zero { .. })
    }
}

fn check_kernel(k: usize, what: &str) -> Result<()> {
    if k == 0 || k.is_multiple_of(2) {
        return Err(invalid(format!(
            "{what} kernel must be odd and positive, got {k}"
        )));
    }
    Ok(())
}

/// Conv - BN with a leading ReLU ("ReLUConvBN"), named `{prefix}.1` (conv), `{prefix}.2` (BN).
#[derive(Debug, Clone)]
pub struct ReluConvBn {
    pub conv: Conv,
    pub bn: BatchNorm,
}

impl ReluConvBn {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        b: &mut Builder,
        prefix: &str,
        cin: usize,
        cout: usize,
        k: usize,
        stride: usize,
        affine: bool,
    ) -> Result<Self> {
        let conv = Conv::new(
            b,
            &join(prefix, "1"),
            cin,
            cout,
            k,
            stride,
            (k - 1) / 2,
            1,
            false,
        )?;
        let bn = BatchNorm::new(b, &join(prefix, "2"), cout, affine)?;
        Ok(Self { conv, bn })
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        self.bn.forward(&self.conv.forward_relu(x)?, train)
    }
}
