//! Fused training-mode batch normalisation over NCHW as candle custom ops: per-channel
//! statistics, normalisation with the affine transform, and the full backward (through the
//! batch statistics) on the CPU, parallel over channels or planes.
//!
//! Contract: `x` is a contiguous f32/f64 CPU tensor; `stats` [2, C] holds (mean, biased var)
//! of exactly this `x` (computed by [`stats`]); `affine` [2, C] holds (gamma, beta). The
//! normalisation op's backward returns the whole derivative w.r.t. x, including the paths
//! through mean and var, so `stats` must carry no gradient of its own (it is produced by a
//! no-backward op) and gets none. With the `cuda` feature each op also runs on the GPU
//! (`cuda/batchnorm.cu`).

use super::common::{by_dtype, simd, slice, sum, Real};
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp3, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Batch mean and biased variance per channel, as a detached [2, C] tensor.
pub(crate) fn stats(x: &Tensor) -> Result<Tensor> {
    x.apply_op1_no_bwd(&BnStats)
}

/// y = (x - mean) / sqrt(var + eps) * gamma + beta, differentiable w.r.t. x and affine.
pub(crate) fn normalize(x: &Tensor, stats: &Tensor, affine: &Tensor, eps: f64) -> Result<Tensor> {
    x.apply_op3(stats, affine, BnNorm { eps })
}

struct BnStats;
struct BnNorm {
    eps: f64,
}
/// Applied to (x, stats, dy): per channel [sum(dy * xhat), sum(dy)] = [dgamma, dbeta].
struct BnGradSums {
    eps: f64,
}
/// Applied to (x, dy, [mean; var; gamma; sum(dy*xhat); sum(dy)]): the gradient w.r.t. x.
struct BnGradInput {
    eps: f64,
}

/// (n, c, h*w) of an NCHW layout.
fn ncm(l: &Layout) -> Result<(usize, usize, usize)> {
    let (n, c, h, w) = l.shape().dims4()?;
    Ok((n, c, h * w))
}

/// Row `r` of a contiguous [rows, c] parameter slice.
fn row<T: Real>(p: &[T], r: usize, c: usize) -> &[T] {
    &p[r * c..(r + 1) * c]
}

/// The GPU kernels' parameter block for x's layout `l`.
#[cfg(feature = "cuda")]
fn params(l: &Layout, eps: f64) -> Result<super::cuda_abi::BnParams> {
    let (n, c, h, w) = l.shape().dims4()?;
    super::cuda_abi::BnParams::new([n, c, h, w], eps)
}

fn check_params(l: &Layout, rows: usize, c: usize, what: &str) -> Result<()> {
    if l.shape().dims() != [rows, c] {
        bail!("internal error: batch-norm {what} has shape {:?}, expected [{rows}, {c}], please report", l.shape());
    }
    Ok(())
}

impl CustomOp1 for BnStats {
    fn name(&self) -> &'static str {
        "batch-norm-stats"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, m) = ncm(l)?;
        let out = by_dtype!(s, self.name(), bn_stats(s, l, n, c, m))?;
        Ok((out, Shape::from((2, c))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s: &candle_core::CudaStorage,
        l: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let p = params(l, 0.0)?;
        let c = p.channels();
        let st = super::gpu::launch("bn_stats", &[(s, l)], 2 * c, c, &p)?;
        Ok((st, Shape::from((2, c))))
    }
}

/// mean = sum(x) / M, var = sum((x - mean)^2) / M over M = N*H*W (two passes, so a large
/// mean does not cancel the variance).
fn bn_stats<T: Real>(
    s: &CpuStorage,
    l: &Layout,
    n: usize,
    c: usize,
    m: usize,
) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    let count = T::from_f64((n * m) as f64);
    let plane = |i: usize, ch: usize| &x[(i * c + ch) * m..(i * c + ch + 1) * m];
    let per_channel: Vec<(T, T)> = (0..c)
        .into_par_iter()
        .map(|ch| {
            simd(
                #[inline(always)]
                || {
                    let mean = (0..n).fold(T::ZERO, |a, i| a + sum(plane(i, ch))) / count;
                    let var =
                        (0..n).fold(T::ZERO, |a, i| a + centered_sq(plane(i, ch), mean)) / count;
                    (mean, var)
                },
            )
        })
        .collect();
    let mut out: Vec<T> = per_channel.iter().map(|p| p.0).collect();
    out.extend(per_channel.iter().map(|p| p.1));
    Ok(T::to_cpu_storage_owned(out))
}

