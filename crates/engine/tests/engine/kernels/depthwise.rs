//! Depthwise convolution: fast kernel vs `_slow` reference vs a direct loop, and both
//! gradients (input and weight) against finite differences.

use super::support::*;
use candle_core::{DType, Result, Tensor};
use nas_engine::nn::kernels::{depthwise_conv2d, depthwise_conv2d_slow};

/// (k, stride, dilation, padding) covering k 3/5, stride 1/2, dilation 1/2, "same" and
/// other paddings.
pub(super) fn configs() -> Vec<(usize, usize, usize, usize)> {
    let mut v = Vec::new();
    for k in [3, 5] {
        for s in [1, 2] {
            for d in [1, 2] {
                v.push((k, s, d, d * (k - 1) / 2));
            }
        }
    }
    // Stride 3 makes the kernels use per-row runs instead of whole-plane ones.
    v.extend([(3, 1, 1, 0), (5, 2, 1, 1), (3, 2, 2, 3), (3, 3, 1, 1)]);
    v
}

/// Batch 2-3, channels 3-5, odd non-square planes.
pub(super) fn inputs(seed: u64, k: usize) -> (Tensor, Tensor) {
    let mut r = rng(seed);
    let (n, c) = (2 + seed as usize % 2, 3 + seed as usize % 3);
    (
        uniform(&mut r, &[n, c, 7, 9]),
        uniform(&mut r, &[c, 1, k, k]),
    )
}

#[test]
fn slow_reference_matches_direct_loop() {
    for (i, (k, s, d, p)) in configs().into_iter().enumerate() {
        let (x, w) = inputs(i as u64, k);
        let slow = depthwise_conv2d_slow(&x, &w, s, p, d).unwrap();
        let naive = naive_depthwise(&x, &w, s, p, d);
        let diff = max_abs_diff(&slow, &naive);
        assert!(diff < 1e-12, "k{k} s{s} d{d} p{p}: slow vs loop {diff}");
    }
}

#[test]
fn fast_forward_matches_slow_f32_and_f64() {
    for dtype in [DType::F32, DType::F64] {
        for (i, (k, s, d, p)) in configs().into_iter().enumerate() {
            let (x, w) = inputs(100 + i as u64, k);
            let (x, w) = (x.to_dtype(dtype).unwrap(), w.to_dtype(dtype).unwrap());
            let fast = depthwise_conv2d(&x, &w, s, p, d).unwrap();
            let slow = depthwise_conv2d_slow(&x, &w, s, p, d).unwrap();
            assert_eq!(fast.dtype(), dtype);
            let diff = max_abs_diff(&fast, &slow);
            assert!(diff < tol(dtype), "{dtype:?} k{k} s{s} d{d} p{p}: {diff}");
        }
    }
}

#[test]
fn fast_gradients_match_slow_gradients_f32_and_f64() {
    for dtype in [DType::F32, DType::F64] {
        for (i, (k, s, d, p)) in candle_backward_configs().enumerate() {
            let (x, w) = inputs(200 + i as u64, k);
            let xs = [x.to_dtype(dtype).unwrap(), w.to_dtype(dtype).unwrap()];
            let fast = grads_of(
                &|t: &[Tensor]| depthwise_conv2d(&t[0], &t[1], s, p, d),
                &xs,
                7,
            );
            let slow = grads_of(
                &|t: &[Tensor]| depthwise_conv2d_slow(&t[0], &t[1], s, p, d),
                &xs,
                7,
            );
            for (which, (a, b)) in fast.iter().zip(&slow).enumerate() {
                let scale = to_f64_vec(b).iter().fold(1.0f64, |m, v| m.max(v.abs()));
                let diff = max_abs_diff(a, b) / scale;
                assert!(
                    diff < tol(dtype),
                    "{dtype:?} k{k} s{s} d{d} p{p} input {which}: {diff}"
                );
            }
        }
    }
}

/// Configurations whose gradients candle's conv2d (the `_slow` reference) can compute:
/// for the 7x9 inputs at stride 3 its backward fails with a shape mismatch
/// ("lhs: [3, 1, 7, 9], rhs: [3, 1, 7, 7]": conv_transpose2d without output padding).
fn candle_backward_configs() -> impl Iterator<Item = (usize, usize, usize, usize)> {
    configs().into_iter().filter(|c| c.1 < 3)
}

fn fd_check(
    op: fn(&Tensor, &Tensor, usize, usize, usize) -> Result<Tensor>,
    cases: Vec<(usize, usize, usize, usize)>,
) {
    for (i, (k, s, d, p)) in cases.into_iter().enumerate() {
        let (x, w) = inputs(300 + i as u64, k);
        check_grads(
            &|t: &[Tensor]| op(&t[0], &t[1], s, p, d),
            &[x, w],
            40,
            i as u64,
        );
    }
}

#[test]
fn fast_gradients_match_finite_differences() {
    fd_check(depthwise_conv2d, configs());
}

#[test]
fn slow_gradients_match_finite_differences() {
    fd_check(depthwise_conv2d_slow, candle_backward_configs().collect());
}

