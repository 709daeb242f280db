//! Depthwise convolution (`x` [N, C, H, W] with `w` [C, 1, k, k], no bias) as candle custom
//! ops with a hand-written CPU forward and backward, parallel over the N x C planes.
//!
//! Contract: inputs are contiguous f32/f64 CPU tensors of one dtype (the public wrapper in
//! `mod.rs` checks shapes, device and dtype and makes inputs contiguous). Backward returns
//! both gradients, each computed by another custom op; those ops themselves have no
//! backward (no second-order gradients). With the `cuda` feature each op also runs on the
//! GPU (`cuda/depthwise.cu`): one kernel launch for all channels, never a per-channel
//! grouped convolution.

use super::common::{by_dtype, dot, simd, slice, Axis, Real};
use super::padded::{axpy, Taps};
use candle_core::{bail, CpuStorage, CustomOp2, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Stride, padding and dilation shared by both spatial axes; `relu` applies a ReLU to the
/// input first (fused: the ReLU output is never stored, and backward masks by `x > 0`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conv {
    pub stride: usize,
    pub pad: usize,
    pub dil: usize,
    pub relu: bool,
}

impl Conv {
    fn axes(&self, h: usize, w: usize, k: usize) -> (Axis, Axis) {
        let axis = |n| Axis {
            n,
            k,
            stride: self.stride,
            pad: self.pad,
            dil: self.dil,
        };
        (axis(h), axis(w))
    }
}

/// Plane sizes of one call: input h x w, output ho x wo, kernel k x k.
#[derive(Clone, Copy)]
struct Planes {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    ho: usize,
    wo: usize,
    k: usize,
    ax: Axis,
    relu: bool,
}

impl Planes {
    fn new(conv: Conv, n: usize, c: usize, h: usize, w: usize, k: usize) -> Result<Self> {
        let (ay, ax) = conv.axes(h, w, k);
        Ok(Self {
            n,
            c,
            h,
            w,
            ho: ay.out()?,
            wo: ax.out()?,
            k,
            ax,
            relu: conv.relu,
        })
    }
}

/// Applies the fast depthwise convolution to contiguous CPU inputs.
pub(crate) fn forward(x: &Tensor, w: &Tensor, conv: Conv) -> Result<Tensor> {
    x.apply_op2(w, DwConv(conv))
}

struct DwConv(Conv);

/// Grad w.r.t. the input: applied to (dy, w, x) (x only masks after a fused ReLU); needs
/// the input size, which the output size does not determine when stride > 1.
struct DwGradInput {
    conv: Conv,
    h: usize,
    w: usize,
}

/// Grad w.r.t. the weight: applied to (x, dy).
struct DwGradWeight {
    conv: Conv,
    k: usize,
}

fn dims4(l: &Layout) -> Result<(usize, usize, usize, usize)> {
    l.shape().dims4()
}

/// The GPU kernels' parameter block for input dims `x` and a k x k kernel.
#[cfg(feature = "cuda")]
fn params(
    conv: Conv,
    x: (usize, usize, usize, usize),
    k: usize,
) -> Result<super::cuda_abi::DwParams> {
    let (n, c, h, w) = x;
    super::cuda_abi::DwParams::new([n, c, h, w], k, conv.stride, conv.pad, conv.dil, conv.relu)
}

