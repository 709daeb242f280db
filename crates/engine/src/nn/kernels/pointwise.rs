//! 1x1 convolution (`x` [N, Cin, H, W] with `w` [Cout, Cin, 1, 1], stride 1, no bias) as a
//! candle custom op: one GEMM per image, forward and both gradients, parallel over images.
//!
//! Built from plain candle ops the same product is five graph nodes (two reshapes, a
//! broadcast, a batched matmul, a reshape), and candle's backward gives every node a fresh
//! zeroed gradient plus an add: two extra full-size passes per reshape. Here it is one node.
//!
//! On a GPU (`cuda_fwd`) the same three products are batched cuBLAS GEMMs (`batched.rs`):
//! one launch for the whole batch, the weight shared with a batch stride of 0.
//!
//! Contract: inputs are contiguous f32/f64 tensors of one dtype on one device, the CPU or a
//! CUDA GPU (the wrapper in `mod.rs` checks shapes, device and dtype and makes inputs
//! contiguous); the gradient ops have no backward.

#[cfg(feature = "cuda")]
use super::batched;
use super::batched::Gemm;
use super::common::{by_dtype, slice, Real};
use super::gemm::{gemm_into, per_image, Mat};
use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

/// y[n] = W x[n] for every image n.
pub(crate) fn forward(x: &Tensor, w: &Tensor) -> Result<Tensor> {
    x.apply_op2(w, Pw)
}

struct Pw;
/// Applied to (dy, w): dx[n] = W^T dy[n].
struct PwGradInput;
/// Applied to (x, dy): dW = sum_n dy[n] x[n]^T.
struct PwGradWeight;

/// The products' sizes (weight [co, ci] against [ci, h w] per image) and the output shape,
/// from the two inputs' layouts, checked against each other; shared by the CPU and GPU
/// paths of each op.
impl Pw {
    /// Of (x [n, ci, h, w], w [co, ci, 1, 1]); the output is [n, co, h, w].
    fn sizes(l1: &Layout, l2: &Layout) -> Result<(Gemm, Shape)> {
        let (n, ci, h, w) = l1.shape().dims4()?;
        let (co, ciw, _, _) = l2.shape().dims4()?;
        if ciw != ci {
            bail!("internal error: pointwise weight does not match the input, please report");
        }
        Ok((gemm(n, co, ci, h * w), Shape::from((n, co, h, w))))
    }
}

impl PwGradInput {
    /// Of (dy [n, co, h, w], w [co, ci, 1, 1]); the output is [n, ci, h, w].
    fn sizes(l1: &Layout, l2: &Layout) -> Result<(Gemm, Shape)> {
        let (n, co, h, w) = l1.shape().dims4()?;
        let (cow, ci, _, _) = l2.shape().dims4()?;
        if cow != co {
            bail!("internal error: pointwise gradient does not match the weight, please report");
        }
        Ok((gemm(n, co, ci, h * w), Shape::from((n, ci, h, w))))
    }
}

impl PwGradWeight {
    /// Of (x [n, ci, h, w], dy [n, co, h, w]); the output is [co, ci, 1, 1].
    fn sizes(l1: &Layout, l2: &Layout) -> Result<(Gemm, Shape)> {
        let (n, ci, h, w) = l1.shape().dims4()?;
        let (ng, co, hg, wg) = l2.shape().dims4()?;
        if (ng, hg, wg) != (n, h, w) {
            bail!("internal error: pointwise gradient does not match the input, please report");
        }
        Ok((gemm(n, co, ci, h * w), Shape::from((co, ci, 1, 1))))
    }
}

fn gemm(n: usize, co: usize, ci: usize, hw: usize) -> Gemm {
    Gemm { n, co, kk: ci, hw }
}

impl CustomOp2 for Pw {
    fn name(&self) -> &'static str {
        "pointwise-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, out) = Pw::sizes(l1, l2)?;
        let y = by_dtype!(s1, self.name(), pw_fwd(s1, l1, s2, l2, g))?;
        Ok((y, out))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (g, out) = Pw::sizes(l1, l2)?;
        Ok((batched::weight_times(s2, l2, s1, l1, g)?, out))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let dx = dy.apply_op2_no_bwd(w, &PwGradInput)?;
        let dw = x.apply_op2_no_bwd(&dy, &PwGradWeight)?;
        Ok((Some(dx), Some(dw)))
    }
}