/// sum((a - mean)^2) with eight accumulators.
fn centered_sq<T: Real>(a: &[T], mean: T) -> T {
    centered_dot(a, a, mean, mean)
}

/// sum((a - ma) * (b - mb)) with eight accumulators.
fn centered_dot<T: Real>(a: &[T], b: &[T], ma: T, mb: T) -> T {
    let mut acc = [T::ZERO; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let mut s = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .fold(T::ZERO, |s, (&x, &y)| s + (x - ma) * (y - mb));
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            acc[l] += (x[l] - ma) * (y[l] - mb);
        }
    }
    for v in acc {
        s += v;
    }
    s
}

impl CustomOp3 for BnNorm {
    fn name(&self) -> &'static str {
        "batch-norm"
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
        let (_, c, _) = ncm(l1)?;
        check_params(l2, 2, c, "stats")?;
        check_params(l3, 2, c, "affine")?;
        let y = by_dtype!(s1, self.name(), bn_norm(s1, l1, s2, l2, s3, l3, self.eps))?;
        Ok((y, l1.shape().clone()))
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
        let p = params(l1, self.eps)?;
        check_params(l2, 2, p.channels(), "stats")?;
        check_params(l3, 2, p.channels(), "affine")?;
        let ins = [(s1, l1), (s2, l2), (s3, l3)];
        let y = super::gpu::launch("bn_norm", &ins, p.elems(), p.elems(), &p)?;
        Ok((y, l1.shape().clone()))
    }

    fn bwd(
        &self,
        x: &Tensor,
        stats: &Tensor,
        affine: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let dy = dy.contiguous()?;
        let sums = x.apply_op3_no_bwd(stats, &dy, &BnGradSums { eps: self.eps })?; // [2, C]
        let params = Tensor::cat(&[stats, &affine.narrow(0, 0, 1)?, &sums], 0)?.contiguous()?; // [5, C]
        let dx = x.apply_op3_no_bwd(&dy, &params, &BnGradInput { eps: self.eps })?;
        Ok((Some(dx), None, Some(sums)))
    }
}

