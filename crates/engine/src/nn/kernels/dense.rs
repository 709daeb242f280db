//! Dense k x k convolution as im2col + GEMM, forward and both gradients. candle 0.11's CPU
//! `conv2d` takes a "tiled" direct path (a dot product over input channels per output and
//! tap) that is slow for the narrow layers of a search supernet, and its input gradient is
//! `conv_transpose2d`, a direct loop parallel only over output channels: in an NB201
//! supernet (dense 3x3 convs on every edge) the two took most of a step.
//!
//! Per image, `cols` [C k k, Ho Wo] holds the input under every window (zeros in the
//! padding); then
//! - forward: y = W [Co, C k k] x cols;
//! - weight gradient: dW = sum over images of dy [Co, Ho Wo] x cols^T, summed in image
//!   order (deterministic however the images are spread over threads);
//! - input gradient: dcols = W^T x dy, scattered back onto the input (col2im).
//!
//! On a GPU (`cuda_fwd`) the same three steps run as `im2col` / `col2im` kernels
//! (`cuda/conv.cu`, one thread per element) around batched cuBLAS GEMMs (`batched.rs`),
//! with the columns of the whole batch in one buffer.
//!
//! Contract: same results as `x.conv2d(w, p, s, d, 1)` in value and gradients (to float
//! rounding); contiguous f32/f64 inputs of one dtype on one device, the CPU or a CUDA GPU
//! (the wrapper in `mod.rs` checks); the gradient ops have no backward (no second-order
//! gradients).

use candle_core::{bail, CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

use super::common::{by_dtype, slice, Real};
use super::gemm::{gemm_into, per_image, Mat};

/// The geometry of one convolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geo {
    n: usize,
    ci: usize,
    co: usize,
    h: usize,
    w: usize,
    k: usize,
    stride: usize,
    pad: usize,
    dil: usize,
    ho: usize,
    wo: usize,
}

impl Geo {
    fn new(x: &[usize], w: &[usize], stride: usize, pad: usize, dil: usize) -> Result<Geo> {
        let (&[n, ci, h, wd], &[co, ciw, k, kw]) = (x, w) else {
            bail!("dense conv2d: expected 4-d input and weight, got {x:?} and {w:?}");
        };
        if ciw != ci || kw != k || stride == 0 || dil == 0 {
            bail!("dense conv2d: weight {w:?} does not fit input {x:?} (stride {stride}, dilation {dil})");
        }
        let span = dil * (k - 1) + 1;
        if h + 2 * pad < span || wd + 2 * pad < span {
            bail!("dense conv2d: a {k}x{k} kernel (dilation {dil}) does not fit input {x:?} with padding {pad}");
        }
        let ho = (h + 2 * pad - span) / stride + 1;
        let wo = (wd + 2 * pad - span) / stride + 1;
        Ok(Geo {
            n,
            ci,
            co,
            h,
            w: wd,
            k,
            stride,
            pad,
            dil,
            ho,
            wo,
        })
    }
    fn ckk(&self) -> usize {
        self.ci * self.k * self.k
    }
    fn hwo(&self) -> usize {
        self.ho * self.wo
    }
    /// The sizes of the products: weight [co, C k k] against columns [C k k, Ho Wo].
    #[cfg(feature = "cuda")]
    fn gemm(&self) -> super::batched::Gemm {
        super::batched::Gemm {
            n: self.n,
            co: self.co,
            kk: self.ckk(),
            hw: self.hwo(),
        }
    }
    /// The parameter block of the GPU's `im2col` / `col2im`.
    #[cfg(feature = "cuda")]
    fn columns(&self) -> Result<super::cuda_abi::DwParams> {
        super::cuda_abi::DwParams::columns(
            [self.n, self.ci, self.h, self.w],
            self.k,
            self.stride,
            self.pad,
            self.dil,
        )
    }
    /// Input position (row or column) of output position `o` and tap `t`, if inside.
    fn at(&self, o: usize, t: usize, size: usize) -> Option<usize> {
        (o * self.stride + t * self.dil)
            .checked_sub(self.pad)
            .filter(|&v| v < size)
    }
}

/// `x.conv2d(w, pad, stride, dil, 1)`.
pub(crate) fn forward(
    x: &Tensor,
    w: &Tensor,
    pad: usize,
    stride: usize,
    dil: usize,
) -> Result<Tensor> {
    x.apply_op2(w, Dense { pad, stride, dil })
}

#[derive(Debug, Clone, Copy)]
struct Dense {
    pad: usize,
    stride: usize,
    dil: usize,
}

/// Applied to (dy, w); the input's shape is `x`.
struct GradInput {
    c: Dense,
    x: [usize; 4],
}

/// Applied to (x, dy); the kernel side is `k`.
struct GradWeight {
    c: Dense,
    k: usize,
}