impl CustomOp2 for DwConv {
    fn name(&self) -> &'static str {
        "depthwise-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = dims4(l1)?;
        let p = Planes::new(self.0, n, c, h, w, dims4(l2)?.3)?;
        let out = by_dtype!(s1, self.name(), conv_fwd(s1, l1, s2, l2, p))?;
        Ok((out, Shape::from((n, c, p.ho, p.wo))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let p = params(self.0, dims4(l1)?, dims4(l2)?.3)?;
        let y = super::gpu::launch(
            "dw_fwd",
            &[(s1, l1), (s2, l2)],
            p.out_len(),
            p.out_len(),
            &p,
        )?;
        Ok((y, Shape::from(&p.out_dims())))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let (_, _, h, wd) = x.dims4()?;
        let dx = dy.apply_op3_no_bwd(
            w,
            x,
            &DwGradInput {
                conv: self.0,
                h,
                w: wd,
            },
        )?;
        let dw = x.apply_op2_no_bwd(
            &dy,
            &DwGradWeight {
                conv: self.0,
                k: w.dim(3)?,
            },
        )?;
        Ok((Some(dx), Some(dw)))
    }
}

/// y[n,c,oy,ox] = sum_{ky,kx} w[c,ky,kx] * x[n,c,oy*s+ky*d-p, ox*s+kx*d-p]
fn conv_fwd<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    p: Planes,
) -> Result<CpuStorage> {
    let (x, wt) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let (g, relu) = (taps(&p), p.relu);
    let mut out = vec![T::ZERO; p.n * p.c * p.ho * p.wo];
    let scratch = || (vec![T::ZERO; g.pad.len()], vec![T::ZERO; g.flat_len()]);
    out.par_chunks_mut(p.ho * p.wo).enumerate().for_each_init(
        scratch,
        |(buf, flat), (plane, o)| {
            let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
            let wk = weights(wt, p.k, plane, p.c);
            simd(
                #[inline(always)]
                || {
                    if relu {
                        g.pad.fill_relu(buf, xp);
                    } else {
                        g.pad.fill(buf, xp);
                    }
                    if g.flat() {
                        let n = flat.len();
                        flat.fill(T::ZERO);
                        g.for_flat_taps(|t, at| axpy(flat, &buf[at..at + n], wk[t]));
                        for (orow, frow) in o.chunks_exact_mut(g.wo).zip(flat.chunks(g.pitch())) {
                            orow.copy_from_slice(&frow[..g.wo]);
                        }
                    } else {
                        for (oy, orow) in o.chunks_exact_mut(g.wo).enumerate() {
                            g.for_taps(oy, |t, at| axpy(orow, &buf[at..at + g.wo], wk[t]));
                        }
                    }
                },
            )
        },
    );
    Ok(T::to_cpu_storage_owned(out))
}

fn taps(p: &Planes) -> Taps {
    Taps::new(
        p.k,
        p.ax.dil,
        p.ax.stride,
        p.ax.pad,
        (p.h, p.w),
        (p.ho, p.wo),
    )
}

/// The k x k weights of the channel of `plane`.
fn weights<T>(wt: &[T], k: usize, plane: usize, c: usize) -> &[T] {
    let kk = k * k;
    &wt[(plane % c) * kk..(plane % c + 1) * kk]
}

impl CustomOp3 for DwGradInput {
    fn name(&self) -> &'static str {
        "depthwise-conv2d-grad-input"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
        s3: &CpuStorage,
        l3: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, c, ho, wo) = dims4(l1)?;
        let p = Planes::new(self.conv, n, c, self.h, self.w, dims4(l2)?.3)?;
        if (p.ho, p.wo) != (ho, wo) || dims4(l3)? != (n, c, self.h, self.w) {
            bail!("internal error: depthwise grad {ho}x{wo} does not match the input size, please report");
        }
        let x = (s3, l3);
        let out = by_dtype!(s1, self.name(), conv_grad_input(s1, l1, s2, l2, x, p))?;
        Ok((out, Shape::from((n, c, self.h, self.w))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
        s3: &candle_core::CudaStorage,
        l3: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (n, c, ho, wo) = dims4(l1)?;
        let p = params(self.conv, (n, c, self.h, self.w), dims4(l2)?.3)?;
        if p.out_dims() != [n, c, ho, wo] || dims4(l3)? != (n, c, self.h, self.w) {
            bail!("internal error: depthwise grad {ho}x{wo} does not match the input size, please report");
        }
        let ins = [(s1, l1), (s2, l2), (s3, l3)];
        let dx = super::gpu::launch("dw_grad_input", &ins, p.in_len(), p.in_len(), &p)?;
        Ok((dx, Shape::from(&p.in_dims())))
    }
}

