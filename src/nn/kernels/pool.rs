//! Max and average pooling (square window, stride, explicit padding; average with
//! count_include_pad = false) as candle custom ops with hand-written CPU forward and
//! backward, parallel over the N x C planes.
//!
//! Contract: the input is a contiguous f32/f64 CPU tensor (checked by `mod.rs`). Max-pool
//! backward recomputes each window's argmax from the saved input instead of storing
//! indices (candle keeps the input alive for the graph anyway, so this costs no memory)
//! and sends the gradient to the first maximum in row-major window order, as PyTorch does.
//! The gradient ops have no backward of their own.

use super::common::{
    argmax_row, axpy_row, by_dtype, max_row, scatter_scaled_row, simd, slice, Axis, Real,
};
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

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(x.apply_op2_no_bwd(
            &dy.contiguous()?,
            &MaxPoolGrad(self.0),
        )?))
    }
}

/// y[o] = max over the in-image taps of o's window.
fn max_fwd<T: Real>(s: &CpuStorage, l: &Layout, p: Planes) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    let cols = p.ax.taps(p.wo);
    let mut out = vec![T::NEG_INF; p.planes * p.ho * p.wo];
    out.par_chunks_mut(p.ho * p.wo)
        .enumerate()
        .for_each(|(plane, o)| {
            simd(
                #[inline(always)]
                || {
                    let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
                    for (oy, orow) in o.chunks_exact_mut(p.wo).enumerate() {
                        for ky in 0..p.ay.k {
                            let Some(iy) = p.ay.input_of(oy, ky) else {
                                continue;
                            };
                            let irow = &xp[iy * p.w..(iy + 1) * p.w];
                            for &r in &cols {
                                max_row(orow, irow, r, p.ax.stride);
                            }
                        }
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(out))
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
        if p.h * p.w > u32::MAX as usize {
            bail!("max_pool2d: planes of {}x{} are too large", p.h, p.w);
        }
        let dx = by_dtype!(s1, self.name(), max_grad(s1, l1, s2, l2, p))?;
        Ok((dx, l1.shape().clone()))
    }
}

/// dx[argmax(o)] += dy[o], where argmax(o) is the first maximum of o's window in row-major
/// tap order, recomputed row by row with branch-free selects.
fn max_grad<T: Real>(
    s1: &CpuStorage,
    l1: &Layout,
    s2: &CpuStorage,
    l2: &Layout,
    p: Planes,
) -> Result<CpuStorage> {
    let (x, dy) = (slice::<T>(s1, l1)?, slice::<T>(s2, l2)?);
    let cols = p.ax.taps(p.wo);
    let mut dx = vec![T::ZERO; p.planes * p.h * p.w];
    let scratch = || (vec![T::NEG_INF; p.wo], vec![u32::MAX; p.wo]);
    dx.par_chunks_mut(p.h * p.w)
        .enumerate()
        .for_each_init(scratch, |(best, idx), (plane, d)| {
            simd(
                #[inline(always)]
                || {
                    let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
                    let gp = &dy[plane * p.ho * p.wo..(plane + 1) * p.ho * p.wo];
                    for (oy, grow) in gp.chunks_exact(p.wo).enumerate() {
                        best.fill(T::NEG_INF);
                        idx.fill(u32::MAX);
                        for ky in 0..p.ay.k {
                            let Some(iy) = p.ay.input_of(oy, ky) else {
                                continue;
                            };
                            let irow = &xp[iy * p.w..(iy + 1) * p.w];
                            for &r in &cols {
                                argmax_row(best, idx, irow, iy * p.w, r, p.ax.stride);
                            }
                        }
                        // A window of only -inf values has no strict maximum and gets no gradient.
                        for (&i, &g) in idx.iter().zip(grow) {
                            if let Some(v) = d.get_mut(i as usize) {
                                *v += g;
                            }
                        }
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(dx))
}

/// 1 / (number of in-image taps) for every output along one axis.
fn inv_counts<T: Real>(a: &Axis, out: usize) -> Vec<T> {
    let mut count = vec![0usize; out];
    for r in a.taps(out) {
        count[r.lo..r.hi].iter_mut().for_each(|c| *c += 1);
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

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        let (_, _, h, w) = x.dims4()?;
        Ok(Some(dy.contiguous()?.apply_op1_no_bwd(&AvgPoolGrad {
            pool: self.0,
            h,
            w,
        })?))
    }
}

/// y[o] = (sum of the in-image taps of o's window) / (their number); the count factorises
/// into a row count times a column count.
fn avg_fwd<T: Real>(s: &CpuStorage, l: &Layout, p: Planes) -> Result<CpuStorage> {
    let x = slice::<T>(s, l)?;
    let cols = p.ax.taps(p.wo);
    let (inv_r, inv_c) = (inv_counts::<T>(&p.ay, p.ho), inv_counts::<T>(&p.ax, p.wo));
    let mut out = vec![T::ZERO; p.planes * p.ho * p.wo];
    out.par_chunks_mut(p.ho * p.wo)
        .enumerate()
        .for_each(|(plane, o)| {
            simd(
                #[inline(always)]
                || {
                    let xp = &x[plane * p.h * p.w..(plane + 1) * p.h * p.w];
                    for (oy, orow) in o.chunks_exact_mut(p.wo).enumerate() {
                        for ky in 0..p.ay.k {
                            let Some(iy) = p.ay.input_of(oy, ky) else {
                                continue;
                            };
                            let irow = &xp[iy * p.w..(iy + 1) * p.w];
                            for &r in &cols {
                                axpy_row(orow, irow, T::ONE, r, p.ax.stride);
                            }
                        }
                        for (v, &ic) in orow.iter_mut().zip(&inv_c) {
                            *v *= inv_r[oy] * ic;
                        }
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(out))
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
}

/// dx[i] = sum over the windows o containing i of dy[o] / count(o).
fn avg_grad<T: Real>(s: &CpuStorage, l: &Layout, p: Planes) -> Result<CpuStorage> {
    let dy = slice::<T>(s, l)?;
    let cols = p.ax.taps(p.wo);
    let (inv_r, inv_c) = (inv_counts::<T>(&p.ay, p.ho), inv_counts::<T>(&p.ax, p.wo));
    let mut dx = vec![T::ZERO; p.planes * p.h * p.w];
    dx.par_chunks_mut(p.h * p.w)
        .enumerate()
        .for_each(|(plane, d)| {
            simd(
                #[inline(always)]
                || {
                    let gp = &dy[plane * p.ho * p.wo..(plane + 1) * p.ho * p.wo];
                    for (oy, grow) in gp.chunks_exact(p.wo).enumerate() {
                        for ky in 0..p.ay.k {
                            let Some(iy) = p.ay.input_of(oy, ky) else {
                                continue;
                            };
                            let drow = &mut d[iy * p.w..(iy + 1) * p.w];
                            for &r in &cols {
                                scatter_scaled_row(drow, grow, &inv_c, inv_r[oy], r, p.ax.stride);
                            }
                        }
                    }
                },
            )
        });
    Ok(T::to_cpu_storage_owned(dx))
}
