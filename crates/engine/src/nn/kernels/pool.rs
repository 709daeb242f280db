//! Max and average pooling (square window, stride, explicit padding; average with
//! count_include_pad = false) as candle custom ops with hand-written CPU forward and
//! backward, parallel over the N x C planes.
//!
//! Contract: the input is a contiguous f32/f64 CPU tensor (checked by `mod.rs`). Max-pool
//! backward recomputes each window's argmax from the saved input instead of storing
//! indices (candle keeps the input alive for the graph anyway, so this costs no memory)
//! and sends the gradient to the first maximum in row-major window order, as PyTorch does.
//! The gradient ops have no backward of their own. With the `cuda` feature each op also
//! runs on the GPU (`cuda/pool.cu`), with the same tie and NaN rules.

use super::common::{by_dtype, simd, slice, Axis, Real};
use super::padded::Taps;
use candle_core::{bail, CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

/// Window size, stride and padding of a pooling op.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pool {
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

/// Plane geometry of one call.
#[derive(Clone, Copy)]
struct Planes {
    planes: usize,
    h: usize,
    w: usize,
    ho: usize,
    wo: usize,
    ay: Axis,
    ax: Axis,
}

/// The GPU kernels' parameter block for input dims `l`.
#[cfg(feature = "cuda")]
fn params(pool: Pool, l: &Layout) -> Result<super::cuda_abi::PoolParams> {
    let (n, c, h, w) = l.shape().dims4()?;
    super::cuda_abi::PoolParams::new([n, c, h, w], pool.k, pool.stride, pool.pad)
}

/// Runs pooling kernel `kernel` forward over `(s, l)`: output [n, c, ho, wo].
#[cfg(feature = "cuda")]
fn cuda_pool_fwd(
    kernel: &str,
    pool: Pool,
    s: &candle_core::CudaStorage,
    l: &Layout,
) -> Result<(candle_core::CudaStorage, Shape)> {
    let p = params(pool, l)?;
    let (n, c, _, _) = l.shape().dims4()?;
    let y = super::gpu::launch(kernel, &[(s, l)], p.out_len(), p.out_len(), &p)?;
    let (ho, wo) = p.out_plane();
    Ok((y, Shape::from((n, c, ho, wo))))
}

impl Planes {
    fn new(pool: Pool, nc: usize, h: usize, w: usize) -> Result<Self> {
        let axis = |n| Axis {
            n,
            k: pool.k,
            stride: pool.stride,
            pad: pool.pad,
            dil: 1,
        };
        let (ay, ax) = (axis(h), axis(w));
        Ok(Self {
            planes: nc,
            h,
            w,
            ho: ay.out()?,
            wo: ax.out()?,
            ay,
            ax,
        })
    }

    fn of(pool: Pool, l: &Layout) -> Result<(Self, (usize, usize))> {
        let (n, c, h, w) = l.shape().dims4()?;
        Ok((Self::new(pool, n * c, h, w)?, (n, c)))
    }
}

pub(crate) fn max_pool(x: &Tensor, pool: Pool) -> Result<Tensor> {
    x.apply_op1(MaxPool(pool))
}

pub(crate) fn avg_pool(x: &Tensor, pool: Pool) -> Result<Tensor> {
    x.apply_op1(AvgPool(pool))
}

struct MaxPool(Pool);
/// Applied to (x, dy).
struct MaxPoolGrad(Pool);
struct AvgPool(Pool);
/// Applied to dy; needs the input size (not determined by the output size at stride 2).
struct AvgPoolGrad {
    pool: Pool,
    h: usize,
    w: usize,
}

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool2d"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (p, (n, c)) = Planes::of(self.0, l)?;
        let out = by_dtype!(s, self.name(), max_fwd(s, l, p))?;
        Ok((out, Shape::from((n, c, p.ho, p.wo))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s: &candle_core::CudaStorage,
        l: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        cuda_pool_fwd("max_pool_fwd", self.0, s, l)
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(x.apply_op2_no_bwd(
            &dy.contiguous()?,
            &MaxPoolGrad(self.0),
        )?))
    }
}

fn taps(p: &Planes) -> Taps {
    Taps::new(p.ax.k, 1, p.ax.stride, p.ax.pad, (p.h, p.w), (p.ho, p.wo))
}

