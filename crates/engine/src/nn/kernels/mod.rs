//! Custom tensor ops that candle 0.11 lacks or gets wrong, each with a `_slow` composite
//! reference built from plain candle ops (the ground truth in tests).
//!
//! Contract: every function here is device-generic. The custom ops run for f32 and f64
//! inputs on the CPU (hand-written kernels) and, with the `cuda` feature, on a CUDA device
//! (CUDA C kernels in `cuda/`, compiled by NVRTC: `gpu.rs`); any other device or dtype
//! falls back to the `_slow` composite, which gives the same results, except that depthwise
//! convolution on a CUDA device computes other dtypes in f32 rather than use candle's
//! grouped convolution (one convolution per channel). Dense and 1x1 convolutions are custom
//! ops too: GEMMs of the `gemm` crate on the CPU, batched cuBLAS GEMMs (with im2col /
//! col2im kernels for the dense ones) on a GPU; other dtypes use candle's conv2d and
//! matmul. All pooling has "same"-style
//! explicit padding; average pooling uses `count_include_pad = false` (PyTorch
//! semantics). Shapes are NCHW.
//!
//! The custom ops' backward is again a custom op, so backward is fast too; the gradient
//! ops have no backward of their own (no second-order gradients through the fast path).

#[doc(hidden)]
pub mod batched;
mod batchnorm;
mod common;
#[doc(hidden)]
pub mod cuda_abi;
mod dense;
mod depthwise;
mod gemm;
#[cfg(feature = "cuda")]
mod gpu;
mod padded;
mod pointwise;
mod pool;
mod relu;

use candle_core::{bail, DType, Result, Tensor, D};
use common::is_fast_dtype;

/// Whether the custom ops apply to `x`: f32/f64 on the CPU or on a CUDA device (which
/// exists only in a `cuda` build); otherwise the `_slow` composite runs.
fn use_fast(x: &Tensor) -> bool {
    let dev = x.device();
    (dev.is_cpu() || dev.is_cuda()) && is_fast_dtype(x.dtype())
}

/// A half-precision (or other) input on a CUDA device, which the GPU kernels do not take:
/// depthwise convolution then runs them in f32 instead of falling back to candle's grouped
/// convolution, which launches one convolution per channel.
fn gpu_other_dtype(x: &Tensor) -> bool {
    x.device().is_cuda() && !is_fast_dtype(x.dtype())
}

/// Fails unless `t` has the dtype and device of `x` (the custom ops need one storage type).
fn same_kind(x: &Tensor, t: &Tensor, what: &str) -> Result<()> {
    if t.dtype() != x.dtype() || !t.device().same_device(x.device()) {
        bail!(
            "{what}: dtype/device {:?}/{:?} differ from the input's {:?}/{:?}",
            t.dtype(),
            t.device(),
            x.dtype(),
            x.device()
        );
    }
    Ok(())
}

/// Dense convolution `x.conv2d(w, padding, stride, dilation, 1)`: im2col + GEMM forward and
/// backward (`dense.rs`) on the CPU and a GPU; other dtypes use candle's conv2d.
pub fn dense_conv2d(
    x: &Tensor,
    w: &Tensor,
    padding: usize,
    stride: usize,
    dilation: usize,
) -> Result<Tensor> {
    if !use_fast(x) {
        return x.conv2d(w, padding, stride, dilation, 1);
    }
    same_kind(x, w, "dense_conv2d weight")?;
    dense::forward(
        &x.contiguous()?,
        &w.contiguous()?,
        padding,
        stride,
        dilation,
    )
}

