//! Emulated max and average pooling kernels (forward and backward) vs the CPU kernels and
//! the `_slow` references, and the tie rule of the max-pool gradient.

use super::super::pool::{input, CONFIGS};
use super::super::support::grads_of;
use super::*;
use candle_core::Result;
use nas_engine::nn::kernels::{avg_pool2d, avg_pool2d_slow, max_pool2d, max_pool2d_slow};

type Pool = fn(&Tensor, usize, usize, usize) -> Result<Tensor>;

/// (CPU kernel, `_slow` reference).
fn ops(max: bool) -> (Pool, Pool) {
    if max {
        (max_pool2d, max_pool2d_slow)
    } else {
        (avg_pool2d, avg_pool2d_slow)
    }
}

/// The output dims of pooling `x` with `p`.
fn out_dims(x: &Tensor, p: &PoolParams) -> Vec<usize> {
    let [n, c, _, _] = dims4(x);
    let (ho, wo) = p.out_plane();
    vec![n, c, ho, wo]
}

/// The emulated forward kernel.
fn emu_fwd(max: bool, x: &Tensor, p: PoolParams) -> Tensor {
    let dims = out_dims(x, &p);
    if max {
        max_pool_fwd(x, &dims, p.out_len(), p)
    } else {
        avg_pool_fwd(x, &dims, p.out_len(), p)
    }
}

/// The emulated input gradient for output gradient `dy`.
fn emu_grad(max: bool, x: &Tensor, dy: &Tensor, p: PoolParams) -> Tensor {
    if max {
        max_pool_grad(x, dy, x.dims(), p.in_len(), p)
    } else {
        avg_pool_grad(dy, x.dims(), p.in_len(), p)
    }
}

#[test]
fn forward_matches_cpu_kernel_and_slow() {
    for max in [true, false] {
        let (cpu, slow) = ops(max);
        for dtype in [DType::F32, DType::F64] {
            for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
                let x = input(10 + i as u64).to_dtype(dtype).unwrap();
                let pr = PoolParams::new(dims4(&x), k, s, p).unwrap();
                let got = emu_fwd(max, &x, pr);
                let (cpu, slow) = (cpu(&x, k, s, p).unwrap(), slow(&x, k, s, p).unwrap());
                let what = format!("max={max} {dtype:?} k{k} s{s} p{p}");
                assert_close(&got, &[("CPU kernel", &cpu), ("_slow", &slow)], &what);
            }
        }
    }
}

#[test]
fn gradients_match_cpu_kernel_and_slow() {
    for max in [true, false] {
        let (cpu, slow) = ops(max);
        for dtype in [DType::F32, DType::F64] {
            for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
                let x = input(20 + i as u64).to_dtype(dtype).unwrap();
                let pr = PoolParams::new(dims4(&x), k, s, p).unwrap();
                let dy = dy_of(3, &out_dims(&x, &pr), dtype);
                let got = emu_grad(max, &x, &dy, pr);
                let xs = [x];
                let cpu = grads_of(&|t: &[Tensor]| cpu(&t[0], k, s, p), &xs, 3);
                let slow = grads_of(&|t: &[Tensor]| slow(&t[0], k, s, p), &xs, 3);
                let what = format!("max={max} {dtype:?} k{k} s{s} p{p}");
                assert_close(&got, &[("CPU kernel", &cpu[0]), ("_slow", &slow[0])], &what);
            }
        }
    }
}

/// Ties: every window of a constant plane is a tie; like the CPU kernel (and PyTorch), the
/// emulated gradient goes to the first maximum of each window in row-major order.
#[test]
fn max_pool_ties_match_the_cpu_kernel() {
    for (k, s, p) in CONFIGS {
        let x = Tensor::full(0.5f64, (2, 3, 7, 9), &Device::Cpu).unwrap();
        let pr = PoolParams::new(dims4(&x), k, s, p).unwrap();
        let dy = dy_of(11, &out_dims(&x, &pr), DType::F64);
        let got = emu_grad(true, &x, &dy, pr);
        let cpu = grads_of(&|t: &[Tensor]| max_pool2d(&t[0], k, s, p), &[x], 11);
        assert_close(&got, &[("CPU kernel", &cpu[0])], &format!("k{k} s{s} p{p}"));
    }
}
