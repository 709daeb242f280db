//! NT-Xent and cross-entropy: values against independent host computations, NT-Xent's
//! gradient against central finite differences in f64, and the logged metrics.

use candle_core::{DType, Device, Tensor, Var};
use nas_engine::ssl::{self, nt_xent};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn random(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// NT-Xent written out with loops in f64 (independent of the candle implementation).
fn nt_xent_host(z: &[f64], n: usize, d: usize, tau: f64) -> f64 {
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            let r = &z[i * d..(i + 1) * d];
            let norm = (r.iter().map(|v| v * v).sum::<f64>() + 1e-12).sqrt();
            r.iter().map(|v| v / norm).collect()
        })
        .collect();
    let b = n / 2;
    let mut total = 0.0;
    for k in 0..n {
        let sims: Vec<f64> = (0..n)
            .filter(|&j| j != k)
            .map(|j| {
                rows[k]
                    .iter()
                    .zip(&rows[j])
                    .map(|(a, c)| a * c)
                    .sum::<f64>()
                    / tau
            })
            .collect();
        let pos_j = (k + b) % n;
        let pos = rows[k]
            .iter()
            .zip(&rows[pos_j])
            .map(|(a, c)| a * c)
            .sum::<f64>()
            / tau;
        let lse = sims.iter().map(|s| s.exp()).sum::<f64>().ln();
        total += lse - pos;
    }
    total / n as f64
}

#[test]
fn nt_xent_value_matches_a_host_computation() {
    let (n, d) = (6, 5);
    let z = random(n, d, 1);
    let t = Tensor::from_vec(z.clone(), (n, d), &Device::Cpu).unwrap();
    for tau in [0.07, 0.5, 1.0] {
        let got = nt_xent(&t, tau).unwrap().loss.to_scalar::<f64>().unwrap();
        let want = nt_xent_host(&z, n, d, tau);
        assert!(
            (got - want).abs() < 1e-9 * want.abs().max(1.0),
            "tau {tau}: {got} vs {want}"
        );
    }
    // f32 agrees with f64 to f32 precision
    let t32 = t.to_dtype(DType::F32).unwrap();
    let got32 = nt_xent(&t32, 0.5).unwrap().loss.to_scalar::<f32>().unwrap() as f64;
    assert!((got32 - nt_xent_host(&z, n, d, 0.5)).abs() < 1e-4);
}

#[test]
fn nt_xent_gradient_matches_central_differences() {
    let (n, d, tau) = (8, 4, 0.2);
    let z0 = random(n, d, 2);
    let var =
        Var::from_tensor(&Tensor::from_vec(z0.clone(), (n, d), &Device::Cpu).unwrap()).unwrap();
    let loss = nt_xent(var.as_tensor(), tau).unwrap().loss;
    let grads = loss.backward().unwrap();
    let g = grads
        .get(var.as_tensor())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    let eps = 1e-6;
    let f = |z: Vec<f64>| {
        let t = Tensor::from_vec(z, (n, d), &Device::Cpu).unwrap();
        nt_xent(&t, tau).unwrap().loss.to_scalar::<f64>().unwrap()
    };
    let gmax = g.iter().fold(0f64, |m, v| m.max(v.abs()));
    for i in 0..n * d {
        let mut plus = z0.clone();
        plus[i] += eps;
        let mut minus = z0.clone();
        minus[i] -= eps;
        let num = (f(plus) - f(minus)) / (2.0 * eps);
        assert!(
            (num - g[i]).abs() <= 1e-6 * gmax.max(1e-3) + 1e-8,
            "element {i}: {num} vs {}",
            g[i]
        );
    }
    assert!(gmax > 1e-3, "the gradient should not vanish here");
}

#[test]
fn retrieval_accuracy_and_feature_std() {
    // identical views of orthogonal images: every positive is the nearest row
    let (b, d) = (4, 8);
    let mut z = vec![0.0f32; 2 * b * d];
    for i in 0..b {
        z[i * d + i] = 1.0;
        z[(b + i) * d + i] = 3.0; // scale must not matter
    }
    let t = Tensor::from_vec(z, (2 * b, d), &Device::Cpu).unwrap();
    let out = nt_xent(&t, 0.1).unwrap();
    assert_eq!(out.accuracy, 1.0);
    // normalised, columns 0..4 hold two ones among 8 rows (mean 1/4, unbiased std below);
    // columns 4..8 are all zero
    let col_std = ((2.0 * (1.0f64 - 0.25).powi(2) + 6.0 * 0.25f64.powi(2)) / 7.0).sqrt();
    assert!(
        (out.feature_std - col_std * 4.0 / 8.0).abs() < 1e-6,
        "{}",
        out.feature_std
    );

    // collapse: every row in the same direction gives a feature std of 0
    let t = Tensor::ones((6, 3), DType::F32, &Device::Cpu).unwrap();
    let out = nt_xent(&t, 0.1).unwrap();
    assert!(out.feature_std.abs() < 1e-6);
    assert!(nt_xent(
        &Tensor::ones((5, 3), DType::F32, &Device::Cpu).unwrap(),
        0.1
    )
    .is_err());
    assert!(nt_xent(&t, 0.0).is_err());
}

#[test]
fn cross_entropy_with_and_without_smoothing() {
    let logits = vec![1.0f64, 2.0, 0.5, -1.0, 0.0, 3.0];
    let targets = [1u32, 0];
    let lt = Tensor::from_vec(logits.clone(), (2, 3), &Device::Cpu).unwrap();
    let tt = Tensor::from_vec(targets.to_vec(), 2, &Device::Cpu).unwrap();
    let host = |eps: f64| {
        let mut total = 0.0;
        for r in 0..2 {
            let row = &logits[r * 3..r * 3 + 3];
            let lse = row.iter().map(|v| v.exp()).sum::<f64>().ln();
            let logp: Vec<f64> = row.iter().map(|v| v - lse).collect();
            let nll = -logp[targets[r] as usize];
            let uni = -logp.iter().sum::<f64>() / 3.0;
            total += (1.0 - eps) * nll + eps * uni;
        }
        total / 2.0
    };
    for eps in [0.0, 0.1, 0.5] {
        let got = ssl::cross_entropy(&lt, &tt, eps)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap();
        assert!((got - host(eps)).abs() < 1e-12, "eps {eps}");
    }
    // row 0 argmax 1 (= target), row 1 argmax 2 (target 0)
    assert_eq!(ssl::top1_correct(&lt, &tt).unwrap(), 1);
    assert_eq!(ssl::accuracy(&lt, &tt).unwrap(), 0.5);
    assert!(ssl::cross_entropy(&lt, &tt, 1.5).is_err());
}
