//! The CUDA kernels (`src/nn/kernels/cuda/*.cu`) run on the CPU through their C++
//! emulation (`cuda_emu.h`, linked into this binary by the engine's build.rs), compared with
//! the CPU kernels and the `_slow` references on the shapes of the other kernel tests.
//!
//! Each wrapper below launches one emulated kernel the way `gpu.rs` launches it on a GPU:
//! the same parameter block (`nas_engine::nn::kernels::cuda_abi`), one thread per element
//! produced, and a grid of [`BLOCK`]-thread blocks covering them.

mod batchnorm;
mod dense;
mod depthwise;
mod elementwise;
mod pool;

use super::support::to_f64_vec;
use candle_core::{DType, Device, Tensor};
use nas_engine::nn::kernels::cuda_abi::{BnParams, DwParams, LenParams, PickParams, PoolParams};

/// Threads per emulated block. Not a divisor of the test sizes, so the last block of every
/// launch has threads past the end, which the kernels' bounds guards must skip.
pub const BLOCK: u32 = 64;

/// The data of `t` as a contiguous `Vec<T>`.
fn host<T: candle_core::WithDType>(t: &Tensor) -> Vec<T> {
    t.flatten_all().unwrap().to_vec1::<T>().unwrap()
}

/// Declares the emulated launchers `nas_emu_<kernel>_{f32,f64}` and a safe wrapper
/// `kernel(inputs.., out_dims, threads, params) -> Tensor` that picks one by the first
/// input's dtype.
macro_rules! emulated {
    ($($kernel:ident: $f32:ident, $f64:ident ($($input:ident),+) $params:ty;)+) => {
        extern "C" {
            $(
                fn $f32(grid: u32, block: u32, $($input: *const f32,)+ out: *mut f32, p: $params);
                fn $f64(grid: u32, block: u32, $($input: *const f64,)+ out: *mut f64, p: $params);
            )+
        }
        $(
            /// Launches the emulated kernel over `threads` threads; output of `out_dims`.
            pub fn $kernel($($input: &Tensor,)+ out_dims: &[usize], threads: usize, p: $params) -> Tensor {
                let len: usize = out_dims.iter().product();
                let grid = u32::try_from(threads.div_ceil(BLOCK as usize)).unwrap();
                let dtype = [$($input.dtype()),+][0];
                match dtype {
                    DType::F32 => {
                        $(let $input = host::<f32>($input);)+
                        let mut out = vec![f32::NAN; len];
                        // SAFETY: the inputs and the output hold as many elements as the
                        // parameter block describes (the tests build both from one shape).
                        unsafe { $f32(grid, BLOCK, $($input.as_ptr(),)+ out.as_mut_ptr(), p) };
                        Tensor::from_vec(out, out_dims, &Device::Cpu).unwrap()
                    }
                    DType::F64 => {
                        $(let $input = host::<f64>($input);)+
                        let mut out = vec![f64::NAN; len];
                        // SAFETY: as above.
                        unsafe { $f64(grid, BLOCK, $($input.as_ptr(),)+ out.as_mut_ptr(), p) };
                        Tensor::from_vec(out, out_dims, &Device::Cpu).unwrap()
                    }
                    dt => panic!("no emulated kernel for {dt:?}"),
                }
            }
        )+
    };
}

emulated! {
    dw_fwd: nas_emu_dw_fwd_f32, nas_emu_dw_fwd_f64 (x, w) DwParams;
    dw_grad_input: nas_emu_dw_grad_input_f32, nas_emu_dw_grad_input_f64 (dy, w, x) DwParams;
    dw_grad_weight: nas_emu_dw_grad_weight_f32, nas_emu_dw_grad_weight_f64 (x, dy) DwParams;
    max_pool_fwd: nas_emu_max_pool_fwd_f32, nas_emu_max_pool_fwd_f64 (x) PoolParams;
    max_pool_grad: nas_emu_max_pool_grad_f32, nas_emu_max_pool_grad_f64 (x, dy) PoolParams;
    avg_pool_fwd: nas_emu_avg_pool_fwd_f32, nas_emu_avg_pool_fwd_f64 (x) PoolParams;
    avg_pool_grad: nas_emu_avg_pool_grad_f32, nas_emu_avg_pool_grad_f64 (dy) PoolParams;
    bn_stats: nas_emu_bn_stats_f32, nas_emu_bn_stats_f64 (x) BnParams;
    bn_norm: nas_emu_bn_norm_f32, nas_emu_bn_norm_f64 (x, st, af) BnParams;
    bn_grad_sums: nas_emu_bn_grad_sums_f32, nas_emu_bn_grad_sums_f64 (x, st, dy) BnParams;
    bn_grad_input: nas_emu_bn_grad_input_f32, nas_emu_bn_grad_input_f64 (x, dy, pr) BnParams;
    relu_fwd: nas_emu_relu_fwd_f32, nas_emu_relu_fwd_f64 (x) LenParams;
    relu_grad: nas_emu_relu_grad_f32, nas_emu_relu_grad_f64 (dy, y) LenParams;
    pick_fwd: nas_emu_pick_fwd_f32, nas_emu_pick_fwd_f64 (x) PickParams;
    pick_grad: nas_emu_pick_grad_f32, nas_emu_pick_grad_f64 (dy, x) PickParams;
    im2col: nas_emu_im2col_f32, nas_emu_im2col_f64 (x) DwParams;
    col2im: nas_emu_col2im_f32, nas_emu_col2im_f64 (dcols) DwParams;
}

