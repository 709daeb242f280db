//! Fused training-mode batch norm: fast kernel vs `_slow` composite vs a direct loop, and
//! gradients with respect to x, gamma and beta against finite differences.

use super::support::*;
use candle_core::{DType, Result, Tensor};
use nas_engine::nn::kernels::{batch_norm_train, batch_norm_train_slow};

pub(super) type Bn =
    fn(&Tensor, Option<&Tensor>, Option<&Tensor>, f64) -> Result<(Tensor, Tensor, Tensor)>;

pub(super) const EPS: f64 = 1e-5;

/// x [n, c, 7, 9] with a per-channel offset and scale (so the statistics matter), gamma, beta.
pub(super) fn inputs(seed: u64) -> (Tensor, Tensor, Tensor) {
    let mut r = rng(seed);
    let (n, c) = (2 + seed as usize % 2, 3 + seed as usize % 3);
    let x = uniform(&mut r, &[n, c, 7, 9]);
    let shift = uniform(&mut r, &[1, c, 1, 1]);
    let x = x
        .broadcast_mul(&(shift.clone() * 2.0).unwrap())
        .unwrap()
        .broadcast_add(&shift)
        .unwrap();
    (x, uniform(&mut r, &[c]), uniform(&mut r, &[c]))
}

/// The four affine variants: none, gamma only, beta only, both.
pub(super) fn variants() -> [(bool, bool); 4] {
    [(false, false), (true, false), (false, true), (true, true)]
}

fn run(op: Bn, x: &Tensor, g: &Tensor, b: &Tensor, v: (bool, bool)) -> (Tensor, Tensor, Tensor) {
    op(x, v.0.then_some(g), v.1.then_some(b), EPS).unwrap()
}

#[test]
fn slow_reference_matches_direct_loop() {
    for (i, v) in variants().into_iter().enumerate() {
        let (x, g, b) = inputs(i as u64);
        let (y, m, var) = run(batch_norm_train_slow, &x, &g, &b, v);
        let (ny, nm, nv) = naive_batch_norm(&x, v.0.then_some(&g), v.1.then_some(&b), EPS);
        for (a, e) in [(&y, &ny), (&m, &nm), (&var, &nv)] {
            assert!(max_abs_diff(a, e) < 1e-12, "{v:?}");
        }
    }
}

#[test]
fn fast_forward_matches_slow_f32_and_f64() {
    for dtype in [DType::F32, DType::F64] {
        for (i, v) in variants().into_iter().enumerate() {
            let (x, g, b) = inputs(10 + i as u64);
            let [x, g, b] = [x, g, b].map(|t| t.to_dtype(dtype).unwrap());
            let fast = run(batch_norm_train, &x, &g, &b, v);
            let slow = run(batch_norm_train_slow, &x, &g, &b, v);
            for (a, e) in [(&fast.0, &slow.0), (&fast.1, &slow.1), (&fast.2, &slow.2)] {
                assert_eq!(a.dtype(), dtype);
                let diff = max_abs_diff(a, e);
                assert!(diff < tol(dtype), "{dtype:?} {v:?}: {diff}");
            }
        }
    }
}

/// The differentiable inputs of variant `v` and a closure computing y from them.
pub(super) fn y_of(op: Bn, v: (bool, bool)) -> impl Fn(&[Tensor]) -> Result<Tensor> {
    move |t: &[Tensor]| {
        let mut rest = t[1..].iter();
        let g = if v.0 { rest.next() } else { None };
        let b = if v.1 { rest.next() } else { None };
        Ok(op(&t[0], g, b, EPS)?.0)
    }
}

fn diff_inputs(x: Tensor, g: Tensor, b: Tensor, v: (bool, bool)) -> Vec<Tensor> {
    let mut xs = vec![x];
    if v.0 {
        xs.push(g);
    }
    if v.1 {
        xs.push(b);
    }
    xs
}

#[test]
fn fast_gradients_match_slow_gradients_f32_and_f64() {
    for dtype in [DType::F32, DType::F64] {
        for (i, v) in variants().into_iter().enumerate() {
            let (x, g, b) = inputs(20 + i as u64);
            let xs: Vec<Tensor> = diff_inputs(x, g, b, v)
                .iter()
                .map(|t| t.to_dtype(dtype).unwrap())
                .collect();
            let fast = grads_of(&y_of(batch_norm_train, v), &xs, 5);
            let slow = grads_of(&y_of(batch_norm_train_slow, v), &xs, 5);
            for (which, (a, e)) in fast.iter().zip(&slow).enumerate() {
                let scale = to_f64_vec(e).iter().fold(1.0f64, |m, q| m.max(q.abs()));
                let diff = max_abs_diff(a, e) / scale;
                assert!(diff < tol(dtype), "{dtype:?} {v:?} input {which}: {diff}");
            }
        }
    }
}

fn fd_check(op: Bn) {
    for (i, v) in variants().into_iter().enumerate() {
        let (x, g, b) = inputs(30 + i as u64);
        check_grads(&y_of(op, v), &diff_inputs(x, g, b, v), 40, i as u64);
    }
}

#[test]
fn fast_gradients_match_finite_differences() {
    fd_check(batch_norm_train);
}

#[test]
fn slow_gradients_match_finite_differences() {
    fd_check(batch_norm_train_slow);
}

#[test]
fn non_contiguous_input_is_handled() {
    let (x, g, b) = inputs(40);
    let xt = x
        .transpose(2, 3)
        .unwrap()
        .contiguous()
        .unwrap()
        .transpose(2, 3)
        .unwrap();
    let fast = batch_norm_train(&xt, Some(&g), Some(&b), EPS).unwrap();
    let naive = naive_batch_norm(&x, Some(&g), Some(&b), EPS);
    assert!(max_abs_diff(&fast.0, &naive.0) < 1e-12);
}

#[test]
fn wrong_gamma_length_is_an_error() {
    let (x, g, _) = inputs(41);
    let g2 = Tensor::cat(&[&g, &g], 0).unwrap();
    assert!(batch_norm_train(&x, Some(&g2), None, EPS).is_err());
}
