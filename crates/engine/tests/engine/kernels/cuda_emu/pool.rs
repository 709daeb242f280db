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

/// The kernel names of the forward and the backward pass.
fn names(max: bool) -> (&'static str, &'static str) {
    if max {
        ("max_pool_fwd", "max_pool_grad")
    } else {
        ("avg_pool_fwd", "avg_pool_grad")
    }
}

#[test]
fn forward_matches_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
    for max in [true, false] {
        let (cpu, slow) = ops(max);
        for dtype in [DType::F32, DType::F64] {
            for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
                let x = input(10 + i as u64).to_dtype(dtype).unwrap();
                let pr = PoolParams::new(dims4(&x), k, s, p).unwrap();
                let got = emu_fwd(max, &x, pr);
                let (cpu, slow) = (cpu(&x, k, s, p).unwrap(), slow(&x, k, s, p).unwrap());
                let what = format!("max={max} {dtype:?} k{k} s{s} p{p}");
                let refs = [("CPU kernel", &cpu), ("_slow", &slow)];
                checks.close(names(max).0, &got, &refs, &what);
            }
        }
    }
    checks.finish();
}

#[test]
fn gradients_match_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
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
                let refs = [("CPU kernel", &cpu[0]), ("_slow", &slow[0])];
                checks.close(names(max).1, &got, &refs, &what);
            }
        }
    }
    checks.finish();
}

/// Ties: every window of a constant plane is a tie; like the CPU kernel (and PyTorch), the
/// emulated gradient goes to the first maximum of each window in row-major order.
#[test]
fn max_pool_ties_match_the_cpu_kernel() {
    let mut checks = Checks::default();
    for (k, s, p) in CONFIGS {
        let x = Tensor::full(0.5f64, (2, 3, 7, 9), &Device::Cpu).unwrap();
        let pr = PoolParams::new(dims4(&x), k, s, p).unwrap();
        let dy = dy_of(11, &out_dims(&x, &pr), DType::F64);
        let got = emu_grad(true, &x, &dy, pr);
        let cpu = grads_of(&|t: &[Tensor]| max_pool2d(&t[0], k, s, p), &[x], 11);
        let what = format!("ties k{k} s{s} p{p}");
        checks.close("max_pool_grad", &got, &[("CPU kernel", &cpu[0])], &what);
    }
    checks.finish();
}

/// `x` with NaN at the given flat positions.
fn with_nans(x: &Tensor, at: &[usize]) -> Tensor {
    let mut v = to_f64_vec(x);
    for &i in at {
        v[i] = f64::NAN;
    }
    Tensor::from_vec(v, x.dims(), &Device::Cpu).unwrap()
}

/// `t` with every NaN replaced by 0.
fn nan_to_zero(t: &Tensor) -> Tensor {
    let v = to_f64_vec(t)
        .into_iter()
        .map(|v| if v.is_nan() { 0.0 } else { v });
    Tensor::from_vec(v.collect::<Vec<_>>(), t.dims(), &Device::Cpu).unwrap()
}

/// A NaN in a window wins the maximum (it must reach the loss, not vanish in a pool) and
/// then gets that window's gradient, as in the CPU kernel.
#[test]
fn max_pool_propagates_nan_like_the_cpu_kernel() {
    let mut checks = Checks::default();
    for (k, s, p) in CONFIGS {
        let what = format!("NaN k{k} s{s} p{p}");
        // An interior position of plane 0 and the first of the last plane.
        let x = input(50);
        let [n, c, h, w] = dims4(&x);
        let x = with_nans(&x, &[3 * w + 4, (n * c - 1) * h * w]);
        let pr = PoolParams::new(dims4(&x), k, s, p).unwrap();
        let y = max_pool_fwd(&x, &out_dims(&x, &pr), pr.out_len(), pr);
        let cpu = max_pool2d(&x, k, s, p).unwrap();
        let (yn, cn) = (to_f64_vec(&y), to_f64_vec(&cpu));
        assert!(
            cn.iter().any(|v| v.is_nan()),
            "{what}: no NaN reached the output"
        );
        let same = yn.iter().zip(&cn).all(|(a, b)| a.is_nan() == b.is_nan());
        checks.record("max_pool_fwd", same, &format!("{what}: NaN outputs differ"));
        let refs = [("CPU kernel", &nan_to_zero(&cpu))];
        checks.close("max_pool_fwd", &nan_to_zero(&y), &refs, &what);

        let dy = dy_of(3, &out_dims(&x, &pr), DType::F64);
        let got = emu_grad(true, &x, &dy, pr);
        let cpu = grads_of(&|t: &[Tensor]| max_pool2d(&t[0], k, s, p), &[x], 3);
        checks.close("max_pool_grad", &got, &[("CPU kernel", &cpu[0])], &what);
    }
    checks.finish();
}
