//! GEMM on raw slices for the convolution kernels (pointwise, dense): a matrix view with
//! strides, one product into a destination, and the per-image parallel split.

use super::common::Real;
use gemm::Parallelism;
use rayon::prelude::*;

/// A row-major matrix view: pointer, rows stride, column stride.
#[derive(Clone, Copy)]
pub(crate) struct Mat<T> {
    pub ptr: *const T,
    pub rs: isize,
    pub cs: isize,
}

/// dst [m, n] (row-major, contiguous) = (accumulate ? dst : 0) + lhs [m, k] x rhs [k, n].
///
/// # Safety
/// `lhs` and `rhs` must be valid for their strides and sizes. `dst` must hold m * n values:
/// checked on every call (a release build writing past `dst` would corrupt memory silently).
pub(crate) unsafe fn gemm_into<T: Real>(
    dst: &mut [T],
    (m, n, k): (usize, usize, usize),
    lhs: Mat<T>,
    rhs: Mat<T>,
    accumulate: bool,
    par: Parallelism,
) {
    assert_eq!(
        dst.len(),
        m * n,
        "gemm_into: output holds {} values, not {m} x {n}",
        dst.len()
    );
    // SAFETY: the caller guarantees `lhs` and `rhs`; `dst`'s length was checked above.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.ptr,
            lhs.cs,
            lhs.rs,
            rhs.ptr,
            rhs.cs,
            rhs.rs,
            T::ONE,
            T::ONE,
            false,
            false,
            false,
            par,
        )
    }
}

/// Images run in parallel, each GEMM on one thread; with fewer images than threads, the
/// images run in turn and each GEMM uses every thread.
fn split(images: usize) -> (bool, Parallelism) {
    let threads = rayon::current_num_threads();
    if images >= threads || threads == 1 {
        (true, Parallelism::None)
    } else {
        (false, Parallelism::Rayon(threads))
    }
}

/// Runs `f(image, out_chunk)` for every image's `per` outputs, in parallel per [`split`].
pub(crate) fn per_image<T: Real>(
    out: &mut [T],
    per: usize,
    f: impl Fn(usize, &mut [T], Parallelism) + Sync,
) {
    let (parallel, par) = split(out.len() / per.max(1));
    if parallel {
        out.par_chunks_mut(per)
            .enumerate()
            .for_each(|(i, o)| f(i, o, par));
    } else {
        out.chunks_mut(per)
            .enumerate()
            .for_each(|(i, o)| f(i, o, par));
    }
}
