//! Shared pieces of the CPU kernels: the float trait they are generic over, window geometry
//! (which output positions a tap reaches without falling into the padding) and the
//! vectorisable row loops used by convolution and pooling.
//!
//! Contract: every row helper works on `[lo, hi)` output columns whose input column
//! `i0 + j * stride` is known to be in range, so the hot loops need no bounds logic.

use candle_core::{bail, CpuStorage, DType, Layout, Result, WithDType};

/// The float element types the CPU kernels handle (f32 and f64).
pub(crate) trait Real: WithDType {
    const ZERO: Self;
    const ONE: Self;
    const NEG_INF: Self;
    fn sqrt(self) -> Self;
    fn is_nan(self) -> bool;
}

macro_rules! real {
    ($t:ty) => {
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NEG_INF: Self = <$t>::NEG_INFINITY;
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
        }
    };
}
real!(f32);
real!(f64);

/// Runs `$f::<T>(args)` with `T` the element type of storage `$s` (f32 or f64).
macro_rules! by_dtype {
    ($s:expr, $name:expr, $f:ident ( $($arg:expr),* )) => {
        match candle_core::backend::BackendStorage::dtype($s) {
            candle_core::DType::F32 => $f::<f32>($($arg),*),
            candle_core::DType::F64 => $f::<f64>($($arg),*),
            dt => candle_core::bail!("{}: unsupported dtype {dt:?}", $name),
        }
    };
}
pub(crate) use by_dtype;

/// Runs `f` compiled for AVX2 + FMA when the CPU has them (x86-64), so that the row loops
/// inlined into `f` use 256-bit vectors; elsewhere it runs `f` as compiled (SSE2 on
/// x86-64). `f` should be an `#[inline(always)]` closure so that it is compiled into the
/// AVX2 function rather than called from it.
#[inline(always)]
pub(crate) fn simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU features `with_avx2` is compiled for were detected just above.
            return unsafe { with_avx2(f) };
        }
    }
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Whether the fast CPU kernels handle this dtype.
pub(crate) fn is_fast_dtype(dtype: DType) -> bool {
    matches!(dtype, DType::F32 | DType::F64)
}

/// The contiguous data of a storage, or an internal error (the public wrappers make every
/// input contiguous before calling a kernel, so a strided layout is a bug).
pub(crate) fn slice<'a, T: Real>(s: &'a CpuStorage, l: &Layout) -> Result<&'a [T]> {
    let Some((start, end)) = l.contiguous_offsets() else {
        bail!("internal error: kernel input is not contiguous, please report");
    };
    Ok(&s.as_slice::<T>()?[start..end])
}

/// One spatial axis of a sliding window: `k` taps, stride, padding and dilation over `n`
/// input positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Axis {
    pub n: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub dil: usize,
}

/// Valid output range `[lo, hi)` of one tap and the input index `i0` of output `lo`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TapRange {
    pub lo: usize,
    pub hi: usize,
    pub i0: usize,
}

impl Axis {
    /// Number of outputs, or an error when the dilated window does not fit.
    pub fn out(&self) -> Result<usize> {
        let span = self.dil * (self.k - 1) + 1;
        if self.k == 0 || self.stride == 0 || self.dil == 0 || self.n + 2 * self.pad < span {
            bail!(
                "window k={} dilation={} stride={} does not fit {} + 2*{} positions",
                self.k,
                self.dil,
                self.stride,
                self.n,
                self.pad
            );
        }
        Ok((self.n + 2 * self.pad - span) / self.stride + 1)
    }

    /// For tap `t`: outputs `o` with `0 <= o*stride + t*dil - pad < n`, clipped to `[0, out)`.
    pub fn tap(&self, t: usize, out: usize) -> TapRange {
        let off = t * self.dil;
        let lo = if off >= self.pad {
            0
        } else {
            (self.pad - off).div_ceil(self.stride)
        };
        let hi = if self.n + self.pad > off {
            ((self.n - 1 + self.pad - off) / self.stride + 1).min(out)
        } else {
            0
        };
        let hi = hi.max(lo);
        // `lo` is the first output with lo*stride + off >= pad, so this cannot underflow.
        TapRange {
            lo,
            hi,
            i0: lo * self.stride + off - self.pad,
        }
    }

    /// The tap ranges of all `k` taps.
    pub fn taps(&self, out: usize) -> Vec<TapRange> {
        (0..self.k).map(|t| self.tap(t, out)).collect()
    }

    /// Input index of output `o` and tap `t`, when it is not padding.
    pub fn input_of(&self, o: usize, t: usize) -> Option<usize> {
        let i = o * self.stride + t * self.dil;
        (i >= self.pad && i - self.pad < self.n).then(|| i - self.pad)
    }
}

