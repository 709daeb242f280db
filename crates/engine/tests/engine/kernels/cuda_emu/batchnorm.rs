//! Emulated batch-norm kernels (statistics, normalisation, gradient sums, input gradient)
//! vs the CPU kernels and the `_slow` composite, on the batch-norm tests' inputs with and
//! without the affine parameters.

use super::super::batchnorm::{inputs, variants, y_of, EPS};
use super::super::support::grads_of;
use super::*;
use nas_engine::nn::kernels::{batch_norm_train, batch_norm_train_slow};

/// Rows `[a; b]` of a [2, C] (or, with more, [k, C]) parameter tensor.
fn rows(ts: &[&Tensor]) -> Tensor {
    Tensor::stack(ts, 0).unwrap()
}

#[test]
fn forward_and_gradients_match_cpu_kernel_and_slow() {
    let mut checks = Checks::default();
    for dtype in [DType::F32, DType::F64] {
        for (i, v) in variants().into_iter().enumerate() {
            let what = format!("{dtype:?} gamma {} beta {}", v.0, v.1);
            let (x, g, b) = inputs(10 + i as u64);
            let c = x.dim(1).unwrap();
            // An absent gamma (beta) is 1 (0): the same y, and the same dgamma (dbeta) sums.
            let g = if v.0 {
                g
            } else {
                Tensor::ones(c, DType::F64, x.device()).unwrap()
            };
            let b = if v.1 {
                b
            } else {
                Tensor::zeros(c, DType::F64, x.device()).unwrap()
            };
            let [x, g, b] = [x, g, b].map(|t| t.to_dtype(dtype).unwrap());
            let pr = BnParams::new(dims4(&x), EPS).unwrap();
            let both = (Some(&g), Some(&b));
            let cpu = batch_norm_train(&x, both.0, both.1, EPS).unwrap();
            let slow = batch_norm_train_slow(&x, both.0, both.1, EPS).unwrap();
            let st = rows(&[&cpu.1, &cpu.2]);

            let st_emu = bn_stats(&x, &[2, c], c, pr);
            for (row, name, cpu, slow) in
                [(0, "mean", &cpu.1, &slow.1), (1, "var", &cpu.2, &slow.2)]
            {
                let got = st_emu.get(row).unwrap();
                let refs = [("CPU kernel", cpu), ("_slow", slow)];
                checks.close("bn_stats", &got, &refs, &format!("{what} {name}"));
            }
            let y = bn_norm(&x, &st, &rows(&[&g, &b]), x.dims(), pr.elems(), pr);
            checks.close(
                "bn_norm",
                &y,
                &[("CPU kernel", &cpu.0), ("_slow", &slow.0)],
                &what,
            );

            // Gradients of sum(y * dy) w.r.t. x, gamma and beta; dgamma and dbeta are the
            // sums the input gradient takes.
            let xs = [x.clone(), g.clone(), b];
            let dy = dy_of(5, x.dims(), dtype);
            let cpu = grads_of(&y_of(batch_norm_train, (true, true)), &xs, 5);
            let slow = grads_of(&y_of(batch_norm_train_slow, (true, true)), &xs, 5);
            let sums = bn_grad_sums(&x, &st, &dy, &[2, c], c, pr);
            for (row, name) in [(1, "dgamma"), (2, "dbeta")] {
                let got = sums.get(row - 1).unwrap();
                let refs = [("CPU kernel", &cpu[row]), ("_slow", &slow[row])];
                checks.close("bn_grad_sums", &got, &refs, &format!("{what} {name}"));
            }
            let grad_params = rows(&[
                &st.get(0).unwrap(),
                &st.get(1).unwrap(),
                &g,
                &cpu[1],
                &cpu[2],
            ]);
            let dx = bn_grad_input(&x, &dy, &grad_params, x.dims(), pr.elems(), pr);
            let refs = [("CPU kernel", &cpu[0]), ("_slow", &slow[0])];
            checks.close("bn_grad_input", &dx, &refs, &what);
        }
    }
    checks.finish();
}
