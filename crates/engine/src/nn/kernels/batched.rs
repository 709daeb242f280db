//! The matrix products of the 1x1 and dense convolutions off the CPU: batched GEMMs through
//! candle's `BackendStorage::matmul` (cuBLAS strided-batched on a GPU) and the sum over
//! images through `reduce_op`. The custom ops' `cuda_fwd` (pointwise.rs, dense.rs) call
//! these on `CudaStorage`; the tests call the very same functions on `CpuStorage`, so the
//! layouts, shapes and the order of the products are checked without a GPU.
//!
//! The weight is shared by every image: it enters as a batch with stride 0, which cuBLAS's
//! strided-batched GEMM takes as is (no copy per image).
//!
//! Contract: the storages hold contiguous tensors (a strided one is an internal error);
//! every layout handed to `matmul` passes [`cublas_accepts`], the rule candle's CUDA
//! backend applies before it calls cuBLAS, so a layout that would fail only on a GPU fails
//! here on the CPU as well.

use candle_core::backend::BackendStorage;
use candle_core::op::ReduceOp;
use candle_core::{bail, Layout, Result, Shape};

/// The sizes of one convolution's products: `n` images, a weight [co, kk] and per image a
/// [kk, hw] operand (the input of a 1x1 convolution, the im2col columns of a dense one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gemm {
    pub n: usize,
    pub co: usize,
    pub kk: usize,
    pub hw: usize,
}

/// `y[i] = W [co, kk] x cols[i] [kk, hw]` for every image `i`: `y` is `[n, co, hw]`.
pub fn weight_times<S: BackendStorage>(
    w: &S,
    lw: &Layout,
    cols: &S,
    lc: &Layout,
    g: Gemm,
) -> Result<S> {
    let wl = view(lw, (g.n, g.co, g.kk), [0, g.kk, 1], g.co * g.kk)?;
    let cl = view(
        lc,
        (g.n, g.kk, g.hw),
        [g.kk * g.hw, g.hw, 1],
        g.n * g.kk * g.hw,
    )?;
    product(w, &wl, cols, &cl, (g.n, g.co, g.hw, g.kk))
}

/// `d[i] = W^T [kk, co] x dy[i] [co, hw]` for every image `i`: `d` is `[n, kk, hw]` (the
/// input gradient of a 1x1 convolution, the columns' gradient of a dense one).
pub fn weight_t_times<S: BackendStorage>(
    w: &S,
    lw: &Layout,
    dy: &S,
    ldy: &Layout,
    g: Gemm,
) -> Result<S> {
    let wl = view(lw, (g.n, g.kk, g.co), [0, 1, g.kk], g.co * g.kk)?;
    let dl = view(
        ldy,
        (g.n, g.co, g.hw),
        [g.co * g.hw, g.hw, 1],
        g.n * g.co * g.hw,
    )?;
    product(w, &wl, dy, &dl, (g.n, g.kk, g.hw, g.co))
}

/// `dW = sum over images i of dy[i] [co, hw] x cols[i]^T [hw, kk]`, `[co, kk]`. One batched
/// product gives the n partial gradients, then one reduction sums them.
pub fn grad_weight<S: BackendStorage>(
    dy: &S,
    ldy: &Layout,
    cols: &S,
    lc: &Layout,
    g: Gemm,
) -> Result<S> {
    let dl = view(
        ldy,
        (g.n, g.co, g.hw),
        [g.co * g.hw, g.hw, 1],
        g.n * g.co * g.hw,
    )?;
    let cl = view(
        lc,
        (g.n, g.hw, g.kk),
        [g.kk * g.hw, 1, g.hw],
        g.n * g.kk * g.hw,
    )?;
    let parts = product(dy, &dl, cols, &cl, (g.n, g.co, g.kk, g.hw))?;
    parts.reduce_op(ReduceOp::Sum, &Layout::contiguous((g.n, g.co * g.kk)), &[0])
}

/// The layout of a contiguous tensor of `len` elements (checked against `l`) seen as
/// `dims` with `stride`: a batch with stride 0, or a transposed matrix.
fn view(l: &Layout, dims: (usize, usize, usize), stride: [usize; 3], len: usize) -> Result<Layout> {
    if !l.is_contiguous() || l.shape().elem_count() != len {
        bail!(
            "internal error: a batched product got a {:?} operand with strides {:?} where {len} contiguous elements were expected, please report",
            l.dims(),
            l.stride()
        );
    }
    Ok(Layout::new(
        Shape::from(dims),
        stride.to_vec(),
        l.start_offset(),
    ))
}

/// `lhs x rhs` over a batch, after checking that cuBLAS takes the layouts.
fn product<S: BackendStorage>(
    lhs: &S,
    ll: &Layout,
    rhs: &S,
    rl: &Layout,
    bmnk: (usize, usize, usize, usize),
) -> Result<S> {
    if !cublas_accepts(ll, rl, bmnk) {
        bail!(
            "internal error: cuBLAS would refuse the product of {:?}/{:?} and {:?}/{:?}, please report",
            ll.dims(),
            ll.stride(),
            rl.dims(),
            rl.stride()
        );
    }
    lhs.matmul(rhs, bmnk, ll, rl)
}

/// Whether candle's CUDA backend hands a product of these 3-d layouts to cuBLAS: each
/// matrix is row-major (inner stride 1, row stride its width) or column-major (the
/// transpose: row stride 1, inner stride its height), and each batch stride is a single
/// number (here: 0 for a shared operand, or the matrix size).
pub fn cublas_accepts(
    ll: &Layout,
    rl: &Layout,
    (b, m, n, k): (usize, usize, usize, usize),
) -> bool {
    let matrix = |l: &Layout, rows: usize, cols: usize| -> bool {
        let (dims, s) = (l.dims(), l.stride());
        if dims != [b, rows, cols] || s.len() != 3 {
            return false;
        }
        let row_major = (s[2] == 1 || cols == 1) && (s[1] == cols || rows == 1);
        let col_major = (s[2] == rows || cols == 1) && (s[1] == 1 || rows == 1);
        let batch = s[0] == 0 || s[0] == rows * cols || b == 1;
        (row_major || col_major) && batch
    };
    matrix(ll, m, k) && matrix(rl, k, n)
}
