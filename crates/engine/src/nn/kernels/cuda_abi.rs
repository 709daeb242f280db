//! The parameter blocks of the CUDA kernels in `cuda/`: `#[repr(C)]` mirrors of the structs
//! in `cuda/common.cuh`, built from tensor shapes, with the element counts a launch covers.
//!
//! Contract: field order, types and sizes match the C structs exactly (both sides assert the
//! sizes). Every constructor validates its window (the same `Axis::out` rule as the CPU
//! kernels) and fails unless every size fits the kernels' 32-bit `int`s, so a kernel never
//! sees an overflowing index. Compiled without the `cuda` feature too: the CPU emulation of
//! the kernels (the engine's tests) launches them with these very blocks, so the tests
//! check the same geometry the GPU gets.

use super::common::Axis;
use candle_core::{bail, Result};

/// `v` as a kernel `int`, or an error naming `what`.
fn int(v: usize, what: &str) -> Result<i32> {
    match i32::try_from(v) {
        Ok(v) => Ok(v),
        Err(_) => bail!(
            "{what} = {v} is too large for the GPU kernels (at most {})",
            i32::MAX
        ),
    }
}

/// Fails unless the in-plane index arithmetic of a window kernel stays inside `int`: padded
/// positions (`o * stride + t * dil - pad`) and plane offsets (`iy * w + ix`).
fn plane_fits(h: usize, w: usize, pad: usize, out: (usize, usize)) -> Result<()> {
    int(h.max(w) + 2 * pad, "padded plane side")?;
    int(h * w, "plane size")?;
    int(out.0 * out.1, "output plane size")?;
    Ok(())
}

/// Fails unless `n` elements can be indexed by the kernels (a C `long long`, and a grid of
/// 256-thread blocks counted in 32 bits).
fn count(n: usize) -> Result<usize> {
    if n > u32::MAX as usize * 256 {
        bail!("{n} elements are too many for one GPU kernel launch");
    }
    Ok(n)
}

/// Depthwise convolution: input [n, c, h, w], weight [c, 1, k, k], output [n, c, ho, wo];
/// `relu` != 0 fuses a ReLU in front (`NasDw`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DwParams {
    pub n: i32,
    pub c: i32,
    pub h: i32,
    pub w: i32,
    pub ho: i32,
    pub wo: i32,
    pub k: i32,
    pub stride: i32,
    pub pad: i32,
    pub dil: i32,
    pub relu: i32,
}

impl DwParams {
    /// The block for input dims `x` = [n, c, h, w] and a k x k kernel.
    pub fn new(
        x: [usize; 4],
        k: usize,
        stride: usize,
        pad: usize,
        dil: usize,
        relu: bool,
    ) -> Result<Self> {
        let [n, c, h, w] = x;
        let axis = |n| Axis {
            n,
            k,
            stride,
            pad,
            dil,
        };
        let (ho, wo) = (axis(h).out()?, axis(w).out()?);
        plane_fits(h, w, pad, (ho, wo))?;
        let p = Self {
            n: int(n, "batch")?,
            c: int(c, "channels")?,
            h: int(h, "height")?,
            w: int(w, "width")?,
            ho: int(ho, "output height")?,
            wo: int(wo, "output width")?,
            k: int(k, "kernel")?,
            stride: int(stride, "stride")?,
            pad: int(pad, "padding")?,
            dil: int(dil, "dilation")?,
            relu: i32::from(relu),
        };
        count(p.in_len().max(p.out_len()))?;
        Ok(p)
    }

    pub fn in_dims(&self) -> [usize; 4] {
        [self.n, self.c, self.h, self.w].map(|v| v as usize)
    }

    pub fn out_dims(&self) -> [usize; 4] {
        [self.n, self.c, self.ho, self.wo].map(|v| v as usize)
    }

    pub fn weight_dims(&self) -> [usize; 4] {
        [self.c as usize, 1, self.k as usize, self.k as usize]
    }

    pub fn in_len(&self) -> usize {
        self.in_dims().iter().product()
    }

    pub fn out_len(&self) -> usize {
        self.out_dims().iter().product()
    }

    pub fn weight_len(&self) -> usize {
        self.weight_dims().iter().product()
    }

    /// The block of the dense convolution's `im2col` / `col2im` (`conv.cu`): input dims
    /// `x` = [n, c, h, w], a k x k window, no ReLU; fails unless the columns
    /// [n, c k k, ho wo] can be indexed too.
    pub fn columns(x: [usize; 4], k: usize, stride: usize, pad: usize, dil: usize) -> Result<Self> {
        let p = Self::new(x, k, stride, pad, dil, false)?;
        count(p.cols_len())?;
        Ok(p)
    }

