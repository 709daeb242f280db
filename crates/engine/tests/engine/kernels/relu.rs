//! ReLU, the ReLU fused into a depthwise convolution, and the strided pick of a factorized
//! reduce: fast kernels vs their `_slow` references (values and gradients, f32 and f64),
//! direct loops, and finite differences.

use super::support::*;
use candle_core::{DType, Device, Tensor};
use nas_engine::nn::kernels::{
    depthwise_conv2d_slow, relu, relu_depthwise_conv2d, relu_depthwise_conv2d_slow, relu_slow,
    strided_pick, strided_pick_slow,
};

/// Uniform values pushed at least 0.05 away from 0, so that a +-1e-4 finite-difference
/// step never crosses the ReLU's kink.
pub(super) fn away_from_zero(seed: u64, dims: &[usize]) -> Tensor {
    let v: Vec<f64> = to_f64_vec(&uniform(&mut rng(seed), dims))
        .into_iter()
        .map(|x| if x < 0.0 { x - 0.05 } else { x + 0.05 })
        .collect();
    Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
}

fn assert_grads_match(
    fast: &dyn Fn(&[Tensor]) -> candle_core::Result<Tensor>,
    slow: &dyn Fn(&[Tensor]) -> candle_core::Result<Tensor>,
    xs: &[Tensor],
    what: &str,
) {
    let dtype = xs[0].dtype();
    for (which, (a, b)) in grads_of(fast, xs, 3)
        .iter()
        .zip(&grads_of(slow, xs, 3))
        .enumerate()
    {
        let scale = to_f64_vec(b).iter().fold(1.0f64, |m, v| m.max(v.abs()));
        let diff = max_abs_diff(a, b) / scale;
        assert!(diff < tol(dtype), "{what} {dtype:?} input {which}: {diff}");
    }
}

#[test]
fn relu_matches_candle_and_keeps_nan() {
    for dtype in [DType::F32, DType::F64] {
        let x = away_from_zero(1, &[2, 3, 5, 7]).to_dtype(dtype).unwrap();
        let (fast, slow) = (relu(&x).unwrap(), relu_slow(&x).unwrap());
        assert_eq!(fast.dtype(), dtype);
        assert_eq!(max_abs_diff(&fast, &slow), 0.0, "{dtype:?}");
        assert_grads_match(&|t| relu(&t[0]), &|t| relu_slow(&t[0]), &[x], "relu");
    }
    let x = Tensor::new(&[-1.0f32, f32::NAN, 2.0], &Device::Cpu).unwrap();
    let y: Vec<f32> = relu(&x).unwrap().to_vec1().unwrap();
    assert_eq!((y[0], y[2]), (0.0, 2.0));
    assert!(
        y[1].is_nan(),
        "a NaN must reach the loss, not vanish in a ReLU"
    );
}

#[test]
fn relu_gradient_matches_finite_differences() {
    let x = away_from_zero(2, &[2, 3, 4, 5]);
    check_grads(&|t| relu(&t[0]), &[x], 40, 2);
}

/// (k, stride, dilation) of the DARTS convolutions plus a stride-3 per-row case.
pub(super) fn conv_configs() -> Vec<(usize, usize, usize)> {
    vec![
        (3, 1, 1),
        (3, 2, 1),
        (5, 1, 1),
        (5, 2, 2),
        (3, 1, 2),
        (3, 3, 1),
    ]
}

#[test]
fn relu_depthwise_matches_relu_then_depthwise() {
    for dtype in [DType::F32, DType::F64] {
        for (i, (k, s, d)) in conv_configs().into_iter().enumerate() {
            let p = d * (k - 1) / 2;
            let x = away_from_zero(10 + i as u64, &[2, 3, 7, 9])
                .to_dtype(dtype)
                .unwrap();
            let w = uniform(&mut rng(20 + i as u64), &[3, 1, k, k])
                .to_dtype(dtype)
                .unwrap();
            let fast = relu_depthwise_conv2d(&x, &w, s, p, d).unwrap();
            let slow = relu_depthwise_conv2d_slow(&x, &w, s, p, d).unwrap();
            let naive = naive_depthwise(&relu_slow(&x).unwrap(), &w, s, p, d);
            let what = format!("k{k} s{s} d{d}");
            assert!(max_abs_diff(&fast, &slow) < tol(dtype), "{what} {dtype:?}");
            assert!(
                max_abs_diff(&fast, &naive) < tol(dtype),
                "{what} {dtype:?} vs loop"
            );
            if s < 3 {
                // candle's conv2d backward (the reference) fails at stride 3 on these sizes
                let f = |t: &[Tensor]| relu_depthwise_conv2d(&t[0], &t[1], s, p, d);
                let r = |t: &[Tensor]| relu_depthwise_conv2d_slow(&t[0], &t[1], s, p, d);
                assert_grads_match(&f, &r, &[x.clone(), w.clone()], &what);
            }
        }
    }
}

