//! Shared helpers for the kernel tests: seeded random tensors, naive direct-loop references
//! (plain `Vec<f64>`, no candle) and a central finite-difference gradient checker.

use candle_core::{DType, Device, Result, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Uniform values in [-1, 1) as an f64 CPU tensor of `dims`.
pub fn uniform(rng: &mut ChaCha8Rng, dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    let v: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
    Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
}

/// Distinct values (a shuffled ramp with gaps of 0.01 plus tiny jitter), so that no
/// max-pool window has a tie and a +-1e-4 perturbation never changes an argmax.
pub fn distinct(rng: &mut ChaCha8Rng, dims: &[usize]) -> Tensor {
    let n: usize = dims.iter().product();
    let mut v: Vec<f64> = (0..n).map(|i| i as f64 * 0.01 - n as f64 * 0.005).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
    let v = v
        .into_iter()
        .map(|x| x + rng.random_range(0.0..1e-3))
        .collect::<Vec<_>>();
    Tensor::from_vec(v, dims, &Device::Cpu).unwrap()
}

pub fn to_f64_vec(t: &Tensor) -> Vec<f64> {
    t.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap()
}

pub fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.dims(), b.dims(), "shape mismatch");
    to_f64_vec(a)
        .iter()
        .zip(to_f64_vec(b))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Output size of a window of `k` taps with dilation `d` over `n` positions.
pub fn out_size(n: usize, k: usize, s: usize, p: usize, d: usize) -> usize {
    (n + 2 * p - d * (k - 1) - 1) / s + 1
}

/// Input position of output `o`, tap `t`, or None when it falls into the padding.
pub fn tap_pos(o: usize, t: usize, s: usize, p: usize, d: usize, n: usize) -> Option<usize> {
    let i = (o * s + t * d) as isize - p as isize;
    (i >= 0 && (i as usize) < n).then_some(i as usize)
}

/// Visits every in-image tap of every output of an NCHW window op:
/// `f(plane, oy, ox, iy, ix, ky, kx)`.
#[allow(clippy::too_many_arguments)]
pub fn for_each_tap(
    dims: [usize; 4],
    k: usize,
    s: usize,
    p: usize,
    d: usize,
    mut f: impl FnMut(usize, usize, usize, usize, usize, usize, usize),
) {
    let [n, c, h, w] = dims;
    let (ho, wo) = (out_size(h, k, s, p, d), out_size(w, k, s, p, d));
    for plane in 0..n * c {
        for oy in 0..ho {
            for ox in 0..wo {
                for ky in 0..k {
                    for kx in 0..k {
                        let (Some(iy), Some(ix)) =
                            (tap_pos(oy, ky, s, p, d, h), tap_pos(ox, kx, s, p, d, w))
                        else {
                            continue;
                        };
                        f(plane, oy, ox, iy, ix, ky, kx);
                    }
                }
            }
        }
    }
}

/// Direct-loop depthwise convolution on f64 data.
pub fn naive_depthwise(x: &Tensor, w: &Tensor, s: usize, p: usize, d: usize) -> Tensor {
    let dims: [usize; 4] = x.dims().try_into().unwrap();
    let [n, c, h, wd] = dims;
    let k = w.dim(2).unwrap();
    let (ho, wo) = (out_size(h, k, s, p, d), out_size(wd, k, s, p, d));
    let (xv, wv) = (to_f64_vec(x), to_f64_vec(w));
    let mut out = vec![0.0; n * c * ho * wo];
    for_each_tap(dims, k, s, p, d, |pl, oy, ox, iy, ix, ky, kx| {
        let ch = pl % c;
        out[(pl * ho + oy) * wo + ox] += wv[(ch * k + ky) * k + kx] * xv[(pl * h + iy) * wd + ix];
    });
    Tensor::from_vec(out, (n, c, ho, wo), &Device::Cpu).unwrap()
}

/// Direct-loop max or average (count_include_pad = false) pooling on f64 data.
pub fn naive_pool(x: &Tensor, k: usize, s: usize, p: usize, max: bool) -> Tensor {
    let dims: [usize; 4] = x.dims().try_into().unwrap();
    let [n, c, h, wd] = dims;
    let (ho, wo) = (out_size(h, k, s, p, 1), out_size(wd, k, s, p, 1));
    let xv = to_f64_vec(x);
    let init = if max { f64::NEG_INFINITY } else { 0.0 };
    let mut out = vec![init; n * c * ho * wo];
    let mut count = vec![0.0; n * c * ho * wo];
    for_each_tap(dims, k, s, p, 1, |pl, oy, ox, iy, ix, _, _| {
        let (o, v) = ((pl * ho + oy) * wo + ox, xv[(pl * h + iy) * wd + ix]);
        out[o] = if max { out[o].max(v) } else { out[o] + v };
        count[o] += 1.0;
    });
    if !max {
        out.iter_mut().zip(&count).for_each(|(o, c)| *o /= c);
    }
    Tensor::from_vec(out, (n, c, ho, wo), &Device::Cpu).unwrap()
}