    /// The columns of `im2col`: [n, c k k, ho wo].
    pub fn cols_dims(&self) -> [usize; 3] {
        let [n, c, ho, wo] = self.out_dims();
        let k = self.k as usize;
        [n, c * k * k, ho * wo]
    }

    pub fn cols_len(&self) -> usize {
        self.cols_dims().iter().product()
    }
}

/// Square pooling window over n * c planes (`NasPool`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolParams {
    pub planes: i32,
    pub h: i32,
    pub w: i32,
    pub ho: i32,
    pub wo: i32,
    pub k: i32,
    pub stride: i32,
    pub pad: i32,
}

impl PoolParams {
    /// The block for input dims `x` = [n, c, h, w].
    pub fn new(x: [usize; 4], k: usize, stride: usize, pad: usize) -> Result<Self> {
        let [n, c, h, w] = x;
        let axis = |n| Axis {
            n,
            k,
            stride,
            pad,
            dil: 1,
        };
        let (ho, wo) = (axis(h).out()?, axis(w).out()?);
        plane_fits(h, w, pad, (ho, wo))?;
        let p = Self {
            planes: int(n * c, "batch x channels")?,
            h: int(h, "height")?,
            w: int(w, "width")?,
            ho: int(ho, "output height")?,
            wo: int(wo, "output width")?,
            k: int(k, "kernel")?,
            stride: int(stride, "stride")?,
            pad: int(pad, "padding")?,
        };
        count(p.in_len().max(p.out_len()))?;
        Ok(p)
    }

    pub fn in_len(&self) -> usize {
        (self.planes as usize) * (self.h as usize) * (self.w as usize)
    }

    pub fn out_len(&self) -> usize {
        (self.planes as usize) * (self.ho as usize) * (self.wo as usize)
    }

    /// (ho, wo).
    pub fn out_plane(&self) -> (usize, usize) {
        (self.ho as usize, self.wo as usize)
    }
}

/// Batch norm over [n, c, m] with m = h * w (`NasBn`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BnParams {
    pub eps: f64,
    pub n: i32,
    pub c: i32,
    pub m: i32,
}

impl BnParams {
    /// The block for input dims `x` = [n, c, h, w].
    pub fn new(x: [usize; 4], eps: f64) -> Result<Self> {
        let [n, c, h, w] = x;
        let p = Self {
            eps,
            n: int(n, "batch")?,
            c: int(c, "channels")?,
            m: int(h * w, "height x width")?,
        };
        count(p.elems())?;
        Ok(p)
    }

    /// Elements of x.
    pub fn elems(&self) -> usize {
        (self.n as usize) * (self.c as usize) * (self.m as usize)
    }

    pub fn channels(&self) -> usize {
        self.c as usize
    }
}

/// Strided pick over n * c planes (`NasPick`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PickParams {
    pub planes: i32,
    pub h: i32,
    pub w: i32,
    pub ho: i32,
    pub wo: i32,
    pub offset: i32,
    pub stride: i32,
    pub relu: i32,
}

impl PickParams {
    /// The block for input dims `x` = [n, c, h, w] and an output plane of ho x wo.
    pub fn new(
        x: [usize; 4],
        offset: usize,
        stride: usize,
        (ho, wo): (usize, usize),
        relu: bool,
    ) -> Result<Self> {
        let [n, c, h, w] = x;
        if stride == 0 {
            bail!("strided pick: stride must be at least 1");
        }
        let p = Self {
            planes: int(n * c, "batch x channels")?,
            h: int(h, "height")?,
            w: int(w, "width")?,
            ho: int(ho, "output height")?,
            wo: int(wo, "output width")?,
            offset: int(offset, "offset")?,
            stride: int(stride, "stride")?,
            relu: i32::from(relu),
        };
        // offset + (out - 1) * stride must not overflow an int inside the kernel.
        int(offset + ho.max(wo) * stride, "pick extent")?;
        count(p.in_len().max(p.out_len()))?;
        Ok(p)
    }

    pub fn in_len(&self) -> usize {
        (self.planes as usize) * (self.h as usize) * (self.w as usize)
    }

    pub fn out_len(&self) -> usize {
        (self.planes as usize) * (self.ho as usize) * (self.wo as usize)
    }
}

/// An elementwise op over `len` elements (`NasLen`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LenParams {
    pub len: i64,
}

impl LenParams {
    pub fn new(len: usize) -> Result<Self> {
        Ok(Self {
            len: count(len)? as i64,
        })
    }
}

// The sizes the C side asserts (common.cuh).
const _: () = assert!(size_of::<DwParams>() == 11 * 4);
const _: () = assert!(size_of::<PoolParams>() == 8 * 4);
const _: () = assert!(size_of::<BnParams>() == 24);
const _: () = assert!(size_of::<PickParams>() == 8 * 4);
const _: () = assert!(size_of::<LenParams>() == 8);
