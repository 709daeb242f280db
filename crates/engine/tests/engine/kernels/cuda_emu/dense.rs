//! The GPU path of the dense and 1x1 convolutions, run on the CPU: the emulated `im2col` /
//! `col2im` kernels (`cuda/conv.cu`) around the batched products of `batched.rs`, which the
//! GPU runs on `CudaStorage` (cuBLAS) and these tests run, unchanged, on `CpuStorage`.
//! Compared with the CPU kernels and candle's conv2d (the `_slow` reference), values and
//! both gradients, f32 and f64.

use super::super::support::{grads_of, rng, uniform};
use super::*;
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, Layout, Storage};
use nas_engine::nn::kernels::batched::{self, cublas_accepts, Gemm};
use nas_engine::nn::kernels::{dense_conv2d, pointwise_conv2d, pointwise_conv2d_slow};

/// The CPU storage and layout of `t`.
fn storage(t: &Tensor) -> (CpuStorage, Layout) {
    let (s, l) = t.storage_and_layout();
    match &*s {
        Storage::Cpu(c) => (c.clone(), l.clone()),
        _ => panic!("not a CPU tensor"),
    }
}

/// A tensor of `dims` from a product's CPU storage.
fn tensor(s: &CpuStorage, dims: &[usize]) -> Tensor {
    let t = match s.dtype() {
        DType::F32 => Tensor::from_vec(s.as_slice::<f32>().unwrap().to_vec(), dims, &Device::Cpu),
        DType::F64 => Tensor::from_vec(s.as_slice::<f64>().unwrap().to_vec(), dims, &Device::Cpu),
        dt => panic!("unexpected dtype {dt:?}"),
    };
    t.unwrap()
}

type Product =
    fn(&CpuStorage, &Layout, &CpuStorage, &Layout, Gemm) -> candle_core::Result<CpuStorage>;

/// `f(a, b, g)` on the tensors' CPU storages, as a tensor of `dims`.
fn run(f: Product, a: &Tensor, b: &Tensor, g: Gemm, dims: &[usize]) -> Tensor {
    let ((sa, la), (sb, lb)) = (storage(a), storage(b));
    tensor(&f(&sa, &la, &sb, &lb, g).unwrap(), dims)
}

/// (x dims, out channels, k, stride, padding, dilation): 1x1 to 5x5, strides 1 to 3,
/// dilation 2, "same" and no padding, on odd sizes (7x9) so that windows hang over edges.
fn dense_cases() -> Vec<([usize; 4], usize, [usize; 4])> {
    vec![
        ([2, 3, 7, 9], 4, [3, 1, 1, 1]),
        ([2, 3, 7, 9], 4, [3, 2, 1, 1]),
        ([2, 3, 7, 9], 5, [5, 1, 2, 1]),
        ([2, 3, 7, 9], 4, [3, 1, 2, 2]),
        ([2, 3, 7, 9], 4, [3, 3, 0, 1]),
        ([3, 2, 6, 6], 3, [1, 1, 0, 1]),
        ([1, 4, 5, 8], 2, [5, 2, 2, 1]),
    ]
}

#[test]
fn dense_conv_gpu_path_matches_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
    for dtype in [DType::F32, DType::F64] {
        for (i, (xd, co, [k, s, p, d])) in dense_cases().into_iter().enumerate() {
            let what = format!("{dtype:?} x{xd:?} co{co} k{k} s{s} p{p} d{d}");
            let x = uniform(&mut rng(40 + i as u64), &xd)
                .to_dtype(dtype)
                .unwrap();
            let w = uniform(&mut rng(60 + i as u64), &[co, xd[1], k, k])
                .to_dtype(dtype)
                .unwrap();
            let pr = DwParams::columns(xd, k, s, p, d).unwrap();
            let [n, ckk, hwo] = pr.cols_dims();
            let [_, _, ho, wo] = pr.out_dims();
            let g = Gemm {
                n,
                co,
                kk: ckk,
                hw: hwo,
            };
            let cols = im2col(&x, &pr.cols_dims(), pr.cols_len(), pr);
            let y = run(batched::weight_times, &w, &cols, g, &[n, co, ho, wo]);
            let cpu = dense_conv2d(&x, &w, p, s, d).unwrap();
            let slow = x.conv2d(&w, p, s, d, 1).unwrap();
            checks.close(
                "im2col + weight_times",
                &y,
                &[("CPU kernel", &cpu), ("_slow", &slow)],
                &what,
            );

            let dy = dy_of(9, &[n, co, ho, wo], dtype);
            let dcols = run(batched::weight_t_times, &w, &dy, g, &[n, ckk, hwo]);
            let dx = col2im(&dcols, &pr.in_dims(), pr.in_len(), pr);
            let dw = run(batched::grad_weight, &dy, &cols, g, &[co, xd[1], k, k]);
            let xs = [x, w];
            let cpu = grads_of(&|t: &[Tensor]| dense_conv2d(&t[0], &t[1], p, s, d), &xs, 9);
            // candle's conv2d backward (the reference) fails on some strided shapes (its
            // transposed convolution misses a row or column), so it is the reference at
            // stride 1; the CPU kernel is the reference everywhere.
            let slow =
                (s == 1).then(|| grads_of(&|t: &[Tensor]| t[0].conv2d(&t[1], p, s, d, 1), &xs, 9));
            for (which, kernel, got) in [
                (0, "weight_t_times + col2im", &dx),
                (1, "im2col + grad_weight", &dw),
            ] {
                let mut refs = vec![("CPU kernel", &cpu[which])];
                if let Some(slow) = &slow {
                    refs.push(("_slow", &slow[which]));
                }
                checks.close(kernel, got, &refs, &what);
            }
        }
    }
    checks.finish();
}

