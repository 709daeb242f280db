//! Shared pieces of the CPU kernels: the float trait they are generic over, the dtype
//! dispatch and AVX2 wrapper, window geometry along one axis, and multi-accumulator
//! reductions.
//!
//! Contract: kernels call [`slice`] on contiguous layouts only and run their per-plane
//! work inside [`simd`]; [`Axis::out`] is the single place that validates window sizes.

use candle_core::{bail, CpuStorage, DType, Layout, Result, WithDType};
use std::ops::Range;

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

impl Axis {
    /// Number of outputs, or an error when the dilated window does not fit.
    pub fn out(&self) -> Result<usize> {
        let fits = self.k > 0 && self.stride > 0 && self.dil > 0;
        let span = self.dil * self.k.saturating_sub(1) + 1;
        if !fits || self.n + 2 * self.pad < span {
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

    /// The outputs `o` whose tap `t` is in the image (`0 <= o*stride + t*dil - pad < n`),
    /// clipped to `0..out`.
    pub fn tap_outputs(&self, t: usize, out: usize) -> Range<usize> {
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
        lo..hi.max(lo)
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
