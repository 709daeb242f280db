//! Dense k x k convolution whose backward runs as forward convolutions. candle's own
//! `conv2d` forward is tiled im2col + GEMM, but its input gradient is `conv_transpose2d`,
//! which on the CPU is a direct loop parallel only over output channels: in an NB201
//! supernet (dense 3x3 convs everywhere) that loop took most of a step's time.
//!
//! Here the forward is candle's `conv2d`, computed without a graph and handed to a custom op
//! that only copies it, so that the op's backward is ours:
//! - input gradient: the output gradient, with `stride - 1` zeros inserted between its
//!   elements and `r` extra zero rows/columns at the end (the positions the last window
//!   never reached), convolved with the kernel flipped in space and transposed in
//!   channels, padding `d(k - 1) - p`, stride 1, dilation d;
//! - weight gradient: candle's own formula, a forward `conv2d` of the input (channels and
//!   batch swapped) with the output gradient as the kernel, stride and dilation swapped.
//!
//! Contract: same results as `x.conv2d(w, p, s, d, 1)` in value and gradients (to float
//! rounding); the gradients have no backward (no second-order gradients). Used only when
//! `d(k - 1) >= p` (every "same" convolution); otherwise the caller keeps candle's.

use candle_core::{bail, CpuStorage, CustomOp3, Layout, Result, Shape, Tensor, D};

use super::common::{by_dtype, slice, Real};

#[derive(Debug, Clone, Copy)]
struct Dense {
    pad: usize,
    stride: usize,
    dil: usize,
}

/// `x.conv2d(w, pad, stride, dil, 1)` with the backward above; x [N, Cin, H, W], w [Cout,
/// Cin, k, k], contiguous CPU tensors of one dtype.
pub(crate) fn forward(
    x: &Tensor,
    w: &Tensor,
    pad: usize,
    stride: usize,
    dil: usize,
) -> Result<Tensor> {
    let y = x.detach().conv2d(&w.detach(), pad, stride, dil, 1)?;
    x.apply_op3(w, &y, Dense { pad, stride, dil })
}