/// `out[lo + j] += wv * inp[i0 + j * stride]` for `j` in `0..hi - lo`.
#[inline(always)]
pub(crate) fn axpy_row<T: Real>(out: &mut [T], inp: &[T], wv: T, r: TapRange, stride: usize) {
    let len = r.hi - r.lo;
    if len == 0 {
        return;
    }
    let out = &mut out[r.lo..r.hi];
    if stride == 1 {
        for (o, &v) in out.iter_mut().zip(&inp[r.i0..r.i0 + len]) {
            *o += wv * v;
        }
    } else {
        let inp = &inp[r.i0..r.i0 + (len - 1) * stride + 1];
        for (o, &v) in out.iter_mut().zip(inp.iter().step_by(stride)) {
            *o += wv * v;
        }
    }
}

/// `dx[i0 + j * stride] += wv * dy[lo + j] * cw[lo + j]` (a scatter with per-column weights).
#[inline(always)]
pub(crate) fn scatter_scaled_row<T: Real>(
    dx: &mut [T],
    dy: &[T],
    cw: &[T],
    wv: T,
    r: TapRange,
    stride: usize,
) {
    let len = r.hi - r.lo;
    if len == 0 {
        return;
    }
    let (dy, cw) = (&dy[r.lo..r.hi], &cw[r.lo..r.hi]);
    let dx = &mut dx[r.i0..r.i0 + (len - 1) * stride + 1];
    if stride == 1 {
        for ((d, &g), &c) in dx.iter_mut().zip(dy).zip(cw) {
            *d += wv * g * c;
        }
    } else {
        for ((d, &g), &c) in dx.iter_mut().step_by(stride).zip(dy).zip(cw) {
            *d += wv * g * c;
        }
    }
}

/// `out[lo + j] = max(out[lo + j], inp[i0 + j * stride])`, propagating NaN like PyTorch.
#[inline(always)]
pub(crate) fn max_row<T: Real>(out: &mut [T], inp: &[T], r: TapRange, stride: usize) {
    let len = r.hi - r.lo;
    if len == 0 {
        return;
    }
    // A select, not a branch: which input wins is data-dependent and unpredictable.
    let keep_max = |o: &mut T, v: T| *o = if (v > *o) | v.is_nan() { v } else { *o };
    let out = &mut out[r.lo..r.hi];
    if stride == 1 {
        // Equal-length slices: the compiler drops bounds checks and vectorises.
        out.iter_mut()
            .zip(&inp[r.i0..r.i0 + len])
            .for_each(|(o, &v)| keep_max(o, v));
    } else {
        let inp = &inp[r.i0..r.i0 + (len - 1) * stride + 1];
        out.iter_mut()
            .zip(inp.iter().step_by(stride))
            .for_each(|(o, &v)| keep_max(o, v));
    }
}

/// Running argmax along a row: where `inp[i0 + j * stride]` beats `best[lo + j]` (strictly,
/// so the earliest tap wins ties; a first NaN also wins), record the value and its plane
/// index `base + i0 + j * stride`.
#[inline(always)]
pub(crate) fn argmax_row<T: Real>(
    best: &mut [T],
    idx: &mut [u32],
    inp: &[T],
    base: usize,
    r: TapRange,
    stride: usize,
) {
    let len = r.hi - r.lo;
    if len == 0 {
        return;
    }
    let (best, idx) = (&mut best[r.lo..r.hi], &mut idx[r.lo..r.hi]);
    let inp = &inp[r.i0..r.i0 + (len - 1) * stride + 1];
    let first = (base + r.i0) as u32;
    let step = stride as u32;
    let update = |j: usize, b: &mut T, i: &mut u32, v: T| {
        let take = (v > *b) | (v.is_nan() & !b.is_nan());
        *b = if take { v } else { *b };
        *i = if take { first + j as u32 * step } else { *i };
    };
    let pairs = best.iter_mut().zip(idx.iter_mut()).enumerate();
    if stride == 1 {
        let inp = &inp[..len];
        pairs
            .zip(inp)
            .for_each(|((j, (b, i)), &v)| update(j, b, i, v));
    } else {
        pairs
            .zip(inp.iter().step_by(stride))
            .for_each(|((j, (b, i)), &v)| update(j, b, i, v));
    }
}

/// Dot product of equal-length slices with eight accumulators.
#[inline(always)]
pub(crate) fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let (ac, bc) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ar, br) = (ac.remainder(), bc.remainder());
    for (x, y) in ac.zip(bc) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    let mut s = ar.iter().zip(br).fold(T::ZERO, |s, (&x, &y)| s + x * y);
    for v in acc {
        s += v;
    }
    s
}

/// Sum of a slice with eight accumulators.
#[inline(always)]
pub(crate) fn sum<T: Real>(a: &[T]) -> T {
    let mut acc = [T::ZERO; 8];
    let c = a.chunks_exact(8);
    let mut s = c.remainder().iter().fold(T::ZERO, |s, &x| s + x);
    for x in c {
        for l in 0..8 {
            acc[l] += x[l];
        }
    }
    for v in acc {
        s += v;
    }
    s
}