/// y[o] = max over the in-image taps of o's window (the padding holds -inf).
fn max_fwd<T: Real>(s: &CpuStorage, l: &Layout, p: Planes) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    let g = taps(&p);
    let mut out = vec![T::NEG_INF; p.planes * p.ho * p.wo];
    let scratch = || {
        (
            vec![T::NEG_INF; g.pad.len()],
            vec![T::NEG_INF; g.flat_len()],
        )
    };
    out.par_chunks_mut(p.ho * p.wo).enumerate().for_each_init(
        scratch,
        |(buf, flat), (plane, o)| {
            let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
            simd(
                #[inline(always)]
                || {
                    g.pad.fill(buf, xp);
                    if g.flat() {
                        let n = flat.len();
                        flat.fill(T::NEG_INF);
                        g.for_flat_taps(|_, at| max_run(flat, &buf[at..at + n]));
                        for (orow, frow) in o.chunks_exact_mut(g.wo).zip(flat.chunks(g.pitch())) {
                            orow.copy_from_slice(&frow[..g.wo]);
                        }
                    } else {
                        for (oy, orow) in o.chunks_exact_mut(g.wo).enumerate() {
                            g.for_taps(oy, |_, at| max_run(orow, &buf[at..at + g.wo]));
                        }
                    }
                },
            )
        },
    );
    Ok(T::to_cpu_storage_owned(out))
}

/// `out = max(out, src)` elementwise, propagating NaN like PyTorch. A select, not a
/// branch: which input wins is data-dependent and unpredictable.
#[inline(always)]
fn max_run<T: Real>(out: &mut [T], src: &[T]) {
    for (o, &v) in out.iter_mut().zip(src) {
        *o = if (v > *o) | v.is_nan() { v } else { *o };
    }
}

/// Running argmax: where `src[j]` beats `best[j]` (strictly, so the earliest tap wins ties;
/// a first NaN also wins and then stays) record it and its padded-plane position `at + j`.
/// Written as an indexed loop over equal-length slices with selects and wrapping index
/// arithmetic, so that no bounds or overflow check keeps it from vectorising.
#[inline(always)]
// `!(v <= b)` is deliberate: unlike `v > b` it is true for a NaN `v`.
#[allow(clippy::neg_cmp_op_on_partial_ord)]
fn argmax_run<T: Real>(best: &mut [T], idx: &mut [u32], src: &[T], at: u32) {
    let n = best.len().min(idx.len()).min(src.len());
    let (best, idx, src) = (&mut best[..n], &mut idx[..n], &src[..n]);
    for j in 0..n {
        let (v, b) = (src[j], best[j]);
        let take = !(v <= b) & !b.is_nan();
        best[j] = if take { v } else { b };
        idx[j] = if take {
            at.wrapping_add(j as u32)
        } else {
            idx[j]
        };
    }
}

impl CustomOp2 for MaxPoolGrad {
    fn name(&self) -> &'static str {
        "max-pool2d-grad"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (p, (n, c)) = Planes::of(self.0, l1)?;
        if l2.shape().dims4()? != (n, c, p.ho, p.wo) {
            bail!("internal error: max-pool grad shape disagrees with the output, please report");
        }
        let dx = by_dtype!(s1, self.name(), max_grad(s1, l1, s2, l2, p))?;
        Ok((dx, l1.shape().clone()))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s1: &candle_core::CudaStorage,
        l1: &Layout,
        s2: &candle_core::CudaStorage,
        l2: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let p = params(self.0, l1)?;
        let (n, c, _, _) = l1.shape().dims4()?;
        let (ho, wo) = p.out_plane();
        if l2.shape().dims4()? != (n, c, ho, wo) {
            bail!("internal error: max-pool grad shape disagrees with the output, please report");
        }
        let ins = [(s1, l1), (s2, l2)];
        let dx = super::gpu::launch("max_pool_grad", &ins, p.in_len(), p.in_len(), &p)?;
        Ok((dx, l1.shape().clone()))
    }
}