/// Direct-loop training-mode batch norm: (y, mean, biased var) on f64 data.
pub fn naive_batch_norm(
    x: &Tensor,
    gamma: Option<&Tensor>,
    beta: Option<&Tensor>,
    eps: f64,
) -> (Tensor, Tensor, Tensor) {
    let (n, c, h, w) = x.dims4().unwrap();
    let xv = to_f64_vec(x);
    let g = gamma.map(to_f64_vec).unwrap_or_else(|| vec![1.0; c]);
    let b = beta.map(to_f64_vec).unwrap_or_else(|| vec![0.0; c]);
    let m = (n * h * w) as f64;
    let idx = |i: usize, ch: usize, j: usize| (i * c + ch) * h * w + j;
    let (mut mean, mut var, mut y) = (vec![0.0; c], vec![0.0; c], vec![0.0; xv.len()]);
    for ch in 0..c {
        for i in 0..n {
            for j in 0..h * w {
                mean[ch] += xv[idx(i, ch, j)] / m;
            }
        }
        for i in 0..n {
            for j in 0..h * w {
                var[ch] += (xv[idx(i, ch, j)] - mean[ch]).powi(2) / m;
            }
        }
        let inv = 1.0 / (var[ch] + eps).sqrt();
        for i in 0..n {
            for j in 0..h * w {
                y[idx(i, ch, j)] = (xv[idx(i, ch, j)] - mean[ch]) * inv * g[ch] + b[ch];
            }
        }
    }
    let dev = &Device::Cpu;
    (
        Tensor::from_vec(y, (n, c, h, w), dev).unwrap(),
        Tensor::from_vec(mean, c, dev).unwrap(),
        Tensor::from_vec(var, c, dev).unwrap(),
    )
}

/// Checks the gradients of `loss = sum(f(inputs) * r)` with respect to every input against
/// central finite differences (eps 1e-4) on up to `samples` elements per input, in f64.
/// Fails when `|analytic - numeric| / max(|analytic|, |numeric|, 1e-3 * max|grad|)`
/// exceeds 1e-3 anywhere.
pub fn check_grads(
    f: &dyn Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[Tensor],
    samples: usize,
    seed: u64,
) {
    let mut r = rng(seed);
    let out_dims = f(inputs).unwrap().dims().to_vec();
    let weights = uniform(&mut r, &out_dims);
    let loss = |xs: &[Tensor]| -> f64 {
        let y = f(xs).unwrap();
        (y * &weights)
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    let vars: Vec<Var> = inputs
        .iter()
        .map(|t| Var::from_tensor(t).unwrap())
        .collect();
    let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let l = (f(&tensors).unwrap() * &weights)
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = l.backward().unwrap();
    let eps = 1e-4;
    for (which, var) in vars.iter().enumerate() {
        let g = grads.get(var.as_tensor()).expect("input got no gradient");
        let g = to_f64_vec(g);
        let gmax = g.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        assert!(gmax > 0.0, "input {which}: gradient is identically zero");
        let base = to_f64_vec(&inputs[which]);
        let step = (base.len() / samples).max(1);
        for e in (0..base.len()).step_by(step).take(samples) {
            let eval = |delta: f64| {
                let mut v = base.clone();
                v[e] += delta;
                let mut xs = inputs.to_vec();
                xs[which] = Tensor::from_vec(v, inputs[which].dims(), &Device::Cpu).unwrap();
                loss(&xs)
            };
            let num = (eval(eps) - eval(-eps)) / (2.0 * eps);
            let denom = g[e].abs().max(num.abs()).max(1e-3 * gmax);
            let rel = (g[e] - num).abs() / denom;
            assert!(
                rel < 1e-3,
                "input {which} element {e}: analytic {} numeric {num} rel err {rel}",
                g[e]
            );
        }
    }
}

/// Analytic gradients of `sum(f(inputs) * r)` with respect to every input.
pub fn grads_of(
    f: &dyn Fn(&[Tensor]) -> Result<Tensor>,
    inputs: &[Tensor],
    seed: u64,
) -> Vec<Tensor> {
    let out_dims = f(inputs).unwrap().dims().to_vec();
    let weights = uniform(&mut rng(seed), &out_dims)
        .to_dtype(inputs[0].dtype())
        .unwrap();
    let vars: Vec<Var> = inputs
        .iter()
        .map(|t| Var::from_tensor(t).unwrap())
        .collect();
    let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let l = (f(&tensors).unwrap() * &weights)
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = l.backward().unwrap();
    vars.iter()
        .map(|v| {
            grads
                .get(v.as_tensor())
                .expect("input got no gradient")
                .clone()
        })
        .collect()
}

/// Tolerance for comparing a fast kernel with its reference in `dtype`.
pub fn tol(dtype: DType) -> f64 {
    if dtype == DType::F64 {
        1e-12
    } else {
        1e-5
    }
}