#[test]
fn pointwise_conv_gpu_path_matches_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
    for dtype in [DType::F32, DType::F64] {
        for (i, (xd, co)) in [([2, 3, 7, 9], 4), ([3, 8, 4, 4], 16), ([1, 5, 1, 1], 2)]
            .into_iter()
            .enumerate()
        {
            let what = format!("{dtype:?} x{xd:?} co{co}");
            let [n, ci, h, wd] = xd;
            let x = uniform(&mut rng(80 + i as u64), &xd)
                .to_dtype(dtype)
                .unwrap();
            let w = uniform(&mut rng(90 + i as u64), &[co, ci, 1, 1])
                .to_dtype(dtype)
                .unwrap();
            let g = Gemm {
                n,
                co,
                kk: ci,
                hw: h * wd,
            };
            let y = run(batched::weight_times, &w, &x, g, &[n, co, h, wd]);
            let cpu = pointwise_conv2d(&x, &w, 1).unwrap();
            let slow = pointwise_conv2d_slow(&x, &w, 1).unwrap();
            checks.close(
                "weight_times",
                &y,
                &[("CPU kernel", &cpu), ("_slow", &slow)],
                &what,
            );
            let dy = dy_of(11, &[n, co, h, wd], dtype);
            let dx = run(batched::weight_t_times, &w, &dy, g, &[n, ci, h, wd]);
            let dw = run(batched::grad_weight, &dy, &x, g, &[co, ci, 1, 1]);
            let xs = [x, w];
            let cpu = grads_of(&|t: &[Tensor]| pointwise_conv2d(&t[0], &t[1], 1), &xs, 11);
            let slow = grads_of(
                &|t: &[Tensor]| pointwise_conv2d_slow(&t[0], &t[1], 1),
                &xs,
                11,
            );
            for (which, kernel, got) in [(0, "weight_t_times", &dx), (1, "grad_weight", &dw)] {
                checks.close(
                    kernel,
                    got,
                    &[("CPU kernel", &cpu[which]), ("_slow", &slow[which])],
                    &what,
                );
            }
        }
    }
    checks.finish();
}

/// The layouts the products hand to cuBLAS are ones it takes, and the check is not
/// vacuous: a matrix with a gap between its rows (which candle's CUDA backend refuses) and
/// a batch whose stride is neither 0 nor the matrix size are refused.
#[test]
fn cublas_layout_rule_takes_the_products_and_refuses_strided_operands() {
    let (b, m, n, k) = (2, 3, 4, 5);
    let shared = Layout::new((b, m, k).into(), vec![0, k, 1], 0);
    let transposed = Layout::new((b, m, k).into(), vec![0, 1, m], 0);
    let per_image = Layout::contiguous((b, k, n));
    let per_image_t = Layout::new((b, k, n).into(), vec![k * n, 1, k], 0);
    for (lhs, rhs) in [
        (&shared, &per_image),
        (&transposed, &per_image),
        (&shared, &per_image_t),
    ] {
        assert!(cublas_accepts(lhs, rhs, (b, m, n, k)), "{lhs:?} x {rhs:?}");
    }
    let gapped = Layout::new((b, m, k).into(), vec![m * (k + 1), k + 1, 1], 0);
    let odd_batch = Layout::new((b, k, n).into(), vec![k * n + 3, n, 1], 0);
    assert!(!cublas_accepts(&gapped, &per_image, (b, m, n, k)));
    assert!(!cublas_accepts(&shared, &odd_batch, (b, m, n, k)));
    assert!(!cublas_accepts(&shared, &per_image, (b, m, n + 1, k)));
}