/// dx[n,c,iy,ix] = sum over (oy,ox,ky,kx) reaching (iy,ix) of w[c,ky,kx] * dy[n,c,oy,ox],
/// accumulated into a padded plane (each tap a contiguous run) whose interior is dx; after
/// a fused ReLU, zero where x <= 0.
// `!(v > 0)` on purpose: a NaN input counts as not positive and passes no gradient.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn conv_grad_input<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    (s3, l3): (&CpuStorage, &Layout),
    p: Planes,
) -> Result<CpuStorage> {
    let (dy, wt) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let x = slice::<T>(s3, l3)?;
    let g = taps(&p);
    let mut dx = vec![T::ZERO; p.n * p.c * p.h * p.w];
    // The flat dy copy keeps zeros in its scratch columns, so they add nothing.
    let scratch = || (vec![T::ZERO; g.pad.len()], vec![T::ZERO; g.flat_len()]);
    dx.par_chunks_mut(p.h * p.w)
        .enumerate()
        .for_each_init(scratch, |(buf, flat), (plane, d)| {
            let gp = &dy[plane * p.ho * p.wo..(plane + 1) * p.ho * p.wo];
            let wk = weights(wt, p.k, plane, p.c);
            simd(
                #[inline(always)]
                || {
                    buf.fill(T::ZERO);
                    if g.flat() {
                        let n = flat.len();
                        for (frow, grow) in flat.chunks_mut(g.pitch()).zip(gp.chunks_exact(g.wo)) {
                            frow[..g.wo].copy_from_slice(grow);
                        }
                        g.for_flat_taps(|t, at| axpy(&mut buf[at..at + n], flat, wk[t]));
                    } else {
                        for (oy, grow) in gp.chunks_exact(g.wo).enumerate() {
                            g.for_taps(oy, |t, at| axpy(&mut buf[at..at + g.wo], grow, wk[t]));
                        }
                    }
                    g.pad.extract(d, buf);
                    if p.relu {
                        let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
                        for (d, &v) in d.iter_mut().zip(xp) {
                            if !(v > T::ZERO) {
                                *d = T::ZERO;
                            }
                        }
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(dx))
}

impl CustomOp2 for DwGradWeight {
    fn name(&self) -> &'static str {
        "depthwise-conv2d-grad-weight"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = dims4(l1)?;
        let p = Planes::new(self.conv, n, c, h, w, self.k)?;
        if dims4(l2)? != (n, c, p.ho, p.wo) {
            bail!("internal error: depthwise grad shape does not match the output, please report");
        }
        let out = by_dtype!(s1, self.name(), conv_grad_weight(s1, l1, s2, l2, p))?;
        Ok((out, Shape::from((c, 1, self.k, self.k))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let p = params(self.conv, dims4(l1)?, self.k)?;
        if l2.dims() != p.out_dims() {
            bail!("internal error: depthwise grad shape does not match the output, please report");
        }
        let ins = [(s1, l1), (s2, l2)];
        let dw = super::gpu::launch("dw_grad_weight", &ins, p.weight_len(), p.weight_len(), &p)?;
        Ok((dw, Shape::from(&p.weight_dims())))
    }
}

/// dw[c,ky,kx] = sum_{n,oy,ox} dy[n,c,oy,ox] * x[n,c,oy*s+ky*d-p, ox*s+kx*d-p]
fn conv_grad_weight<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    p: Planes,
) -> Result<CpuStorage> {
    let (x, dy) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let (g, kk, relu) = (taps(&p), p.k * p.k, p.relu);
    // One k x k partial per plane, then a cheap sequential sum over the batch.
    let mut part = vec![T::ZERO; p.n * p.c * kk];
    let scratch = || (vec![T::ZERO; g.pad.len()], vec![T::ZERO; g.flat_len()]);
    part.par_chunks_mut(kk)
        .enumerate()
        .for_each_init(scratch, |(buf, flat), (plane, acc)| {
            let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
            let gp = &dy[plane * p.ho * p.wo..(plane + 1) * p.ho * p.wo];
            simd(
                #[inline(always)]
                || {
                    if relu {
                        g.pad.fill_relu(buf, xp);
                    } else {
                        g.pad.fill(buf, xp);
                    }
                    if g.flat() {
                        let n = flat.len();
                        for (frow, grow) in flat.chunks_mut(g.pitch()).zip(gp.chunks_exact(g.wo)) {
                            frow[..g.wo].copy_from_slice(grow);
                        }
                        g.for_flat_taps(|t, at| acc[t] += dot(flat, &buf[at..at + n]));
                    } else {
                        for (oy, grow) in gp.chunks_exact(g.wo).enumerate() {
                            g.for_taps(oy, |t, at| acc[t] += dot(grow, &buf[at..at + g.wo]));
                        }
                    }
                },
            )
        });
    let mut dw = vec![T::ZERO; p.c * kk];
    for (plane, acc) in part.chunks_exact(kk).enumerate() {
        let ch = plane % p.c;
        for (d, &a) in dw[ch * kk..(ch + 1) * kk].iter_mut().zip(acc) {
            *d += a;
        }
    }
    Ok(T::to_cpu_storage_owned(dw))
}