/// The geometry of each op from its two inputs' layouts, checked against each other; shared
/// by the CPU and GPU paths.
impl Dense {
    /// Of (x, w).
    fn geo(&self, l1: &Layout, l2: &Layout) -> Result<Geo> {
        Geo::new(l1.dims(), l2.dims(), self.stride, self.pad, self.dil)
    }
}

impl GradInput {
    /// Of (dy, w); the input's shape is `self.x`.
    fn geo(&self, l1: &Layout, l2: &Layout) -> Result<Geo> {
        let g = Geo::new(&self.x, l2.dims(), self.c.stride, self.c.pad, self.c.dil)?;
        fits(g, l1.dims())?;
        Ok(g)
    }
}

impl GradWeight {
    /// Of (x, dy); the kernel side is `self.k`.
    fn geo(&self, l1: &Layout, l2: &Layout) -> Result<Geo> {
        let x = l1.dims();
        let (&[_, ci, _, _], &[_, co, _, _]) = (x, l2.dims()) else {
            bail!("internal error: dense conv2d weight gradient of non-4-d tensors, please report");
        };
        let w = [co, ci, self.k, self.k];
        let g = Geo::new(x, &w, self.c.stride, self.c.pad, self.c.dil)?;
        fits(g, l2.dims())?;
        Ok(g)
    }
}

/// Fails unless `dy` has the output shape of `g`.
fn fits(g: Geo, dy: &[usize]) -> Result<()> {
    if dy != [g.n, g.co, g.ho, g.wo] {
        bail!("internal error: dense conv2d gradient {dy:?} does not fit, please report");
    }
    Ok(())
}

impl CustomOp2 for Dense {
    fn name(&self) -> &'static str {
        "dense-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = self.geo(l1, l2)?;
        let out = by_dtype!(s1, self.name(), fwd(s1, l1, s2, l2, g))?;
        Ok((out, Shape::from((g.n, g.co, g.ho, g.wo))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _res: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let (n, c, h, wd) = x.dims4()?;
        let dx = dy.apply_op2_no_bwd(
            w,
            &GradInput {
                c: *self,
                x: [n, c, h, wd],
            },
        )?;
        let (_, _, k, _) = w.dims4()?;
        let dw = x.apply_op2_no_bwd(&dy, &GradWeight { c: *self, k })?;
        Ok((Some(dx), Some(dw)))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let g = self.geo(l1, l2)?;
        let (cols, lc) = gpu_columns(s1, l1, g)?;
        let y = super::batched::weight_times(s2, l2, &cols, &lc, g.gemm())?;
        Ok((y, Shape::from((g.n, g.co, g.ho, g.wo))))
    }
}

impl CustomOp2 for GradInput {
    fn name(&self) -> &'static str {
        "dense-conv2d-grad-input"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = self.geo(l1, l2)?;
        let out = by_dtype!(s1, self.name(), grad_input(s1, l1, s2, l2, g))?;
        Ok((out, Shape::from(self.x.to_vec())))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let g = self.geo(l1, l2)?;
        let dcols = super::batched::weight_t_times(s2, l2, s1, l1, g.gemm())?;
        let p = g.columns()?;
        let lc = Layout::contiguous(p.cols_dims().to_vec());
        let dx = super::gpu::launch("col2im", &[(&dcols, &lc)], p.in_len(), p.in_len(), &p)?;
        Ok((dx, Shape::from(self.x.to_vec())))
    }
}