#[test]
fn non_contiguous_input_is_handled() {
    let (x, w) = inputs(5, 3);
    // A transposed-and-back copy of the data with a non-contiguous layout.
    let xt = x
        .transpose(2, 3)
        .unwrap()
        .contiguous()
        .unwrap()
        .transpose(2, 3)
        .unwrap();
    assert!(!xt.is_contiguous());
    let fast = depthwise_conv2d(&xt, &w, 2, 1, 1).unwrap();
    let naive = naive_depthwise(&x, &w, 2, 1, 1);
    assert!(max_abs_diff(&fast, &naive) < 1e-12);
}

#[test]
fn mismatched_weight_is_an_error_not_a_panic() {
    let (x, _) = inputs(6, 3);
    let w = Tensor::zeros((x.dim(1).unwrap() + 1, 1, 3, 3), DType::F64, x.device()).unwrap();
    assert!(depthwise_conv2d(&x, &w, 1, 1, 1).is_err());
    let w_even = Tensor::zeros((x.dim(1).unwrap(), 1, 3, 2), DType::F64, x.device()).unwrap();
    assert!(depthwise_conv2d(&x, &w_even, 1, 1, 1).is_err());
}

mod pointwise {
    //! 1x1 convolution as a batched matmul vs candle's conv2d, and its gradients.
    use super::super::support::*;
    use candle_core::{DType, Tensor};
    use nas_engine::nn::kernels::{pointwise_conv2d, pointwise_conv2d_slow};

    fn inputs(seed: u64) -> (Tensor, Tensor) {
        let mut r = rng(seed);
        (
            uniform(&mut r, &[3, 4, 7, 9]),
            uniform(&mut r, &[5, 4, 1, 1]),
        )
    }

    #[test]
    fn matches_conv2d_forward_and_gradients() {
        for dtype in [DType::F32, DType::F64] {
            for stride in [1, 2] {
                let (x, w) = inputs(stride as u64);
                let xs = [x.to_dtype(dtype).unwrap(), w.to_dtype(dtype).unwrap()];
                let fast = pointwise_conv2d(&xs[0], &xs[1], stride).unwrap();
                let slow = pointwise_conv2d_slow(&xs[0], &xs[1], stride).unwrap();
                assert!(
                    max_abs_diff(&fast, &slow) < tol(dtype),
                    "{dtype:?} s{stride}"
                );
                let f = |t: &[Tensor]| pointwise_conv2d(&t[0], &t[1], stride);
                let s = |t: &[Tensor]| pointwise_conv2d_slow(&t[0], &t[1], stride);
                for (a, b) in grads_of(&f, &xs, 1).iter().zip(&grads_of(&s, &xs, 1)) {
                    let scale = to_f64_vec(b).iter().fold(1.0f64, |m, v| m.max(v.abs()));
                    assert!(
                        max_abs_diff(a, b) / scale < tol(dtype),
                        "{dtype:?} s{stride}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_single_image_and_a_wide_batch_match_conv2d_and_repeat_bitwise() {
        // One image: each GEMM on all threads; 9 images: images spread over threads.
        for n in [1, 9] {
            let mut r = rng(30 + n as u64);
            let xs = [
                uniform(&mut r, &[n, 6, 5, 7]),
                uniform(&mut r, &[4, 6, 1, 1]),
            ];
            let f = |t: &[Tensor]| pointwise_conv2d(&t[0], &t[1], 1);
            let s = |t: &[Tensor]| pointwise_conv2d_slow(&t[0], &t[1], 1);
            assert!(
                max_abs_diff(&f(&xs).unwrap(), &s(&xs).unwrap()) < 1e-12,
                "n={n}"
            );
            let (g1, g2) = (grads_of(&f, &xs, 2), grads_of(&f, &xs, 2));
            for ((a, b), c) in g1.iter().zip(&g2).zip(&grads_of(&s, &xs, 2)) {
                assert_eq!(to_f64_vec(a), to_f64_vec(b), "n={n}: not repeatable");
                assert!(max_abs_diff(a, c) < 1e-12, "n={n}");
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        for stride in [1, 2] {
            let (x, w) = inputs(10 + stride as u64);
            let f = |t: &[Tensor]| pointwise_conv2d(&t[0], &t[1], stride);
            check_grads(&f, &[x, w], 40, stride as u64);
        }
    }
}

#[test]
fn pointwise_accepts_a_non_contiguous_input() {
    let mut r = rng(77);
    let x = uniform(&mut r, &[2, 4, 8, 8]);
    let w = uniform(&mut r, &[3, 4, 1, 1]);
    let shifted = x.narrow(2, 1, 7).unwrap().narrow(3, 1, 7).unwrap();
    assert!(!shifted.is_contiguous());
    for s in [1, 2] {
        let fast = nas_engine::nn::kernels::pointwise_conv2d(&shifted, &w, s).unwrap();
        let slow = nas_engine::nn::kernels::pointwise_conv2d_slow(&shifted, &w, s).unwrap();
        assert!(max_abs_diff(&fast, &slow) < 1e-12);
    }
}
