//! Emulated batch-norm kernels (statistics, normalisation, gradient sums, input gradient)
//! vs the CPU kernels and the `_slow` composite, for every affine variant.

use super::super::batchnorm::{diff_inputs, inputs, run, variants, y_of, EPS};
use super::super::support::grads_of;
use super::*;
use nas_engine::nn::kernels::{batch_norm_train, batch_norm_train_slow};

/// Everything the emulated kernels compute for one input: (y, stats [2, C], dx, sums
/// [2, C] = [dgamma; dbeta]), for output gradient `dy` and affine [gamma; beta].
fn emulate(x: &Tensor, affine: &Tensor, dy: &Tensor) -> (Tensor, Tensor, Tensor, Tensor) {
    let pr = BnParams::new(dims4(x), EPS).unwrap();
    let c = pr.channels();
    let st = bn_stats(x, &[2, c], c, pr);
    let y = bn_norm(x, &st, affine, x.dims(), pr.len(), pr);
    let sums = bn_grad_sums(x, &st, dy, &[2, c], c, pr);
    let gamma = affine.narrow(0, 0, 1).unwrap();
    let grad_params = Tensor::cat(&[&st, &gamma, &sums], 0).unwrap(); // [5, C]
    let dx = bn_grad_input(x, dy, &grad_params, x.dims(), pr.len(), pr);
    (y, st, dx, sums)
}

#[test]
fn forward_and_gradients_match_cpu_kernel_and_slow() {
    for dtype in [DType::F32, DType::F64] {
        for (i, v) in variants().into_iter().enumerate() {
            let (x, g, b) = inputs(10 + i as u64);
            let [x, g, b] = [x, g, b].map(|t| t.to_dtype(dtype).unwrap());
            let c = x.dim(1).unwrap();
            let one = |fill: f64| Tensor::full(fill, c, x.device()).unwrap().to_dtype(dtype);
            let gamma = if v.0 { g.clone() } else { one(1.0).unwrap() };
            let beta = if v.1 { b.clone() } else { one(0.0).unwrap() };
            let affine = Tensor::stack(&[&gamma, &beta], 0).unwrap();
            let dy = dy_of(5, x.dims(), dtype);
            let (y, st, dx, sums) = emulate(&x, &affine, &dy);

            let what = format!("{dtype:?} {v:?}");
            let cpu = run(batch_norm_train, &x, &g, &b, v);
            let slow = run(batch_norm_train_slow, &x, &g, &b, v);
            assert_close(
                &y,
                &[("CPU kernel", &cpu.0), ("_slow", &slow.0)],
                &format!("{what} y"),
            );
            for (row, name, c, s) in [(0, "mean", &cpu.1, &slow.1), (1, "var", &cpu.2, &slow.2)] {
                let got = st.get(row).unwrap();
                let refs = [("CPU kernel", c), ("_slow", s)];
                assert_close(&got, &refs, &format!("{what} {name}"));
            }

            let xs = diff_inputs(x.clone(), g, b, v);
            let cpu = grads_of(&y_of(batch_norm_train, v), &xs, 5);
            let slow = grads_of(&y_of(batch_norm_train_slow, v), &xs, 5);
            // The gradients in the order of the differentiable inputs: x, gamma?, beta?.
            let mut got = vec![dx];
            if v.0 {
                got.push(sums.get(0).unwrap());
            }
            if v.1 {
                got.push(sums.get(1).unwrap());
            }
            for (which, got) in got.iter().enumerate() {
                let refs = [("CPU kernel", &cpu[which]), ("_slow", &slow[which])];
                assert_close(got, &refs, &format!("{what} grad {which}"));
            }
        }
    }
}
