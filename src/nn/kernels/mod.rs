//! Custom tensor ops that candle 0.11 lacks or gets wrong, each with a `_slow` composite
//! reference built from plain candle ops (the ground truth in tests).
//!
//! Contract: every function here is device-generic. A fast CPU kernel may be used when the
//! input lives on the CPU; any other device falls back to the `_slow` composite, which
//! gives the same results. All pooling has "same"-style explicit padding; average pooling
//! uses `count_include_pad = false` (PyTorch semantics). Shapes are NCHW.

use candle_core::{Result, Tensor, D};

/// Depthwise convolution: `x` [N, C, H, W], `w` [C, 1, k, k], no bias.
/// Output [N, C, (H + 2p - d(k-1) - 1)/s + 1, ...].
pub fn depthwise_conv2d(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    padding: usize,
    dilation: usize,
) -> Result<Tensor> {
    depthwise_conv2d_slow(x, w, stride, padding, dilation)
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

/// Max pooling `kernel` x `kernel` with zero-cost `-inf` padding.
pub fn max_pool2d(x: &Tensor, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
    max_pool2d_slow(x, kernel, stride, padding)
}

/// Average pooling with `count_include_pad = false`.
pub fn avg_pool2d(x: &Tensor, kernel: usize, stride: usize, padding: usize) -> Result<Tensor> {
    avg_pool2d_slow(x, kernel, stride, padding)
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
