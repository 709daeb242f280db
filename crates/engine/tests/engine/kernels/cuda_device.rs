//! The custom ops on a CUDA GPU (`cuda:0`) against the same ops on the CPU: values and
//! gradients, f32 and f64, relative error at most 1e-4 (the GPU check's bound), on the
//! shapes of the other kernel tests. Each test prints its largest error as a line
//! `gpu-check <op> <error>` for the GPU check's table.
//!
//! Compiled only with the `cuda` feature and ignored by default, since they need a GPU
//! (CI builds the feature but has none). On a GPU machine:
//! `cargo test --release --features cuda -p nas-engine gpu_ -- --ignored`.

use super::batchnorm::{self, EPS};
use super::depthwise::{configs, inputs};
use super::pool::{input, CONFIGS};
use super::relu::away_from_zero;
use super::support::{rng, to_f64_vec, uniform};
use candle_core::{DType, Device, Result, Tensor, Var};
use nas_engine::nn::kernels::{
    avg_pool2d, batch_norm_train, dense_conv2d, depthwise_conv2d, max_pool2d, pointwise_conv2d,
    relu, relu_depthwise_conv2d, strided_pick,
};

type Op<'a> = &'a dyn Fn(&[Tensor]) -> Result<Tensor>;

/// The bound of the GPU check.
const TOL: f64 = 1e-4;

fn gpu() -> Device {
    Device::new_cuda(0).expect("these ignored tests need a CUDA device (cuda:0)")
}

/// `f(inputs)` and the gradients of `sum(f(inputs) * r)` (r uniform from `seed`), computed
/// on `dev` and copied back to the CPU.
fn run_on(f: Op, inputs: &[Tensor], dev: &Device, seed: u64) -> (Tensor, Vec<Tensor>) {
    let vars: Vec<Var> = inputs
        .iter()
        .map(|t| Var::from_tensor(&t.to_device(dev).unwrap()).unwrap())
        .collect();
    let ts: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let y = f(&ts).unwrap();
    let r = uniform(&mut rng(seed), y.dims());
    let r = r.to_dtype(y.dtype()).unwrap().to_device(dev).unwrap();
    let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let back = |t: &Tensor| t.to_device(&Device::Cpu).unwrap();
    let g = vars
        .iter()
        .map(|v| back(grads.get(v.as_tensor()).expect("an input got no gradient")))
        .collect();
    (back(&y), g)
}

/// max |a - b| / max(1, max |b|).
fn rel_err(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.dims(), b.dims());
    let (a, b) = (to_f64_vec(a), to_f64_vec(b));
    let scale = b.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(&b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    if diff.is_nan() {
        f64::INFINITY
    } else {
        diff / scale
    }
}

/// Runs `f` on the CPU and on the GPU for each input set in f32 and f64, asserts that the
/// values and gradients agree within [`TOL`] and prints the largest relative error.
fn compare(name: &str, f: Op, cases: &[Vec<Tensor>]) {
    let (gpu, mut worst) = (gpu(), 0.0f64);
    for dtype in [DType::F32, DType::F64] {
        for (i, case) in cases.iter().enumerate() {
            let xs: Vec<Tensor> = case.iter().map(|t| t.to_dtype(dtype).unwrap()).collect();
            let (yc, gc) = run_on(f, &xs, &Device::Cpu, i as u64);
            let (yg, gg) = run_on(f, &xs, &gpu, i as u64);
            let err = std::iter::once(rel_err(&yg, &yc))
                .chain(gg.iter().zip(&gc).map(|(a, b)| rel_err(a, b)))
                .fold(0.0f64, f64::max);
            assert!(err <= TOL, "{name} {dtype:?} case {i}: GPU vs CPU {err:e}");
            worst = worst.max(err);
        }
    }
    println!("gpu-check {name} {worst:e}");
}

#[test]
#[ignore = "needs a CUDA GPU"]
fn gpu_depthwise_conv_matches_cpu() {
    for fused in [false, true] {
        let name = if fused {
            "relu_depthwise_conv2d"
        } else {
            "depthwise_conv2d"
        };
        for (i, (k, s, d, p)) in configs().into_iter().enumerate() {
            let (x, w) = inputs(100 + i as u64, k);
            // Away from ReLU's kink, where CPU and GPU rounding could disagree on the mask.
            let x = if fused {
                away_from_zero(200 + i as u64, x.dims())
            } else {
                x
            };
            let op = |t: &[Tensor]| {
                let conv = if fused {
                    relu_depthwise_conv2d
                } else {
                    depthwise_conv2d
                };
                conv(&t[0], &t[1], s, p, d)
            };
            compare(&format!("{name} k{k} s{s} d{d} p{p}"), &op, &[vec![x, w]]);
        }
    }
}