/// dx[argmax(o)] += dy[o], where argmax(o) is the first maximum of o's window in row-major
/// tap order, recomputed row by row with branch-free selects over the -inf-padded plane
/// and scattered into a padded gradient plane whose interior is dx.
fn max_grad<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    p: Planes,
) -> Result<CpuStorage> {
    let (x, dy) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let g = taps(&p);
    if g.pad.len() > u32::MAX as usize {
        bail!("max_pool2d: planes of {}x{} are too large", p.h, p.w);
    }
    let mut dx = vec![T::ZERO; p.planes * p.h * p.w];
    // Running (best value, position) per output: per row, or per flat plane.
    let run = if g.flat() { g.flat_len() } else { g.wo };
    let scratch = || {
        let row = (vec![T::NEG_INF; run], vec![u32::MAX; run]);
        (
            vec![T::NEG_INF; g.pad.len()],
            vec![T::ZERO; g.pad.len()],
            row,
        )
    };
    dx.par_chunks_mut(p.h * p.w).enumerate().for_each_init(
        scratch,
        |(buf, dbuf, (best, idx)), (plane, d)| {
            let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
            let gp = &dy[plane * p.ho * p.wo..(plane + 1) * p.ho * p.wo];
            simd(
                #[inline(always)]
                || {
                    g.pad.fill(buf, xp);
                    dbuf.fill(T::ZERO);
                    // A window of only -inf values has no strict maximum: no gradient.
                    let mut scatter = |idx: &[u32], grow: &[T]| {
                        for (&i, &gv) in idx.iter().zip(grow) {
                            if let Some(v) = dbuf.get_mut(i as usize) {
                                *v += gv;
                            }
                        }
                    };
                    if g.flat() {
                        best.fill(T::NEG_INF);
                        idx.fill(u32::MAX);
                        let n = best.len();
                        g.for_flat_taps(|_, at| argmax_run(best, idx, &buf[at..at + n], at as u32));
                        for (irow, grow) in idx.chunks(g.pitch()).zip(gp.chunks_exact(g.wo)) {
                            scatter(&irow[..g.wo], grow);
                        }
                    } else {
                        for (oy, grow) in gp.chunks_exact(g.wo).enumerate() {
                            best.fill(T::NEG_INF);
                            idx.fill(u32::MAX);
                            g.for_taps(oy, |_, at| {
                                argmax_run(best, idx, &buf[at..at + g.wo], at as u32)
                            });
                            scatter(idx, grow);
                        }
                    }
                    g.pad.extract(d, dbuf);
                },
            )
        },
    );
    Ok(T::to_cpu_storage_owned(dx))
}

/// 1 / (number of in-image taps) for every output along one axis.
fn inv_counts<T: Real>(a: &Axis, out: usize) -> Vec<T> {
    let mut count = vec![0usize; out];
    for t in 0..a.k {
        count[a.tap_outputs(t, out)]
            .iter_mut()
            .for_each(|c| *c += 1);
    }
    count
        .into_iter()
        .map(|c| T::ONE / T::from_f64(c.max(1) as f64))
        .collect()
}

impl CustomOp1 for AvgPool {
    fn name(&self) -> &'static str {
        "avg-pool2d"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (p, (n, c)) = Planes::of(self.0, l)?;
        let out = by_dtype!(s, self.name(), avg_fwd(s, l, p))?;
        Ok((out, Shape::from((n, c, p.ho, p.wo))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s: &candle_core::CudaStorage,
        l: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        cuda_pool_fwd("avg_pool_fwd", self.0, s, l)
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let (_, _, h, w) = x.dims4()?;
        Ok(Some(dy.contiguous()?.apply_op1_no_bwd(&AvgPoolGrad {
            pool: self.0,
            h,
            w,
        })?))
    }
}

/// y[o] = (sum of the in-image taps of o's window) / (their number); the padding holds
/// zeros and the count factorises into a row count times a column count.
fn avg_fwd<T: Real>(s: &CpuStorage, l: &Layout, p: Planes) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    let g = taps(&p);
    let (inv_r, inv_c) = (inv_counts::<T>(&p.ay, p.ho), inv_counts::<T>(&p.ax, p.wo));
    let mut out = vec![T::ZERO; p.planes * p.ho * p.wo];
    let scratch = || (vec![T::ZERO; g.pad.len()], vec![T::ZERO; g.flat_len()]);
    out.par_chunks_mut(p.ho * p.wo).enumerate().for_each_init(
        scratch,
        |(buf, flat), (plane, o)| {
            let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
            simd(
                #[inline(always)]
                || {
                    g.pad.fill(buf, xp);
                    if g.flat() {
                        let n = flat.len();
                        flat.fill(T::ZERO);
                        g.for_flat_taps(|_, at| add_run(flat, &buf[at..at + n]));
                        for (orow, frow) in o.chunks_exact_mut(g.wo).zip(flat.chunks(g.pitch())) {
                            orow.copy_from_slice(&frow[..g.wo]);
                        }
                    } else {
                        for (oy, orow) in o.chunks_exact_mut(g.wo).enumerate() {
                            g.for_taps(oy, |_, at| add_run(orow, &buf[at..at + g.wo]));
                        }
                    }
                    for (oy, orow) in o.chunks_exact_mut(g.wo).enumerate() {
                        for (v, &ic) in orow.iter_mut().zip(&inv_c) {
                            *v *= inv_r[oy] * ic;
                        }
                    }
                },
            )
        },
    );
    Ok(T::to_cpu_storage_owned(out))
}