/// Depthwise convolution: `x` [N, C, H, W], `w` [C, 1, k, k], no bias.
/// Output [N, C, (H + 2p - d(k-1) - 1)/s + 1, ...].
pub fn depthwise_conv2d(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Result<Tensor> {
    if !use_fast(x) && !gpu_other_dtype(x) {
        return depthwise_conv2d_slow(x, w, stride, padding, dilation);
    }
    depthwise_fast(x, w, stride, padding, dilation, false)
}

/// `depthwise_conv2d(relu(x), ..)` with the ReLU fused into the kernel: the ReLU output is
/// neither stored nor kept for backward (the op keeps `x`, which the unfused pair keeps too).
pub fn relu_depthwise_conv2d(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Result<Tensor> {
    if !use_fast(x) && !gpu_other_dtype(x) {
        return relu_depthwise_conv2d_slow(x, w, stride, padding, dilation);
    }
    depthwise_fast(x, w, stride, padding, dilation, true)
}

/// Reference: candle's ReLU, then the reference depthwise convolution.
pub fn relu_depthwise_conv2d_slow(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Result<Tensor> {
    depthwise_conv2d_slow(&x.relu()?, w, stride, padding, dilation)
}

fn depthwise_fast(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    padding: usize,
    dilation: usize,
    relu: bool,
) -> Result<Tensor> {
    let (_, c, _, _) = x.dims4()?;
    let (cw, one, kh, kw) = w.dims4()?;
    if (cw, one) != (c, 1) || kh != kw {
        bail!(
            "depthwise_conv2d: weight {:?} must be [{c}, 1, k, k] for input {:?}",
            w.dims(),
            x.dims()
        );
    }
    same_kind(x, w, "depthwise_conv2d weight")?;
    let conv = depthwise::Conv {
        stride,
        pad: padding,
        dil: dilation,
        relu,
    };
    if gpu_other_dtype(x) {
        let dt = x.dtype();
        let (x, w) = (x.to_dtype(DType::F32)?, w.to_dtype(DType::F32)?);
        return depthwise::forward(&x.contiguous()?, &w.contiguous()?, conv)?.to_dtype(dt);
    }
    depthwise::forward(&x.contiguous()?, &w.contiguous()?, conv)
}

/// ReLU whose backward is one pass (`dy` where the output is positive, PyTorch's rule);
/// candle's own builds a zero tensor, a comparison mask and its float copy.
pub fn relu(x: &Tensor) -> Result<Tensor> {
    if !use_fast(x) {
        return relu_slow(x);
    }
    relu::relu(&x.contiguous()?)
}

/// Reference ReLU: candle's.
pub fn relu_slow(x: &Tensor) -> Result<Tensor> {
    x.relu()
}

/// Every `stride`-th row and column of `x` [N, C, H, W] from row and column `offset`:
/// output [N, C, ceil(H/s), ceil(W/s)], reading zero past the edge (offset 1 on an odd
/// size: a factorized reduce's shifted path), through a ReLU first when `relu`.
pub fn strided_pick(x: &Tensor, offset: usize, stride: usize, relu: bool) -> Result<Tensor> {
    if stride == 0 {
        bail!("strided_pick: stride must be at least 1");
    }
    if !use_fast(x) {
        return strided_pick_slow(x, offset, stride, relu);
    }
    let (_, _, h, w) = x.dims4()?;
    let pick = relu::Pick {
        offset,
        stride,
        ho: h.div_ceil(stride),
        wo: w.div_ceil(stride),
        relu,
    };
    relu::pick(&x.contiguous()?, pick)
}

/// Reference pick: ReLU, zero-pad `offset` rows/columns at the bottom/right, drop the first
/// `offset`, then keep rows and columns 0, s, 2s, ...
pub fn strided_pick_slow(x: &Tensor, offset: usize, stride: usize, relu: bool) -> Result<Tensor> {
    if stride == 0 {
        bail!("strided_pick: stride must be at least 1");
    }
    let x = if relu { x.relu()? } else { x.clone() };
    let (_, _, h, w) = x.dims4()?;
    let shifted = if offset == 0 {
        x
    } else {
        x.pad_with_zeros(2, 0, offset)?
            .pad_with_zeros(3, 0, offset)?
            .narrow(2, offset, h)?
            .narrow(3, offset, w)?
    };
    subsample(&shifted.contiguous()?, stride)
}

/// Reference depthwise convolution: candle's grouped conv (one conv per channel).
pub fn depthwise_conv2d_slow(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Result<Tensor> {
    let c = x.dim(1)?;
    x.conv2d(w, padding, stride, dilation, c)
}

/// 1x1 convolution without bias: `x` [N, Cin, H, W], `w` [Cout, Cin, 1, 1], output
/// [N, Cout, ceil(H/s), ceil(W/s)] (padding 0). For f32/f64 on the CPU or a GPU one custom
/// op (a GEMM per image on the CPU, one batched cuBLAS GEMM on a GPU, forward and
/// backward); other dtypes use the batched matrix product `w [Cout, Cin] x x [N, Cin, H*W]`
/// from plain candle ops. Either way the backward is two more matrix products; candle's
/// conv2d backward instead runs conv_transpose2d, a direct loop, for the input gradient.
pub fn pointwise_conv2d(x: &Tensor, w: &Tensor, stride: usize) -> Result<Tensor> {
    let (_, c, _, _) = x.dims4()?;
    let (co, ci, kh, kw) = w.dims4()?;
    if (ci, kh, kw) != (c, 1, 1) {
        bail!(
            "pointwise_conv2d: weight {:?} must be [cout, {c}, 1, 1]",
            w.dims()
        );
    }
    if stride == 0 {
        bail!("pointwise_conv2d: stride must be at least 1");
    }
    let x = if stride == 1 {
        x.clone()
    } else {
        strided_pick(x, 0, stride, false)?
    };
    if use_fast(&x) {
        same_kind(&x, w, "pointwise_conv2d weight")?;
        return pointwise::forward(&x.contiguous()?, &w.contiguous()?);
    }
    let (n, _, h, wd) = x.dims4()?;
    let y = w
        .reshape((co, c))?
        .broadcast_matmul(&x.reshape((n, c, h * wd))?)?; // [N, Cout, HW]
    y.reshape((n, co, h, wd))
}

/// Reference 1x1 convolution: candle's conv2d.
pub fn pointwise_conv2d_slow(x: &Tensor, w: &Tensor, stride: usize) -> Result<Tensor> {
    x.conv2d(w, 0, stride, 1, 1)
}

/// Max pooling `kernel` x `kernel` with zero-cost `-inf` padding.
///
/// Backward sends each output's gradient to the first maximum of its window in row-major
/// order (PyTorch's rule); `max_pool2d_slow` instead shares it among tied maxima.
pub fn max_pool2d(x: &Tensor, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
    if !use_fast(x) {
        return max_pool2d_slow(x, kernel, stride, padding);
    }
    x.dims4()?;
    let pool = pool::Pool {
        k: kernel,
        stride,
        pad: padding,
    };
    pool::max_pool(&x.contiguous()?, pool)
}

/// Average pooling with `count_include_pad = false`.
pub fn avg_pool2d(x: &Tensor, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
    if !use_fast(x) {
        return avg_pool2d_slow(x, kernel, stride, padding);
    }
    x.dims4()?;
    let pool = pool::Pool {
        k: kernel,
        stride,
        pad: padding,
    };
    pool::avg_pool(&x.contiguous()?, pool)
}

/// Training-mode batch norm over `x` [N, C, H, W] with batch statistics:
/// `y = (x - mean) / sqrt(var + eps) * gamma + beta` (gamma `[C]` defaults to 1, beta `[C]` to 0).
/// Returns `(y, batch_mean [C], batch_var_biased [C])`; the caller updates running stats
/// (PyTorch's running_var uses the unbiased var: multiply by M / (M - 1), M = N*H*W).
/// Gradients flow to x, gamma and beta through `y`; on the fast path the returned mean and
/// var are detached (they carry no gradient).
pub fn batch_norm_train(
    x: &Tensor,
    gamma: Option<&Tensor>,
    beta: Option<&Tensor>,
    eps: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    if !use_fast(x) {
        return batch_norm_train_slow(x, gamma, beta, eps);
    }
    let (_, c, _, _) = x.dims4()?;
    let param = |p: Option<&Tensor>, fill: f64, what: &str| -> Result<Tensor> {
        match p {
            Some(p) => {
                if p.dims() != [c] {
                    bail!(
                        "batch_norm_train: {what} has shape {:?}, expected [{c}]",
                        p.dims()
                    );
                }
                same_kind(x, p, what)?;
                Ok(p.clone())
            }
            None => Tensor::full(fill, c, x.device())?.to_dtype(x.dtype()),
        }
    };
    let affine = Tensor::stack(&[param(gamma, 1.0, "gamma")?, param(beta, 0.0, "beta")?], 0)?;
    let x = x.contiguous()?;
    let stats = batchnorm::stats(&x)?; // [2, C]: mean, biased var
    let y = batchnorm::normalize(&x, &stats, &affine.contiguous()?, eps)?;
    Ok((y, stats.get(0)?, stats.get(1)?))
}

/// Reference batch norm from plain candle ops (mean, centred square, broadcast affine).
pub fn batch_norm_train_slow(
    x: &Tensor,
    gamma: Option<&Tensor>,
    beta: Option<&Tensor>,
    eps: f64,
) -> Result<(Tensor, Tensor, Tensor)> {
    let (_, c, _, _) = x.dims4()?;
    let channel_mean = |t: &Tensor| t.mean_keepdim(3)?.mean_keepdim(2)?.mean_keepdim(0);
    let mean = channel_mean(x)?; // [1, C, 1, 1]
    let centred = x.broadcast_sub(&mean)?;
    let var = channel_mean(&centred.sqr()?)?; // [1, C, 1, 1], biased
    let mut y = centred.broadcast_div(&(var.clone() + eps)?.sqrt()?)?;
    if let Some(g) = gamma {
        y = y.broadcast_mul(&g.reshape((1, c, 1, 1))?)?;
    }
    if let Some(b) = beta {
        y = y.broadcast_add(&b.reshape((1, c, 1, 1))?)?;
    }
    Ok((y, mean.flatten_all()?, var.flatten_all()?))
}

/// Reference max pooling: pad with `-inf`, take the maximum of the k² shifted windows at
/// stride 1, then keep every `stride`-th row and column.
pub fn max_pool2d_slow(x: &Tensor, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
    let padded = pad_const(x, padding, f64::NEG_INFINITY)?;
    let (h1, w1) = dense_out(&padded, kernel)?;
    let mut acc: Option<Tensor> = None;
    for (dy, dx) in taps(kernel) {
        let win = padded.narrow(2, dy, h1)?.narrow(3, dx, w1)?;
        acc = Some(match acc {
            None => win,
            Some(a) => a.maximum(&win)?,
        });
    }
    let acc = acc.ok_or_else(|| candle_core::Error::Msg("pool kernel must be >= 1".into()))?;
    subsample(&acc, stride)
}

/// Reference average pooling (`count_include_pad = false`): sum the k² shifted windows of
/// the zero-padded input, divide by the number of in-image positions of each window.
pub fn avg_pool2d_slow(x: &Tensor, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let padded = pad_const(x, padding, 0.0)?;
    let (h1, w1) = dense_out(&padded, kernel)?;
    let mut acc: Option<Tensor> = None;
    for (dy, dx) in taps(kernel) {
        let win = padded.narrow(2, dy, h1)?.narrow(3, dx, w1)?;
        acc = Some(match acc {
            None => win,
            Some(a) => (a + win)?,
        });
    }
    let acc = acc.ok_or_else(|| candle_core::Error::Msg("pool kernel must be >= 1".into()))?;
    let counts = window_counts(h, w, kernel, padding, h1, w1);
    let counts = Tensor::from_vec(counts, (1, 1, h1, w1), x.device())?.to_dtype(x.dtype())?;
    subsample(&acc.broadcast_div(&counts)?, stride)
}

/// Stride-1 output size of a `kernel` window over an already padded tensor.
fn dense_out(padded: &Tensor, kernel: usize) -> Result<(usize, usize)> {
    let (_, _, hp, wp) = padded.dims4()?;
    if hp < kernel || wp < kernel {
        candle_core::bail!("pool window {kernel} larger than padded input {hp}x{wp}");
    }
    Ok((hp - kernel + 1, wp - kernel + 1))
}

fn taps(kernel: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..kernel).flat_map(move |dy| (0..kernel).map(move |dx| (dy, dx)))
}

/// Number of in-image pixels under each stride-1 window (for count_include_pad = false).
fn window_counts(h: usize, w: usize, k: usize, p: usize, h1: usize, w1: usize) -> Vec<f32> {
    let span = |i: usize, n: usize| {
        let lo = i.saturating_sub(p);
        let hi = (i + k).saturating_sub(p).min(n);
        hi.saturating_sub(lo)
    };
    let mut out = Vec::with_capacity(h1 * w1);
    for i in 0..h1 {
        for j in 0..w1 {
            out.push((span(i, h) * span(j, w)).max(1) as f32);
        }
    }
    out
}

/// Pad H and W on both sides with a constant.
fn pad_const(x: &Tensor, p: usize, value: f64) -> Result<Tensor> {
    if p == 0 {
        return Ok(x.clone());
    }
    let (n, c, h, w) = x.dims4()?;
    let side = Tensor::full(value, (n, c, h, p), x.device())?.to_dtype(x.dtype())?;
    let x = Tensor::cat(&[&side, x, &side], 3)?;
    let top = Tensor::full(value, (n, c, p, w + 2 * p), x.device())?.to_dtype(x.dtype())?;
    Tensor::cat(&[&top, &x, &top], 2)
}

/// Keep rows and columns 0, s, 2s, ... (works for odd sizes).
fn subsample(x: &Tensor, stride: usize) -> Result<Tensor> {
    if stride == 1 {
        return Ok(x.clone());
    }
    let (_, _, h, w) = x.dims4()?;
    let rows: Vec<u32> = (0..h).step_by(stride).map(|i| i as u32).collect();
    let cols: Vec<u32> = (0..w).step_by(stride).map(|i| i as u32).collect();
    let rows = Tensor::new(rows.as_slice(), x.device())?;
    let cols = Tensor::new(cols.as_slice(), x.device())?;
    x.index_select(&rows, D::Minus2)?
        .index_select(&cols, D::Minus1)
}