/// A half-precision input runs the f32 kernels (never candle's grouped convolution).
#[test]
#[ignore = "needs a CUDA GPU"]
fn gpu_depthwise_conv_in_bf16_matches_cpu_f32() {
    let (x, w) = inputs(7, 3);
    let cpu = depthwise_conv2d(&x, &w, 1, 1, 1).unwrap();
    let gpu = gpu();
    let to = |t: &Tensor| t.to_dtype(DType::BF16).unwrap().to_device(&gpu).unwrap();
    let y = depthwise_conv2d(&to(&x), &to(&w), 1, 1, 1).unwrap();
    assert_eq!(y.dtype(), DType::BF16);
    let err = rel_err(&y.to_device(&Device::Cpu).unwrap(), &cpu);
    assert!(
        err <= 2e-2,
        "bf16 depthwise on the GPU vs f64 on the CPU: {err:e}"
    );
    println!("gpu-check depthwise_conv2d_bf16 {err:e}");
}

#[test]
#[ignore = "needs a CUDA GPU"]
fn gpu_pooling_matches_cpu() {
    for (i, (k, s, p)) in CONFIGS.into_iter().enumerate() {
        let x = vec![input(20 + i as u64)];
        compare(
            &format!("max_pool2d k{k} s{s} p{p}"),
            &|t| max_pool2d(&t[0], k, s, p),
            std::slice::from_ref(&x),
        );
        compare(
            &format!("avg_pool2d k{k} s{s} p{p}"),
            &|t| avg_pool2d(&t[0], k, s, p),
            &[x],
        );
    }
}

#[test]
#[ignore = "needs a CUDA GPU"]
fn gpu_batch_norm_matches_cpu() {
    let cases: Vec<Vec<Tensor>> = (0..4)
        .map(|i| {
            let (x, g, b) = batchnorm::inputs(10 + i);
            vec![x, g, b]
        })
        .collect();
    compare(
        "batch_norm_train",
        &batchnorm::y_of(batch_norm_train, (true, true)),
        &cases,
    );
    let gpu = gpu();
    // The batch statistics the caller folds into the running ones.
    for case in &cases {
        let stats = |dev: &Device| {
            let [x, g, b] = [0, 1, 2].map(|j| case[j].to_device(dev).unwrap());
            let (_, m, v) = batch_norm_train(&x, Some(&g), Some(&b), EPS).unwrap();
            [m, v].map(|t| t.to_device(&Device::Cpu).unwrap())
        };
        let (cpu, gpu) = (stats(&Device::Cpu), stats(&gpu));
        for (a, b) in gpu.iter().zip(&cpu) {
            assert!(
                rel_err(a, b) <= TOL,
                "batch statistics: {:e}",
                rel_err(a, b)
            );
        }
    }
}

#[test]
#[ignore = "needs a CUDA GPU"]
fn gpu_relu_and_strided_pick_match_cpu() {
    let x = vec![away_from_zero(1, &[2, 3, 7, 9])];
    compare("relu", &|t| relu(&t[0]), std::slice::from_ref(&x));
    for (off, s) in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)] {
        for r in [false, true] {
            let op = |t: &[Tensor]| strided_pick(&t[0], off, s, r);
            compare(
                &format!("strided_pick off{off} s{s} relu {r}"),
                &op,
                std::slice::from_ref(&x),
            );
        }
    }
}

/// 1x1 and dense convolutions: batched cuBLAS GEMMs, with the im2col / col2im kernels for
/// the dense one and candle's reduction for the weight gradient's sum over images (the
/// only block reduction on the GPU path, so checked here rather than in the emulation).
#[test]
#[ignore = "needs a CUDA GPU"]
fn gpu_pointwise_and_dense_conv_match_cpu() {
    let mut r = rng(3);
    let x = uniform(&mut r, &[2, 4, 7, 9]);
    let (w1, w3) = (
        uniform(&mut r, &[5, 4, 1, 1]),
        uniform(&mut r, &[5, 4, 3, 3]),
    );
    for s in [1, 2] {
        let case = [vec![x.clone(), w1.clone()]];
        compare(
            &format!("pointwise_conv2d s{s}"),
            &|t| pointwise_conv2d(&t[0], &t[1], s),
            &case,
        );
        let case = [vec![x.clone(), w3.clone()]];
        let op = |t: &[Tensor]| dense_conv2d(&t[0], &t[1], 1, s, 1);
        compare(&format!("dense_conv2d 3x3 s{s}"), &op, &case);
    }
}
