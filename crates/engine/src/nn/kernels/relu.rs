//! ReLU and the strided pick of a factorized reduce as candle custom ops with one-pass
//! backwards on the CPU.
//!
//! candle's own ReLU backward builds a zero tensor, compares, converts the mask to floats
//! and multiplies: five full-size passes and three temporaries per ReLU. Here backward is
//! one pass, `dx = dy` where the output is positive (PyTorch's rule: no gradient at 0).
//!
//! The pick takes `x[n, c, off + i*s, off + j*s]` for an output of `ho x wo`, reading zero
//! past the edge (a factorized reduce's shifted path on odd sizes), optionally through a
//! ReLU, so a factorized reduce needs neither the full ReLU output nor the padded, shifted
//! copy and its narrow backwards.
//!
//! Contract: inputs are contiguous f32/f64 CPU tensors (the wrappers in `mod.rs` check
//! device and dtype and make inputs contiguous); the gradient ops have no backward. With
//! the `cuda` feature each op also runs on the GPU (`cuda/elementwise.cu`).

use super::common::{by_dtype, simd, slice, Real};
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Elements per parallel chunk of an elementwise pass.
const CHUNK: usize = 1 << 14;

/// y = max(x, 0).
pub(crate) fn relu(x: &Tensor) -> Result<Tensor> {
    x.apply_op1(Relu)
}

struct Relu;
/// Applied to (dy, y): dy where y > 0, else 0.
struct ReluGrad;

impl CustomOp1 for Relu {
    fn name(&self) -> &'static str {
        "relu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = by_dtype!(s, self.name(), relu_fwd(s, l))?;
        Ok((out, l.shape().clone()))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s: &candle_core::CudaStorage,
        l: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let n = l.shape().elem_count();
        let p = super::cuda_abi::LenParams::new(n)?;
        let y = super::gpu::launch("relu_fwd", &[(s, l)], n, n, &p)?;
        Ok((y, l.shape().clone()))
    }

    fn bwd(&self, _x: &Tensor, y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(dy.contiguous()?.apply_op2_no_bwd(y, &ReluGrad)?))
    }
}

fn relu_fwd<T: Real>(s: &CpuStorage, l: &Layout) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    // Every element is written once: collected, not zero-filled and then overwritten.
    let out: Vec<T> = x
        .par_iter()
        .with_min_len(CHUNK)
        .map(|&v| if v < T::ZERO { T::ZERO } else { v }) // NaN stays NaN
        .collect();
    Ok(T::to_cpu_storage_owned(out))
}

impl CustomOp2 for ReluGrad {
    fn name(&self) -> &'static str {
        "relu-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        if l1.shape() != l2.shape() {
            bail!("internal error: relu gradient shape differs from the output's, please report");
        }
        let out = by_dtype!(s1, self.name(), relu_grad(s1, l1, s2, l2))?;
        Ok((out, l1.shape().clone()))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        if l1.shape() != l2.shape() {
            bail!("internal error: relu gradient shape differs from the output's, please report");
        }
        let n = l1.shape().elem_count();
        let p = super::cuda_abi::LenParams::new(n)?;
        let dx = super::gpu::launch("relu_grad", &[(s1, l1), (s2, l2)], n, n, &p)?;
        Ok((dx, l1.shape().clone()))
    }
}

fn relu_grad<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
) -> Result<CpuStorage> {
    let (dy, y) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let dx: Vec<T> = dy
        .par_iter()
        .zip(y.par_iter())
        .with_min_len(CHUNK)
        .map(|(&g, &y)| if y > T::ZERO { g } else { T::ZERO })
        .collect();
    Ok(T::to_cpu_storage_owned(dx))
}

/// Where a pick reads: offset, stride, output size, and whether a ReLU comes first.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pick {
    pub offset: usize,
    pub stride: usize,
    pub ho: usize,
    pub wo: usize,
    pub relu: bool,
}

impl Pick {
    /// Input position of output `o` along an axis of `n`, if inside the image.
    #[inline(always)]
    fn at(&self, o: usize, n: usize) -> Option<usize> {
        let i = self.offset + o * self.stride;
        (i < n).then_some(i)
    }

    /// The GPU kernels' parameter block for input layout `l`.
    #[cfg(feature = "cuda")]
    fn params(&self, l: &Layout) -> Result<super::cuda_abi::PickParams> {
        let (n, c, h, w) = l.shape().dims4()?;
        let out = (self.ho, self.wo);
        super::cuda_abi::PickParams::new([n, c, h, w], self.offset, self.stride, out, self.relu)
    }

