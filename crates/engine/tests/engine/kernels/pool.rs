//! Max and average pooling (count_include_pad = false): fast kernel vs `_slow` reference vs
//! a direct loop, gradients vs finite differences, and the documented tie rule of max pool.

use super::support::*;
use candle_core::{DType, Device, Result, Tensor};
use nas_engine::nn::kernels::{avg_pool2d, avg_pool2d_slow, max_pool2d, max_pool2d_slow};

type Pool = fn(&Tensor, usize, usize, usize) -> Result<Tensor>;

/// (kernel, stride, padding): the DARTS 3x3 pools plus a 5x5 and an unpadded case.
/// Stride 3 makes the kernels use per-row runs instead of whole-plane ones.
pub(super) const CONFIGS: [(usize, usize, usize); 6] = [
    (3, 1, 1),
    (3, 2, 1),
    (5, 1, 2),
    (5, 2, 2),
    (3, 2, 0),
    (3, 3, 1),
];

/// Batch 2-3, channels 3-5, odd non-square planes, no ties anywhere.
pub(super) fn input(seed: u64) -> Tensor {
    let (n, c) = (2 + seed as usize % 2, 3 + seed as usize % 3);
    distinct(&mut rng(seed), &[n, c, 7, 9])
}

fn ops(max: bool) -> (Pool, Pool) {
    if max {
        (max_pool2d, max_pool2d_slow)
    } else {
        (avg_pool2d, avg_pool2d_slow)
    }
}

#[test]
fn slow_references_match_direct_loop() {
    for max in [true, false] {
        let slow = ops(max).1;
        for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
            let x = input(i as u64);
            let diff = max_abs_diff(&slow(&x, k, s, p).unwrap(), &naive_pool(&x, k, s, p, max));
            assert!(diff < 1e-12, "max={max} k{k} s{s} p{p}: {diff}");
        }
    }
}

#[test]
fn fast_forward_matches_slow_f32_and_f64() {
    for max in [true, false] {
        let (fast, slow) = ops(max);
        for dtype in [DType::F32, DType::F64] {
            for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
                let x = input(10 + i as u64).to_dtype(dtype).unwrap();
                let y = fast(&x, k, s, p).unwrap();
                assert_eq!(y.dtype(), dtype);
                let diff = max_abs_diff(&y, &slow(&x, k, s, p).unwrap());
                assert!(
                    diff < tol(dtype),
                    "max={max} {dtype:?} k{k} s{s} p{p}: {diff}"
                );
            }
        }
    }
}

#[test]
fn fast_gradients_match_slow_gradients_f32_and_f64() {
    for max in [true, false] {
        let (fast, slow) = ops(max);
        for dtype in [DType::F32, DType::F64] {
            for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
                let x = [input(20 + i as u64).to_dtype(dtype).unwrap()];
                let a = grads_of(&|t: &[Tensor]| fast(&t[0], k, s, p), &x, 3);
                let b = grads_of(&|t: &[Tensor]| slow(&t[0], k, s, p), &x, 3);
                let diff = max_abs_diff(&a[0], &b[0]);
                assert!(
                    diff < tol(dtype),
                    "max={max} {dtype:?} k{k} s{s} p{p}: {diff}"
                );
            }
        }
    }
}

fn fd_check(op: Pool) {
    for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
        let x = input(30 + i as u64);
        check_grads(&|t: &[Tensor]| op(&t[0], k, s, p), &[x], 60, i as u64);
    }
}

#[test]
fn fast_gradients_match_finite_differences() {
    fd_check(max_pool2d);
    fd_check(avg_pool2d);
}

#[test]
fn slow_gradients_match_finite_differences() {
    fd_check(max_pool2d_slow);
    fd_check(avg_pool2d_slow);
}

/// Ties: like PyTorch, the fast max pool sends each output's gradient to exactly one input,
/// the first maximum of its window in row-major order (candle's `maximum` in the `_slow`
/// reference splits or duplicates it instead). A constant plane makes every window a tie.
#[test]
fn max_pool_ties_go_to_the_first_maximum_in_row_major_order() {
    let (n, c, h, w) = (2, 3, 7, 9);
    for (k, s, p) in CONFIGS {
        let x = Tensor::full(0.5f64, (n, c, h, w), &Device::Cpu).unwrap();
        let g = grads_of(&|t: &[Tensor]| max_pool2d(&t[0], k, s, p), &[x], 11);
        let dy = to_f64_vec(&uniform(
            &mut rng(11),
            &[n, c, out_size(h, k, s, p, 1), out_size(w, k, s, p, 1)],
        ));
        let (ho, wo) = (out_size(h, k, s, p, 1), out_size(w, k, s, p, 1));
        let mut expect = vec![0.0; n * c * h * w];
        let mut taken = vec![false; n * c * ho * wo];
        for_each_tap([n, c, h, w], k, s, p, 1, |pl, oy, ox, iy, ix, _, _| {
            let o = (pl * ho + oy) * wo + ox;
            if !taken[o] {
                taken[o] = true;
                expect[(pl * h + iy) * w + ix] += dy[o];
            }
        });
        let expect = Tensor::from_vec(expect, (n, c, h, w), &Device::Cpu).unwrap();
        assert!(max_abs_diff(&g[0], &expect) < 1e-12, "k{k} s{s} p{p}");
    }
}

#[test]
fn non_contiguous_input_is_handled() {
    let x = input(40);
    let xt = x
        .transpose(2, 3)
        .unwrap()
        .contiguous()
        .unwrap()
        .transpose(2, 3)
        .unwrap();
    assert!(!xt.is_contiguous());
    for max in [true, false] {
        let y = ops(max).0(&xt, 3, 2, 1).unwrap();
        assert!(max_abs_diff(&y, &naive_pool(&x, 3, 2, 1, max)) < 1e-12);
    }
}
