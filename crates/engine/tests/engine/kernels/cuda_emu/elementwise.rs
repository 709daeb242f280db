//! Emulated ReLU, ReLU gradient and strided pick (with its gradient) vs the CPU kernels and
//! the `_slow` references.

use super::super::relu::{away_from_zero, naive_pick};
use super::super::support::grads_of;
use super::*;
use nas_engine::nn::kernels::{relu, relu_slow, strided_pick, strided_pick_slow};

#[test]
fn relu_and_its_gradient_match_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
    for dtype in [DType::F32, DType::F64] {
        let x = away_from_zero(1, &[2, 3, 5, 7]).to_dtype(dtype).unwrap();
        let n = x.elem_count();
        let p = LenParams::new(n).unwrap();
        let (cpu, slow) = (relu(&x).unwrap(), relu_slow(&x).unwrap());
        let y = relu_fwd(&x, x.dims(), n, p);
        let what = format!("{dtype:?}");
        checks.close(
            "relu_fwd",
            &y,
            &[("CPU kernel", &cpu), ("_slow", &slow)],
            &what,
        );
        let dy = dy_of(3, x.dims(), dtype);
        let dx = relu_grad(&dy, &cpu, x.dims(), n, p);
        let xs = [x];
        let cpu = grads_of(&|t: &[Tensor]| relu(&t[0]), &xs, 3);
        let slow = grads_of(&|t: &[Tensor]| relu_slow(&t[0]), &xs, 3);
        let refs = [("CPU kernel", &cpu[0]), ("_slow", &slow[0])];
        checks.close("relu_grad", &dx, &refs, &what);
    }
    checks.finish();
}

/// A NaN passes the ReLU (it must reach the loss) and gets no gradient; neither does 0.
#[test]
fn relu_keeps_nan_and_passes_no_gradient_at_nan_or_zero() {
    let x = Tensor::new(&[-1.0f32, f32::NAN, 2.0, 0.0], &Device::Cpu).unwrap();
    let p = LenParams::new(4).unwrap();
    let y: Vec<f32> = relu_fwd(&x, &[4], 4, p).to_vec1().unwrap();
    let ok = (y[0], y[2], y[3]) == (0.0, 2.0, 0.0) && y[1].is_nan();
    let dy = Tensor::new(&[1.0f32, 1.0, 1.0, 1.0], &Device::Cpu).unwrap();
    let dx: Vec<f32> = relu_grad(&dy, &relu(&x).unwrap(), &[4], 4, p)
        .to_vec1()
        .unwrap();
    assert!(
        ok && dx == [0.0, 0.0, 1.0, 0.0],
        "relu_fwd {y:?}, relu_grad {dx:?}"
    );
}

#[test]
fn strided_pick_and_its_gradient_match_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
    for dtype in [DType::F32, DType::F64] {
        for (h, w) in [(8, 8), (7, 9), (5, 6)] {
            for (off, s) in [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)] {
                for relu in [false, true] {
                    let what = format!("{dtype:?} {h}x{w} offset {off} stride {s} relu {relu}");
                    let x = away_from_zero(h as u64 * 10 + w as u64, &[2, 3, h, w]);
                    let x = x.to_dtype(dtype).unwrap();
                    let (ho, wo) = (h.div_ceil(s), w.div_ceil(s));
                    let p = PickParams::new(dims4(&x), off, s, (ho, wo), relu).unwrap();
                    let y = pick_fwd(&x, &[2, 3, ho, wo], p.out_len(), p);
                    let cpu = strided_pick(&x, off, s, relu).unwrap();
                    let slow = strided_pick_slow(&x, off, s, relu).unwrap();
                    let naive = naive_pick(&x, off, s, relu);
                    let refs = [
                        ("CPU kernel", &cpu),
                        ("_slow", &slow),
                        ("direct loop", &naive),
                    ];
                    checks.close("pick_fwd", &y, &refs, &what);

                    let dy = dy_of(3, &[2, 3, ho, wo], dtype);
                    let dx = pick_grad(&dy, &x, x.dims(), p.in_len(), p);
                    let xs = [x];
                    let cpu = grads_of(&|t: &[Tensor]| strided_pick(&t[0], off, s, relu), &xs, 3);
                    let slow = grads_of(
                        &|t: &[Tensor]| strided_pick_slow(&t[0], off, s, relu),
                        &xs,
                        3,
                    );
                    let refs = [("CPU kernel", &cpu[0]), ("_slow", &slow[0])];
                    checks.close("pick_grad", &dx, &refs, &what);
                }
            }
        }
    }
    checks.finish();
}