impl CustomOp3 for Dense {
    fn name(&self) -> &'static str {
        "dense-conv2d"
    }

    /// The output, computed by candle before the op: copied.
    fn cpu_fwd(
        &self,
        _s1: &CpuStorage,
        _l1: &Layout,
        _s2: &CpuStorage,
        _l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let out = by_dtype!(s3, self.name(), copy(s3, l3))?;
        Ok((out, l3.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _y: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (x, w, dy) = (x.detach(), w.detach(), dy.detach());
        let dx = grad_input(&dy, &w, &x, *self)?;
        let (_, _, kh, kw) = w.dims4()?;
        let dw = x
            .transpose(0, 1)?
            .conv2d(&dy.transpose(0, 1)?, self.pad, self.dil, self.stride, 1)?
            .transpose(0, 1)?;
        let dw = dw.narrow(2, 0, kh)?.narrow(3, 0, kw)?.contiguous()?;
        Ok((Some(dx), Some(dw), None))
    }
}

fn copy<T: Real>(s: &CpuStorage, l: &Layout) -> Result<CpuStorage> {
    Ok(T::to_cpu_storage_owned(slice::<T>(s, l)?.to_vec()))
}

/// dL/dx from dL/dy (see the module doc).
fn grad_input(dy: &Tensor, w: &Tensor, x: &Tensor, c: Dense) -> Result<Tensor> {
    let (_, _, h, wd) = x.dims4()?;
    let (_, _, k, _) = w.dims4()?;
    let reach = c.dil * (k - 1);
    if reach < c.pad {
        bail!(
            "dense conv2d: padding {} exceeds the kernel's reach {reach}",
            c.pad
        );
    }
    // kernel flipped in both spatial axes, input and output channels swapped
    let rev: Vec<u32> = (0..k as u32).rev().collect();
    let rev = Tensor::new(rev.as_slice(), w.device())?;
    let wt = w
        .index_select(&rev, 2)?
        .index_select(&rev, 3)?
        .transpose(0, 1)?
        .contiguous()?;
    let g = spread(dy, c.stride, h + 2 * c.pad - reach, wd + 2 * c.pad - reach)?;
    g.conv2d(&wt, reach - c.pad, 1, c.dil, 1)
}

/// `dy` [N, C, Ho, Wo] with `stride - 1` zeros between neighbours, then zero rows and
/// columns at the end up to `span_h` x `span_w` (the extent the windows covered:
/// H + 2p - d(k - 1)).
fn spread(dy: &Tensor, stride: usize, span_h: usize, span_w: usize) -> Result<Tensor> {
    let (n, c, ho, wo) = dy.dims4()?;
    let g = if stride == 1 {
        dy.clone()
    } else {
        let zeros = dy.zeros_like()?;
        let mut parts = vec![dy.clone()];
        parts.extend(std::iter::repeat_n(zeros, stride - 1));
        // interleave along W: [N, C, Ho, Wo, s] -> [N, C, Ho, Wo * s]
        let g = Tensor::stack(&parts, D::Minus1)?.reshape((n, c, ho, wo * stride))?;
        let zeros = g.zeros_like()?;
        let mut parts = vec![g];
        parts.extend(std::iter::repeat_n(zeros, stride - 1));
        // interleave along H: [N, C, Ho, s, Wo * s] -> [N, C, Ho * s, Wo * s]
        Tensor::stack(&parts, 3)?.reshape((n, c, ho * stride, wo * stride))?
    };
    let (_, _, gh, gw) = g.dims4()?;
    let fit = |g: Tensor, dim: usize, have: usize, want: usize| -> Result<Tensor> {
        if have >= want {
            g.narrow(dim, 0, want)
        } else {
            g.pad_with_zeros(dim, 0, want - have)
        }
    };
    let g = fit(g, 2, gh, span_h)?;
    fit(g, 3, gw, span_w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Var};

    /// Value and both gradients of the fast op against candle's conv2d, for one loss.
    #[allow(clippy::too_many_arguments)]
    fn compare(
        n: usize,
        ci: usize,
        co: usize,
        hw: usize,
        k: usize,
        pad: usize,
        stride: usize,
        dil: usize,
    ) {
        let dev = Device::Cpu;
        let x = Var::randn(0f64, 1.0, (n, ci, hw, hw), &dev).unwrap();
        let w = Var::randn(0f64, 1.0, (co, ci, k, k), &dev).unwrap();
        let fast = forward(x.as_tensor(), w.as_tensor(), pad, stride, dil).unwrap();
        let slow = x
            .as_tensor()
            .conv2d(w.as_tensor(), pad, stride, dil, 1)
            .unwrap();
        let max = |t: Tensor| {
            t.abs()
                .unwrap()
                .max_all()
                .unwrap()
                .to_scalar::<f64>()
                .unwrap()
        };
        assert!(max((&fast - &slow).unwrap()) < 1e-10);
        // a loss with a non-uniform gradient
        let r = Tensor::randn(0f64, 1.0, fast.shape(), &dev).unwrap();
        let gf = (&fast * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let gs = (&slow * &r).unwrap().sum_all().unwrap().backward().unwrap();
        for v in [&x, &w] {
            let (a, b) = (gf.get(v).unwrap(), gs.get(v).unwrap());
            assert_eq!(a.dims(), b.dims());
            let err = max((a - b).unwrap());
            assert!(err < 1e-9, "k {k} p {pad} s {stride} d {dil}: {err}");
        }
        assert_eq!(fast.dtype(), DType::F64);
    }

    #[test]
    fn matches_candle_in_value_and_gradients() {
        // "same" 3x3, stride 2 (NB201's reduction), dilation 2, 5x5, 1x1 stride 2, odd sides
        compare(2, 3, 4, 8, 3, 1, 1, 1);
        compare(2, 3, 4, 8, 3, 1, 2, 1);
        compare(2, 3, 4, 7, 3, 1, 2, 1);
        compare(1, 2, 3, 9, 3, 2, 1, 2);
        compare(1, 2, 3, 9, 5, 2, 2, 1);
        compare(2, 2, 3, 7, 1, 0, 2, 1);
        compare(1, 2, 2, 10, 5, 4, 3, 2);
    }
}