/// `out += src` elementwise.
#[inline(always)]
fn add_run<T: Real>(out: &mut [T], src: &[T]) {
    for (o, &v) in out.iter_mut().zip(src) {
        *o += v;
    }
}

impl CustomOp1 for AvgPoolGrad {
    fn name(&self) -> &'static str {
        "avg-pool2d-grad"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, ho, wo) = l.shape().dims4()?;
        let p = Planes::new(self.pool, n * c, self.h, self.w)?;
        if (p.ho, p.wo) != (ho, wo) {
            bail!("internal error: avg-pool grad {ho}x{wo} does not match the input size, please report");
        }
        let dx = by_dtype!(s, self.name(), avg_grad(s, l, p))?;
        Ok((dx, Shape::from((n, c, self.h, self.w))))
    }

    #[cfg(feature = "cuda")]
    fn cuda_fwd(
        &self,
        s: &candle_core::CudaStorage,
        l: &Layout,
    ) -> Result<(candle_core::CudaStorage, Shape)> {
        let (n, c, ho, wo) = l.shape().dims4()?;
        let x = [n, c, self.h, self.w];
        let p = super::cuda_abi::PoolParams::new(x, self.pool.k, self.pool.stride, self.pool.pad)?;
        if p.out_plane() != (ho, wo) {
            bail!("internal error: avg-pool grad {ho}x{wo} does not match the input size, please report");
        }
        let dx = super::gpu::launch("avg_pool_grad", &[(s, l)], p.in_len(), p.in_len(), &p)?;
        Ok((dx, Shape::from(&x)))
    }
}

/// dx[i] = sum over the windows o containing i of dy[o] / count(o), accumulated into a
/// padded plane whose interior is dx.
fn avg_grad<T: Real>(s: &CpuStorage, l: &Layout, p: Planes) -> Result<CpuStorage> {
    let dy = slice::<T>(s, l)?;
    let g = taps(&p);
    let (inv_r, inv_c) = (inv_counts::<T>(&p.ay, p.ho), inv_counts::<T>(&p.ax, p.wo));
    let mut dx = vec![T::ZERO; p.planes * p.h * p.w];
    // dy / count, per row or as a flat plane (whose scratch columns stay zero).
    let run = if g.flat() { g.flat_len() } else { g.wo };
    let scratch = || (vec![T::ZERO; g.pad.len()], vec![T::ZERO; run]);
    dx.par_chunks_mut(p.h * p.w).enumerate().for_each_init(
        scratch,
        |(dbuf, scaled), (plane, d)| {
            let gp = &dy[plane * p.ho * p.wo..(plane + 1) * p.ho * p.wo];
            simd(
                #[inline(always)]
                || {
                    dbuf.fill(T::ZERO);
                    let scale = |srow: &mut [T], grow: &[T], oy: usize| {
                        for ((sv, &gv), &ic) in srow.iter_mut().zip(grow).zip(&inv_c) {
                            *sv = gv * inv_r[oy] * ic;
                        }
                    };
                    if g.flat() {
                        let n = scaled.len();
                        let rows = scaled.chunks_mut(g.pitch()).zip(gp.chunks_exact(g.wo));
                        for (oy, (srow, grow)) in rows.enumerate() {
                            scale(srow, grow, oy);
                        }
                        g.for_flat_taps(|_, at| add_run(&mut dbuf[at..at + n], scaled));
                    } else {
                        for (oy, grow) in gp.chunks_exact(g.wo).enumerate() {
                            scale(scaled, grow, oy);
                            g.for_taps(oy, |_, at| add_run(&mut dbuf[at..at + g.wo], scaled));
                        }
                    }
                    g.pad.extract(d, dbuf);
                },
            )
        },
    );
    Ok(T::to_cpu_storage_owned(dx))
}