/// The tolerance of the brief: relative error 1e-5 in f32; 1e-12 in f64 (the same
/// arithmetic in another order).
pub fn rel_tol(dtype: DType) -> f64 {
    if dtype == DType::F64 {
        1e-12
    } else {
        1e-5
    }
}

/// max |got - want| / max(1, max |want|): the relative error of a whole tensor.
pub fn rel_err(got: &Tensor, want: &Tensor) -> f64 {
    assert_eq!(got.dims(), want.dims(), "shape mismatch");
    let (g, w) = (to_f64_vec(got), to_f64_vec(want));
    assert!(
        g.iter().all(|v| v.is_finite()),
        "a kernel left an output unwritten or non-finite"
    );
    let scale = w.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let diff = g
        .iter()
        .zip(&w)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    diff / scale
}

/// The comparisons of one test. Each is recorded, and [`Checks::finish`] fails with every
/// kernel that missed (its number of failed comparisons and the first), so that a broken
/// kernel is named even when another check of the same test fails too. Every kernel is
/// compared on inputs from the CPU references, never on another emulated kernel's output,
/// so one broken kernel fails only its own checks.
#[derive(Default)]
pub struct Checks {
    done: usize,
    failed: Vec<(&'static str, String)>,
}

impl Checks {
    /// Records whether `got` (from emulated `kernel`) is within [`rel_tol`] of each
    /// reference `(name, tensor)`.
    pub fn close(
        &mut self,
        kernel: &'static str,
        got: &Tensor,
        refs: &[(&str, &Tensor)],
        what: &str,
    ) {
        for (name, want) in refs {
            self.done += 1;
            let err = rel_err(got, want);
            if err.is_nan() || err > rel_tol(got.dtype()) {
                self.failed
                    .push((kernel, format!("{what}: vs {name}: relative error {err:e}")));
            }
        }
    }

    /// Records a check that is not a tolerance comparison.
    pub fn record(&mut self, kernel: &'static str, ok: bool, what: &str) {
        self.done += 1;
        if !ok {
            self.failed.push((kernel, what.to_string()));
        }
    }

    /// Fails unless every comparison passed (and there was at least one).
    pub fn finish(self) {
        assert!(self.done > 0, "no comparison was made");
        let mut kernels: Vec<&str> = self.failed.iter().map(|f| f.0).collect();
        kernels.sort_unstable();
        kernels.dedup();
        let report: Vec<String> = kernels
            .iter()
            .map(|k| {
                let mine: Vec<&String> = self
                    .failed
                    .iter()
                    .filter(|f| f.0 == *k)
                    .map(|f| &f.1)
                    .collect();
                format!("  {k}: {} failed, first: {}", mine.len(), mine[0])
            })
            .collect();
        assert!(
            self.failed.is_empty(),
            "{} of {} comparisons with the emulated GPU kernels failed:\n{}",
            self.failed.len(),
            self.done,
            report.join("\n")
        );
    }
}

/// The output gradient `grads_of(.., seed)` uses: uniform in [-1, 1) of `dims`, in `dtype`.
pub fn dy_of(seed: u64, dims: &[usize], dtype: DType) -> Tensor {
    super::support::uniform(&mut super::support::rng(seed), dims)
        .to_dtype(dtype)
        .unwrap()
}

/// A 4-d shape as an array.
pub fn dims4(t: &Tensor) -> [usize; 4] {
    t.dims().try_into().unwrap()
}