/// y = x * scale + shift with scale = gamma / sqrt(var + eps), shift = beta - mean * scale.
fn bn_norm<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    s3: &CpuStorage,
    l3: &Layout,
    eps: f64,
) -> Result<CpuStorage> {
    let (_, c, m) = ncm(l1)?;
    let (x, st, af) = (
        slice::<T>(s1, l1)?,
        slice::<T>(s2, l2)?,
        slice::<T>(s3, l3)?,
    );
    let (mean, var, gamma, beta) = (row(st, 0, c), row(st, 1, c), row(af, 0, c), row(af, 1, c));
    let eps = T::from_f64(eps);
    let mut y = vec![T::ZERO; x.len()];
    y.par_chunks_mut(m)
        .zip(x.par_chunks(m))
        .enumerate()
        .for_each(|(plane, (yp, xp))| {
            simd(
                #[inline(always)]
                || {
                    let ch = plane % c;
                    let scale = gamma[ch] / (var[ch] + eps).sqrt();
                    let shift = beta[ch] - mean[ch] * scale;
                    for (o, &v) in yp.iter_mut().zip(xp) {
                        *o = v * scale + shift;
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(y))
}

impl CustomOp3 for BnGradSums {
    fn name(&self) -> &'static str {
        "batch-norm-grad-sums"
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
        let (_, c, _) = ncm(l1)?;
        check_params(l2, 2, c, "stats")?;
        if l3.shape() != l1.shape() {
            bail!("internal error: batch-norm grad shape differs from the input, please report");
        }
        let out = by_dtype!(
            s1,
            self.name(),
            bn_grad_sums(s1, l1, s2, l2, s3, l3, self.eps)
        )?;
        Ok((out, Shape::from((2, c))))
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
        let p = params(l1, self.eps)?;
        let c = p.channels();
        check_params(l2, 2, c, "stats")?;
        if l3.shape() != l1.shape() {
            bail!("internal error: batch-norm grad shape differs from the input, please report");
        }
        let ins = [(s1, l1), (s2, l2), (s3, l3)];
        let sums = super::gpu::launch("bn_grad_sums", &ins, 2 * c, c, &p)?;
        Ok((sums, Shape::from((2, c))))
    }
}

/// dgamma = sum(dy * xhat) = sum(dy * (x - mean)) / sqrt(var + eps), dbeta = sum(dy).
fn bn_grad_sums<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    s3: &CpuStorage,
    l3: &Layout,
    eps: f64,
) -> Result<CpuStorage> {
    let (n, c, m) = ncm(l1)?;
    let (x, st, dy) = (
        slice::<T>(s1, l1)?,
        slice::<T>(s2, l2)?,
        slice::<T>(s3, l3)?,
    );
    let (mean, var, eps) = (row(st, 0, c), row(st, 1, c), T::from_f64(eps));
    let plane = |i: usize, ch: usize| (i * c + ch) * m..(i * c + ch + 1) * m;
    let per_channel: Vec<(T, T)> = (0..c)
        .into_par_iter()
        .map(|ch| {
            simd(
                #[inline(always)]
                || {
                    let (mut sxh, mut sdy) = (T::ZERO, T::ZERO);
                    for i in 0..n {
                        let r = plane(i, ch);
                        sxh += centered_dot(&dy[r.clone()], &x[r.clone()], T::ZERO, mean[ch]);
                        sdy += sum(&dy[r]);
                    }
                    (sxh / (var[ch] + eps).sqrt(), sdy)
                },
            )
        })
        .collect();
    let mut out: Vec<T> = per_channel.iter().map(|p| p.0).collect();
    out.extend(per_channel.iter().map(|p| p.1));
    Ok(T::to_cpu_storage_owned(out))
}

impl CustomOp3 for BnGradInput {
    fn name(&self) -> &'static str {
        "batch-norm-grad-input"
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
        let (_, c, _) = ncm(l1)?;
        check_params(l3, 5, c, "grad params")?;
        if l2.shape() != l1.shape() {
            bail!("internal error: batch-norm grad shape differs from the input, please report");
        }
        let dx = by_dtype!(
            s1,
            self.name(),
            bn_grad_input(s1, l1, s2, l2, s3, l3, self.eps)
        )?;
        Ok((dx, l1.shape().clone()))
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
        let p = params(l1, self.eps)?;
        check_params(l3, 5, p.channels(), "grad params")?;
        if l2.shape() != l1.shape() {
            bail!("internal error: batch-norm grad shape differs from the input, please report");
        }
        let ins = [(s1, l1), (s2, l2), (s3, l3)];
        let dx = super::gpu::launch("bn_grad_input", &ins, p.elems(), p.elems(), &p)?;
        Ok((dx, l1.shape().clone()))
    }
}

/// dx = a * (dy - sum(dy)/M - xhat * sum(dy*xhat)/M) with a = gamma / sqrt(var + eps),
/// expanded to dx = a*dy + b*x + k so the plane loop is one fused multiply-add chain.
fn bn_grad_input<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    s3: &CpuStorage,
    l3: &Layout,
    eps: f64,
) -> Result<CpuStorage> {
    let (n, c, m) = ncm(l1)?;
    let (x, dy, pr) = (
        slice::<T>(s1, l1)?,
        slice::<T>(s2, l2)?,
        slice::<T>(s3, l3)?,
    );
    let (mean, var, gamma) = (row(pr, 0, c), row(pr, 1, c), row(pr, 2, c));
    let (sxh, sdy) = (row(pr, 3, c), row(pr, 4, c));
    let (eps, count) = (T::from_f64(eps), T::from_f64((n * m) as f64));
    let mut dx = vec![T::ZERO; x.len()];
    dx.par_chunks_mut(m).enumerate().for_each(|(plane, d)| {
        simd(
            #[inline(always)]
            || {
                let ch = plane % c;
                let inv = T::ONE / (var[ch] + eps).sqrt();
                let a = gamma[ch] * inv;
                let b = T::ZERO - a * inv * sxh[ch] / count;
                let k = T::ZERO - a * sdy[ch] / count - b * mean[ch];
                let (xp, gp) = (
                    &x[plane * m..(plane + 1) * m],
                    &dy[plane * m..(plane + 1) * m],
                );
                for ((o, &g), &v) in d.iter_mut().zip(gp).zip(xp) {
                    *o = a * g + b * v + k;
                }
            },
        )
    });
    Ok(T::to_cpu_storage_owned(dx))
}