impl CustomOp2 for GradWeight {
    fn name(&self) -> &'static str {
        "dense-conv2d-grad-weight"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = self.geo(l1, l2)?;
        let out = by_dtype!(s1, self.name(), grad_weight(s1, l1, s2, l2, g))?;
        Ok((out, Shape::from((g.co, g.ci, g.k, g.k))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let g = self.geo(l1, l2)?;
        let (cols, lc) = gpu_columns(s1, l1, g)?;
        let dw = super::batched::grad_weight(s2, l2, &cols, &lc, g.gemm())?;
        Ok((dw, Shape::from((g.co, g.ci, g.k, g.k))))
    }
}

/// The im2col columns [n, C k k, Ho Wo] of the input `x` on the GPU, with their layout.
#[cfg(feature = "cuda")]
fn gpu_columns(
    x: &candle_core::CudaStorage,
    lx: &Layout,
    g: Geo,
) -> Result<(candle_core::CudaStorage, Layout)> {
    let p = g.columns()?;
    let cols = super::gpu::launch("im2col", &[(x, lx)], p.cols_len(), p.cols_len(), &p)?;
    Ok((cols, Layout::contiguous(p.cols_dims().to_vec())))
}

/// cols [C k k, Ho Wo] of one image `x` [C, H, W].
fn im2col<T: Real>(x: &[T], g: Geo, cols: &mut [T]) {
    let hwo = g.hwo();
    for c in 0..g.ci {
        let xc = &x[c * g.h * g.w..(c + 1) * g.h * g.w];
        for i in 0..g.k {
            for j in 0..g.k {
                let row = &mut cols[((c * g.k + i) * g.k + j) * hwo..][..hwo];
                for oy in 0..g.ho {
                    let out = &mut row[oy * g.wo..(oy + 1) * g.wo];
                    match g.at(oy, i, g.h) {
                        None => out.fill(T::ZERO),
                        Some(y) => {
                            let xr = &xc[y * g.w..(y + 1) * g.w];
                            for (ox, o) in out.iter_mut().enumerate() {
                                *o = g.at(ox, j, g.w).map_or(T::ZERO, |xx| xr[xx]);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// dx [C, H, W] of one image += the columns `dcols` [C k k, Ho Wo] scattered back.
fn col2im<T: Real>(dcols: &[T], g: Geo, dx: &mut [T]) {
    let hwo = g.hwo();
    for c in 0..g.ci {
        let dxc = &mut dx[c * g.h * g.w..(c + 1) * g.h * g.w];
        for i in 0..g.k {
            for j in 0..g.k {
                let row = &dcols[((c * g.k + i) * g.k + j) * hwo..][..hwo];
                for oy in 0..g.ho {
                    let Some(y) = g.at(oy, i, g.h) else { continue };
                    let src = &row[oy * g.wo..(oy + 1) * g.wo];
                    let dst = &mut dxc[y * g.w..(y + 1) * g.w];
                    for (ox, &v) in src.iter().enumerate() {
                        if let Some(xx) = g.at(ox, j, g.w) {
                            dst[xx] += v;
                        }
                    }
                }
            }
        }
    }
}

fn fwd<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    g: Geo,
) -> Result<CpuStorage> {
    let (x, wt) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let (ckk, hwo, chw) = (g.ckk(), g.hwo(), g.ci * g.h * g.w);
    let mut y = vec![T::ZERO; g.n * g.co * hwo];
    per_image(&mut y, g.co * hwo, |i, yi, par| {
        let mut cols = vec![T::ZERO; ckk * hwo];
        im2col(&x[i * chw..(i + 1) * chw], g, &mut cols);
        let w = Mat {
            ptr: wt.as_ptr(),
            rs: ckk as isize,
            cs: 1,
        };
        let c = Mat {
            ptr: cols.as_ptr(),
            rs: hwo as isize,
            cs: 1,
        };
        // SAFETY: W is [co, ckk] and cols [ckk, hwo], both whole slices.
        unsafe { gemm_into(yi, (g.co, hwo, ckk), w, c, false, par) }
    });
    Ok(T::to_cpu_storage_owned(y))
}

fn grad_input<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    g: Geo,
) -> Result<CpuStorage> {
    let (dy, wt) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let (ckk, hwo, chw) = (g.ckk(), g.hwo(), g.ci * g.h * g.w);
    let mut dx = vec![T::ZERO; g.n * chw];
    per_image(&mut dx, chw, |i, dxi, par| {
        let mut dcols = vec![T::ZERO; ckk * hwo];
        // W^T: element (r, c) = W[c, r]
        let w = Mat {
            ptr: wt.as_ptr(),
            rs: 1,
            cs: ckk as isize,
        };
        let d = Mat {
            ptr: dy[i * g.co * hwo..].as_ptr(),
            rs: hwo as isize,
            cs: 1,
        };
        // SAFETY: W is [co, ckk] and image i of dy [co, hwo], inside their slices.
        unsafe { gemm_into(&mut dcols, (ckk, hwo, g.co), w, d, false, par) }
        col2im(&dcols, g, dxi);
    });
    Ok(T::to_cpu_storage_owned(dx))
}

fn grad_weight<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    g: Geo,
) -> Result<CpuStorage> {
    let (x, dy) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let (ckk, hwo, chw) = (g.ckk(), g.hwo(), g.ci * g.h * g.w);
    let kk = g.co * ckk;
    let mut part = vec![T::ZERO; g.n * kk];
    per_image(&mut part, kk, |i, acc, par| {
        let mut cols = vec![T::ZERO; ckk * hwo];
        im2col(&x[i * chw..(i + 1) * chw], g, &mut cols);
        let d = Mat {
            ptr: dy[i * g.co * hwo..].as_ptr(),
            rs: hwo as isize,
            cs: 1,
        };
        // cols^T: element (r, c) = cols[c, r]
        let c = Mat {
            ptr: cols.as_ptr(),
            rs: 1,
            cs: hwo as isize,
        };
        // SAFETY: image i of dy is [co, hwo] and cols [ckk, hwo], inside their slices.
        unsafe { gemm_into(acc, (g.co, ckk, hwo), d, c, false, par) }
    });
    let mut dw = vec![T::ZERO; kk];
    for p in part.chunks_exact(kk) {
        dw.iter_mut().zip(p).for_each(|(d, &v)| *d += v);
    }
    Ok(T::to_cpu_storage_owned(dw))
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
        // padding beyond the kernel's reach
        compare(1, 2, 3, 5, 1, 1, 1, 1);
    }
}
