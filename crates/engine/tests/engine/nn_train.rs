//! A tiny two-path supernet trained with NT-Xent for 20 steps (weight steps plus an
//! architecture step every 5): the loss goes down, and the same seed gives bitwise the
//! same weights and alphas twice.

use candle_core::{DType, Device, Tensor};
use nas_engine::nn::Network;
use nas_ir::specs;
use nas_ir::{AlphaSharing, CellSpec, EdgeMode, Family, HeadSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// SimCLR NT-Xent over [2B, d] (views i and i+B are positives), temperature `tau`.
fn nt_xent(z: &Tensor, tau: f64) -> Tensor {
    let n = z.dim(0).unwrap();
    let b = n / 2;
    let norm = (z.sqr().unwrap().sum_keepdim(1).unwrap().sqrt().unwrap() + 1e-12).unwrap();
    let zn = z.broadcast_div(&norm).unwrap();
    let sim = (zn.matmul(&zn.t().unwrap()).unwrap() / tau).unwrap();
    let mask: Vec<f32> = (0..n * n)
        .map(|i| if i / n == i % n { -1e9 } else { 0.0 })
        .collect();
    let mask = Tensor::from_vec(mask, (n, n), z.device()).unwrap();
    let logits = (sim + mask).unwrap();
    let targets: Vec<u32> = (0..n).map(|i| ((i + b) % n) as u32).collect();
    let targets = Tensor::new(targets.as_slice(), z.device()).unwrap();
    candle_nn::loss::cross_entropy(&logits, &targets).unwrap()
}

fn views(rng: &mut ChaCha8Rng, b: usize) -> Tensor {
    let base: Vec<f32> = (0..b * 3 * 8 * 8)
        .map(|_| rng.random_range(-1.0f32..1.0))
        .collect();
    let mut out = Vec::with_capacity(2 * base.len());
    for _ in 0..2 {
        out.extend(
            base.iter()
                .map(|v| v + 0.2 * rng.random_range(-1.0f32..1.0)),
        );
    }
    Tensor::from_vec(out, (2 * b, 3, 8, 8), &Device::Cpu).unwrap()
}

fn tiny_spec() -> nas_ir::NetworkSpec {
    let mut spec = specs::cifar_darts_net(
        3,
        4,
        CellSpec::Search {
            alpha: AlphaSharing::PerCell,
            mode: EdgeMode::TwoPath,
        },
        HeadSpec::Mlp {
            hidden: vec![16],
            out: 8,
        },
        false,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 8;
    if let Family::Darts(d) = &mut spec.family {
        d.nodes = 2;
        d.multiplier = 2;
        d.reductions = vec![1];
    }
    spec
}

/// Steps `from..to` of plain SGD on the weights, an alpha step every 5; returns losses.
fn steps(
    net: &mut Network,
    rng: &mut ChaCha8Rng,
    data: &(Tensor, Tensor),
    from: usize,
    to: usize,
) -> Vec<f32> {
    let mut losses = Vec::new();
    for step in from..to {
        net.resample(rng, true, true).unwrap();
        let loss = nt_xent(&net.forward_t(&data.0, true).unwrap().out, 0.5);
        losses.push(loss.to_scalar::<f32>().unwrap());
        let grads = loss.backward().unwrap();
        let used = net.used_params().unwrap();
        for ((_, v), u) in net.params().iter().zip(used) {
            if let (true, Some(g)) = (u, grads.get(v.as_tensor())) {
                v.set(&(v.as_tensor() - (g * 0.1).unwrap()).unwrap())
                    .unwrap();
            }
        }
        if (step + 1) % 5 == 0 {
            net.resample(rng, false, false).unwrap();
            let loss = nt_xent(&net.forward_t(&data.1, true).unwrap().out, 0.5);
            let grads = loss.backward().unwrap();
            for (a, g) in net.arch_grads(&grads).unwrap() {
                a.set(&(a.as_tensor() - (g * 0.5).unwrap()).unwrap())
                    .unwrap();
            }
            net.rescale_alphas().unwrap();
        }
    }
    losses
}

fn fingerprint(net: &Network) -> Vec<u32> {
    let mut bits = Vec::new();
    for (_, v) in net
        .params()
        .iter()
        .chain(net.alphas().iter())
        .chain(net.buffers().iter())
    {
        let flat: Vec<f32> = v.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
        bits.extend(flat.iter().map(|x| x.to_bits()));
    }
    bits
}

fn setup(seed: u64) -> (Network, ChaCha8Rng, (Tensor, Tensor)) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let net = Network::new(&tiny_spec(), None, &mut rng, DType::F32, &Device::Cpu).unwrap();
    let data = (views(&mut rng, 6), views(&mut rng, 6));
    (net, rng, data)
}

/// Returns the losses and a fingerprint of every weight, alpha and BN statistic bit.
fn run(seed: u64) -> (Vec<f32>, Vec<u32>) {
    let (mut net, mut rng, data) = setup(seed);
    let losses = steps(&mut net, &mut rng, &data, 0, 20);
    (losses, fingerprint(&net))
}

#[test]
fn save_and_resume_midway_gives_the_same_weights() {
    let (_, full) = run(21);
    let (mut net, mut rng, data) = setup(21);
    steps(&mut net, &mut rng, &data, 0, 10);
    let dir = std::env::temp_dir().join(format!("nas_nn_resume_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("half.safetensors");
    net.save(&path).unwrap();
    // A fresh network from another seed, loaded from the checkpoint, with the RNG state
    // carried over (the executor saves it alongside the weights).
    let mut other = Network::new(
        &tiny_spec(),
        None,
        &mut ChaCha8Rng::seed_from_u64(999),
        DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    other.load(&path).unwrap();
    steps(&mut other, &mut rng, &data, 10, 20);
    assert!(
        fingerprint(&other) == full,
        "resumed run differs from the uninterrupted one"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn two_path_ssl_training_lowers_the_loss_and_is_reproducible() {
    let (losses, bits) = run(17);
    println!("NT-Xent losses: {losses:?}");
    let first: f32 = losses[..3].iter().sum::<f32>() / 3.0;
    let last: f32 = losses[losses.len() - 3..].iter().sum::<f32>() / 3.0;
    assert!(last < first, "loss did not fall: {losses:?}");
    let (losses2, bits2) = run(17);
    assert_eq!(losses, losses2);
    assert!(
        bits == bits2,
        "weights differ between two runs with the same seed"
    );
    let (_, bits3) = run(18);
    assert!(
        bits != bits3,
        "a different seed should give different weights"
    );
}