fn pw_fwd<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    g: Gemm,
) -> Result<CpuStorage> {
    let Gemm { n, co, kk: ci, hw } = g;
    let (x, wt) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let mut y = vec![T::ZERO; n * co * hw];
    per_image(&mut y, co * hw, |i, yi, par| {
        let w = Mat {
            ptr: wt.as_ptr(),
            rs: ci as isize,
            cs: 1,
        };
        let xi = Mat {
            ptr: x[i * ci * hw..].as_ptr(),
            rs: hw as isize,
            cs: 1,
        };
        // SAFETY: W is [co, ci] and image i of x is [ci, hw], both inside their slices.
        unsafe { gemm_into(yi, (co, hw, ci), w, xi, false, par) }
    });
    Ok(T::to_cpu_storage_owned(y))
}

impl CustomOp2 for PwGradInput {
    fn name(&self) -> &'static str {
        "pointwise-conv2d-grad-input"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, out) = PwGradInput::sizes(l1, l2)?;
        let dx = by_dtype!(s1, self.name(), pw_grad_input(s1, l1, s2, l2, g))?;
        Ok((dx, out))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (g, out) = PwGradInput::sizes(l1, l2)?;
        Ok((batched::weight_t_times(s2, l2, s1, l1, g)?, out))
    }
}

fn pw_grad_input<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    g: Gemm,
) -> Result<CpuStorage> {
    let Gemm { n, co, kk: ci, hw } = g;
    let (dy, wt) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let mut dx = vec![T::ZERO; n * ci * hw];
    per_image(&mut dx, ci * hw, |i, dxi, par| {
        // W^T: element (r, c) = W[c, r].
        let wt = Mat {
            ptr: wt.as_ptr(),
            rs: 1,
            cs: ci as isize,
        };
        let gi = Mat {
            ptr: dy[i * co * hw..].as_ptr(),
            rs: hw as isize,
            cs: 1,
        };
        // SAFETY: W is [co, ci] and image i of dy is [co, hw], both inside their slices.
        unsafe { gemm_into(dxi, (ci, hw, co), wt, gi, false, par) }
    });
    Ok(T::to_cpu_storage_owned(dx))
}

impl CustomOp2 for PwGradWeight {
    fn name(&self) -> &'static str {
        "pointwise-conv2d-grad-weight"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (g, out) = PwGradWeight::sizes(l1, l2)?;
        let dw = by_dtype!(s1, self.name(), pw_grad_weight(s1, l1, s2, l2, g))?;
        Ok((dw, out))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (g, out) = PwGradWeight::sizes(l1, l2)?;
        Ok((batched::grad_weight(s2, l2, s1, l1, g)?, out))
    }
}

fn pw_grad_weight<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    g: Gemm,
) -> Result<CpuStorage> {
    let Gemm { n, co, kk: ci, hw } = g;
    let (x, dy) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    // One [co, ci] partial per image (dy[i] [co, hw] times x[i]^T [hw, ci]), then a sum in
    // image order: the result does not depend on how the images were spread over threads.
    let kk = co * ci;
    let mut part = vec![T::ZERO; n * kk];
    per_image(&mut part, kk, |i, acc, par| {
        let gi = Mat {
            ptr: dy[i * co * hw..].as_ptr(),
            rs: hw as isize,
            cs: 1,
        };
        let xt = Mat {
            ptr: x[i * ci * hw..].as_ptr(),
            rs: 1,
            cs: hw as isize,
        };
        // SAFETY: image i of dy is [co, hw] and of x [ci, hw], inside their slices.
        unsafe { gemm_into(acc, (co, ci, hw), gi, xt, false, par) }
    });
    let mut dw = vec![T::ZERO; kk];
    for p in part.chunks_exact(kk) {
        dw.iter_mut().zip(p).for_each(|(d, &v)| *d += v);
    }
    Ok(T::to_cpu_storage_owned(dw))
}