#[test]
fn relu_depthwise_gradients_match_finite_differences() {
    for (i, (k, s, d)) in conv_configs().into_iter().enumerate() {
        let p = d * (k - 1) / 2;
        let x = away_from_zero(30 + i as u64, &[2, 3, 7, 9]);
        let w = uniform(&mut rng(40 + i as u64), &[3, 1, k, k]);
        let f = |t: &[Tensor]| relu_depthwise_conv2d(&t[0], &t[1], s, p, d);
        check_grads(&f, &[x, w], 40, i as u64);
    }
}

#[test]
fn relu_depthwise_on_all_negative_input_is_zero_with_zero_input_gradient() {
    let x = (away_from_zero(5, &[1, 2, 5, 5]).abs().unwrap() * -1.0).unwrap();
    let w = uniform(&mut rng(6), &[2, 1, 3, 3]);
    let y = relu_depthwise_conv2d(&x, &w, 1, 1, 1).unwrap();
    assert_eq!(
        to_f64_vec(&y).iter().fold(0.0f64, |m, v| m.max(v.abs())),
        0.0
    );
    let slow = depthwise_conv2d_slow(&x, &w, 1, 1, 1).unwrap();
    assert!(
        to_f64_vec(&slow).iter().any(|v| *v != 0.0),
        "the test input is not trivial"
    );
    let g = grads_of(
        &|t| relu_depthwise_conv2d(&t[0], &t[1], 1, 1, 1),
        &[x, w],
        1,
    );
    assert!(to_f64_vec(&g[0]).iter().all(|v| *v == 0.0));
}

/// Direct loop: out[.., i, j] = f(x[.., off + i*s, off + j*s]) or 0 past the edge.
pub(super) fn naive_pick(x: &Tensor, off: usize, s: usize, relu: bool) -> Tensor {
    let (n, c, h, w) = x.dims4().unwrap();
    let v = to_f64_vec(x);
    let (ho, wo) = (h.div_ceil(s), w.div_ceil(s));
    let mut out = Vec::with_capacity(n * c * ho * wo);
    for plane in 0..n * c {
        for i in 0..ho {
            for j in 0..wo {
                let (r, q) = (off + i * s, off + j * s);
                let x = if r < h && q < w {
                    v[plane * h * w + r * w + q]
                } else {
                    0.0
                };
                out.push(if relu { x.max(0.0) } else { x });
            }
        }
    }
    Tensor::from_vec(out, (n, c, ho, wo), &Device::Cpu).unwrap()
}

#[test]
fn strided_pick_matches_references_on_odd_and_even_sizes() {
    for dtype in [DType::F32, DType::F64] {
        for (h, w) in [(8, 8), (7, 9), (5, 6)] {
            for (off, s) in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)] {
                for relu in [false, true] {
                    let what = format!("{h}x{w} offset {off} stride {s} relu {relu}");
                    let x = away_from_zero(h as u64 * 10 + w as u64, &[2, 3, h, w]);
                    let x = x.to_dtype(dtype).unwrap();
                    let fast = strided_pick(&x, off, s, relu).unwrap();
                    let slow = strided_pick_slow(&x, off, s, relu).unwrap();
                    let naive = naive_pick(&x, off, s, relu);
                    assert!(max_abs_diff(&fast, &naive) < tol(dtype), "{what} vs loop");
                    assert!(
                        max_abs_diff(&slow, &naive) < tol(dtype),
                        "{what} slow vs loop"
                    );
                    let f = |t: &[Tensor]| strided_pick(&t[0], off, s, relu);
                    let r = |t: &[Tensor]| strided_pick_slow(&t[0], off, s, relu);
                    assert_grads_match(&f, &r, &[x], &what);
                }
            }
        }
    }
}

#[test]
fn strided_pick_gradient_matches_finite_differences() {
    for (i, (off, s, relu)) in [(0, 2, true), (1, 2, true), (1, 2, false), (2, 3, true)]
        .into_iter()
        .enumerate()
    {
        let x = away_from_zero(50 + i as u64, &[2, 2, 7, 6]);
        check_grads(&|t| strided_pick(&t[0], off, s, relu), &[x], 40, i as u64);
    }
}

#[test]
fn strided_pick_rejects_stride_zero() {
    let x = uniform(&mut rng(1), &[1, 1, 4, 4]);
    assert!(strided_pick(&x, 0, 0, false).is_err());
    assert!(strided_pick_slow(&x, 0, 0, false).is_err());
}