    /// Output rows (or columns) that read inside an axis of `n` input positions.
    fn inside(&self, out: usize, n: usize) -> usize {
        (0..out).take_while(|&o| self.at(o, n).is_some()).count()
    }
}

/// `x[.., off + i*s, off + j*s]` (through a ReLU when `pick.relu`), zero past the edge.
pub(crate) fn pick(x: &Tensor, pick: Pick) -> Result<Tensor> {
    x.apply_op1(PickOp(pick))
}

struct PickOp(Pick);
/// Applied to (dy, x): scatters dy back to x's positions (masked by x > 0 after a ReLU).
struct PickGrad(Pick);

impl CustomOp1 for PickOp {
    fn name(&self) -> &'static str {
        "strided-pick"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, h, w) = l.shape().dims4()?;
        if self.0.stride == 0 {
            bail!("strided pick: stride must be at least 1");
        }
        let out = by_dtype!(s, self.name(), pick_fwd(s, l, self.0, h, w))?;
        Ok((out, Shape::from((n, c, self.0.ho, self.0.wo))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s: &candle_core::CudaStorage,
        l: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (n, c, _, _) = l.shape().dims4()?;
        let p = self.0.params(l)?;
        let y = super::gpu::launch("pick_fwd", &[(s, l)], p.out_len(), p.out_len(), &p)?;
        Ok((y, Shape::from((n, c, self.0.ho, self.0.wo))))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(
            dy.contiguous()?.apply_op2_no_bwd(x, &PickGrad(self.0))?,
        ))
    }
}

fn pick_fwd<T: Real>(
    s: &CpuStorage,
    l: &Layout,
    p: Pick,
    h: usize,
    w: usize,
) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    let (rows, cols) = (p.inside(p.ho, h), p.inside(p.wo, w));
    let mut out = vec![T::ZERO; x.len() / (h * w) * p.ho * p.wo];
    out.par_chunks_mut(p.ho * p.wo)
        .zip(x.par_chunks(h * w))
        .for_each(|(o, xp)| {
            simd(
                #[inline(always)]
                || {
                    for (i, orow) in o.chunks_exact_mut(p.wo).take(rows).enumerate() {
                        let xrow = &xp[(p.offset + i * p.stride) * w..][..w];
                        for (j, v) in orow[..cols].iter_mut().enumerate() {
                            let x = xrow[p.offset + j * p.stride];
                            *v = if p.relu && x < T::ZERO { T::ZERO } else { x };
                        }
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(out))
}

impl CustomOp2 for PickGrad {
    fn name(&self) -> &'static str {
        "strided-pick-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (n, c, ho, wo) = l1.shape().dims4()?;
        let (nx, cx, h, w) = l2.shape().dims4()?;
        if (n, c, ho, wo) != (nx, cx, self.0.ho, self.0.wo) {
            bail!("internal error: strided pick gradient shape mismatch, please report");
        }
        let out = by_dtype!(s1, self.name(), pick_grad(s1, l1, s2, l2, self.0, h, w))?;
        Ok((out, l2.shape().clone()))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (n, c, ho, wo) = l1.shape().dims4()?;
        let (nx, cx, _, _) = l2.shape().dims4()?;
        if (n, c, ho, wo) != (nx, cx, self.0.ho, self.0.wo) {
            bail!("internal error: strided pick gradient shape mismatch, please report");
        }
        let p = self.0.params(l2)?;
        let ins = [(s1, l1), (s2, l2)];
        let dx = super::gpu::launch("pick_grad", &ins, p.in_len(), p.in_len(), &p)?;
        Ok((dx, l2.shape().clone()))
    }
}

// `!(x > 0)` on purpose: a NaN input counts as not positive and passes no gradient.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn pick_grad<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    p: Pick,
    h: usize,
    w: usize,
) -> Result<CpuStorage> {
    let (dy, x) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let (rows, cols) = (p.inside(p.ho, h), p.inside(p.wo, w));
    let mut dx = vec![T::ZERO; x.len()];
    dx.par_chunks_mut(h * w)
        .zip(x.par_chunks(h * w).zip(dy.par_chunks(p.ho * p.wo)))
        .for_each(|(d, (xp, g))| {
            for (i, grow) in g.chunks_exact(p.wo).take(rows).enumerate() {
                let r = (p.offset + i * p.stride) * w;
                let (drow, xrow) = (&mut d[r..r + w], &xp[r..r + w]);
                for (j, &gv) in grow[..cols].iter().enumerate() {
                    let k = p.offset + j * p.stride;
                    drow[k] = if p.relu && !(xrow[k] > T::ZERO) {
                        T::ZERO
                    } else {
                        gv
                    };
                }
            }
        });
    Ok(T::to_cpu_storage_owned(dx))
}
