//! Finite-difference gradient tests (f64, CPU) of every engine op, the DARTS mixed edge
//! (input, weights, alpha) and the two-path gates and alpha update.

use candle_core::{DType, Device, Tensor, Var};
use nas_engine::nn::gradcheck::check_grads;
use nas_engine::nn::layers::{Layer, OpCtx};
use nas_engine::nn::store::Builder;
use nas_engine::nn::Network;
use nas_ir::specs;
use nas_ir::{AlphaSharing, CellSpec, EdgeMode, HeadSpec, Prim, Stride};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const EPS: f64 = 1e-4;
const TOL: f64 = 1e-3;

fn randn(rng: &mut ChaCha8Rng, shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

/// Build `prim` on C channels at the given edge stride; check d(sum(op(x) * R)) wrt x
/// and every parameter, in training mode (BN uses batch statistics).
fn check_prim(name: &str, prim: &Prim, c: usize, side: usize, stride: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut b = Builder::new(&mut rng, DType::F64, &Device::Cpu);
    let ctx = OpCtx {
        channels: c,
        edge_stride: stride,
        affine: true,
    };
    let layer = Layer::build(&mut b, "op", prim, ctx).unwrap();
    let mut vars = b.reg.params.clone();
    let mut drng = ChaCha8Rng::seed_from_u64(11);
    let x = Var::from_tensor(&randn(&mut drng, &[2, c, side, side])).unwrap();
    let out_shape = layer.forward(x.as_tensor(), true).unwrap().dims().to_vec();
    let r = randn(&mut drng, &out_shape);
    vars.push(("x".into(), x.clone()));
    let loss = || Ok((layer.forward(x.as_tensor(), true)? * &r)?.sum_all()?);
    let report = check_grads(&loss, &vars, 24, EPS).unwrap();
    println!(
        "{name} stride {stride} side {side}: max rel err {:.1e}",
        report.max()
    );
    for (v, e) in &report.errors {
        assert!(*e < TOL, "{name} stride {stride}: d/d{v} rel err {e:.2e}");
    }
}

fn conv(k: usize, dil: usize, dw: bool) -> Prim {
    Prim::Conv {
        kernel: k,
        stride: Stride::Edge,
        dilation: dil,
        depthwise: dw,
    }
}

#[test]
fn every_primitive_matches_finite_differences() {
    let cases: Vec<(&str, Prim)> = vec![
        ("conv3x3", conv(3, 1, false)),
        ("conv3x3_dil2", conv(3, 2, false)),
        ("conv1x1", conv(1, 1, false)),
        ("dw3x3", conv(3, 1, true)),
        ("dw5x5_dil2", conv(5, 2, true)),
        ("bn_affine", Prim::BatchNorm { affine: Some(true) }),
        (
            "bn_plain",
            Prim::BatchNorm {
                affine: Some(false),
            },
        ),
        ("relu", Prim::Relu),
        (
            "max_pool",
            Prim::MaxPool {
                kernel: 3,
                stride: Stride::Edge,
            },
        ),
        (
            "avg_pool",
            Prim::AvgPool {
                kernel: 3,
                stride: Stride::Edge,
            },
        ),
        ("identity", Prim::Identity),
        ("sep_conv_3x3", specs::sep_conv(3)),
        ("dil_conv_5x5", specs::dil_conv(5)),
    ];
    for (name, prim) in &cases {
        for stride in [1, 2] {
            if stride == 2 && matches!(prim, Prim::Identity | Prim::BatchNorm { .. } | Prim::Relu) {
                continue;
            }
            check_prim(name, prim, 4, 7, stride);
        }
    }
}

#[test]
fn factorized_reduce_odd_and_even_sizes() {
    let fr = Prim::FactorizedReduce { affine: Some(true) };
    check_prim("factorized_reduce", &fr, 4, 7, 2);
    check_prim("factorized_reduce", &fr, 4, 6, 2);
}

#[test]
fn zero_op_shapes_and_no_gradient() {
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let mut b = Builder::new(&mut rng, DType::F64, &Device::Cpu);
    let ctx = OpCtx {
        channels: 3,
        edge_stride: 2,
        affine: false,
    };
    let z = Layer::build(
        &mut b,
        "z",
        &Prim::Zero {
            stride: Stride::Edge,
        },
        ctx,
    )
    .unwrap();
    let x = Var::from_tensor(&randn(&mut rng, &[2, 3, 7, 7])).unwrap();
    let y = z.forward(x.as_tensor(), true).unwrap();
    assert_eq!(y.dims(), &[2, 3, 4, 4]);
    assert_eq!(
        y.abs()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap(),
        0.0
    );
}

/// A tiny network: 3 cells (one reduction), 2 nodes, C=2, odd 5x5 input.
fn tiny(mode: EdgeMode, head: HeadSpec) -> nas_ir::NetworkSpec {
    let mut spec = specs::cifar_darts_net(
        3,
        2,
        CellSpec::Search {
            alpha: AlphaSharing::Shared,
            mode,
        },
        head,
        false,
        specs::darts_ops_darts(),
    );
    spec.image_size = 5;
    if let nas_ir::Family::Darts(d) = &mut spec.family {
        d.nodes = 2;
        d.multiplier = 2;
        d.reductions = vec![1];
    }
    spec
}

fn randomise_alphas(net: &Network, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for (_, a) in net.alphas() {
        let t = randn(&mut rng, a.dims());
        a.set(&t).unwrap();
    }
}

#[test]
fn darts_supernet_gradients_wrt_input_weights_and_alpha() {
    let spec = tiny(EdgeMode::Darts, HeadSpec::Classifier { classes: 3 });
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    randomise_alphas(&net, 5);
    let mut drng = ChaCha8Rng::seed_from_u64(9);
    let x = Var::from_tensor(&randn(&mut drng, &[2, 3, 5, 5])).unwrap();
    let r = randn(&mut drng, &[2, 3]);
    let loss = || Ok((net.forward_t(x.as_tensor(), true)?.out * &r)?.sum_all()?);
    let mut vars: Vec<(String, Var)> = vec![("x".into(), x.clone())];
    vars.extend(net.alphas());
    // A sample of weights: stem, a preprocess, ops on a reduction edge, classifier.
    for (n, v) in net.params() {
        if n.starts_with("stem.0")
            || n.starts_with("cells.1.edges.0.")
            || n.starts_with("cells.2.preprocess0")
            || n.starts_with("classifier")
        {
            vars.push((n.clone(), v.clone()));
        }
    }
    assert!(vars.len() > 10);
    let report = check_grads(&loss, &vars, 12, EPS).unwrap();
    println!(
        "darts supernet: {} tensors (x, alphas, weights), max rel err {:.1e}",
        vars.len(),
        report.max()
    );
    for (v, e) in &report.errors {
        assert!(*e < TOL, "d/d{v} rel err {e:.2e}");
    }
}

#[test]
fn two_path_gate_gradients_match_finite_differences() {
    let spec = tiny(EdgeMode::TwoPath, HeadSpec::Classifier { classes: 3 });
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    randomise_alphas(&net, 6);
    let mut srng = ChaCha8Rng::seed_from_u64(8);
    net.resample(&mut srng, false, false).unwrap();
    let mut drng = ChaCha8Rng::seed_from_u64(10);
    let x = randn(&mut drng, &[2, 3, 5, 5]);
    let r = randn(&mut drng, &[2, 3]);
    let loss = || Ok((net.forward_t(&x, true)?.out * &r)?.sum_all()?);
    let mut gates: Vec<(String, Var)> = Vec::new();
    for g in net.alpha_groups() {
        for (row, s) in g.sample().unwrap().iter().enumerate() {
            for (j, gate) in s.gates.iter().flatten().enumerate() {
                gates.push((format!("{}[{row}].gate{j}", g.name), gate.clone()));
            }
        }
    }
    let report = check_grads(&loss, &gates, 1, EPS).unwrap();
    println!(
        "two-path gates: {} gates, max rel err {:.1e}",
        gates.len(),
        report.max()
    );
    for (v, e) in &report.errors {
        assert!(*e < TOL, "d/d{v} rel err {e:.2e}");
    }
    // The gate gradients are not all zero (the check is not vacuous).
    let grads = loss().unwrap().backward().unwrap();
    let nonzero = gates
        .iter()
        .filter(|(_, g)| {
            grads.get(g.as_tensor()).is_some_and(|t| {
                t.abs()
                    .unwrap()
                    .sum_all()
                    .unwrap()
                    .to_scalar::<f64>()
                    .unwrap()
                    > 1e-9
            })
        })
        .count();
    assert!(
        nonzero > gates.len() / 2,
        "only {nonzero} of {} gates have a gradient",
        gates.len()
    );
}

#[test]
fn two_path_weight_step_without_gates_equals_the_gated_pass() {
    // A weight step draws no gates and returns the active op's output; with the same
    // draws, an architecture step's 1 * on + 0 * off gives the same output and the same
    // weight gradients.
    let spec = tiny(EdgeMode::TwoPath, HeadSpec::Classifier { classes: 3 });
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    randomise_alphas(&net, 6);
    let mut drng = ChaCha8Rng::seed_from_u64(10);
    let x = randn(&mut drng, &[2, 3, 5, 5]);
    let r = randn(&mut drng, &[2, 3]);
    let mut run = |weight_step: bool| {
        let mut srng = ChaCha8Rng::seed_from_u64(8);
        net.resample(&mut srng, weight_step, false).unwrap();
        let gated = net.alpha_groups()[0].sample().unwrap()[0].gates.is_some();
        assert_eq!(gated, !weight_step);
        let out = net.forward_t(&x, true).unwrap().out;
        let grads = (&out * &r).unwrap().sum_all().unwrap().backward().unwrap();
        let g: Vec<Vec<f64>> = net
            .params()
            .iter()
            .filter_map(|(_, v)| grads.get(v.as_tensor()))
            .map(|t| t.flatten_all().unwrap().to_vec1().unwrap())
            .collect();
        (out.to_vec2::<f64>().unwrap(), g)
    };
    let (out_w, g_w) = run(true);
    let (out_a, g_a) = run(false);
    assert_eq!(out_w, out_a);
    assert!(!g_w.is_empty());
    assert_eq!(g_w, g_a);
}

#[test]
fn two_path_alpha_gradient_and_rescale_closed_form() {
    // One edge row, alpha = [0, ln 2, ln 3, 0, ...]. Force the pair by sampling until the
    // pair is {1, 2}; then feed known gate gradients dL/dg = (3, 5) for (pair[0], pair[1]).
    let spec = tiny(EdgeMode::TwoPath, HeadSpec::Features);
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let mut net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    let (name, alpha) = net.alphas()[0].clone();
    let (rows, ops) = alpha.dims2().unwrap();
    let mut vals = vec![0.0f64; rows * ops];
    vals[1] = 2f64.ln();
    vals[2] = 3f64.ln();
    alpha
        .set(&Tensor::from_vec(vals.clone(), (rows, ops), &Device::Cpu).unwrap())
        .unwrap();
    let mut srng = ChaCha8Rng::seed_from_u64(0);
    let mut found = false;
    for _ in 0..500 {
        net.resample(&mut srng, false, false).unwrap();
        let s = &net.alpha_groups()[0].sample().unwrap()[0];
        if s.pair == [1, 2] {
            found = true;
            break;
        }
    }
    assert!(found, "pair (1, 2) never drawn");
    let s = net.alpha_groups()[0].sample().unwrap()[0].clone();
    let gates = s.gates.as_ref().expect("an architecture step draws gates");
    let l = ((gates[0].as_tensor() * 3.0).unwrap() + (gates[1].as_tensor() * 5.0).unwrap())
        .unwrap()
        .sum_all()
        .unwrap();
    let grads = l.backward().unwrap();
    let ag = net.arch_grads(&grads).unwrap();
    let g0 = ag
        .iter()
        .find(|(v, _)| v.as_tensor().id() == alpha.as_tensor().id())
        .unwrap();
    let g: Vec<Vec<f64>> = g0.1.to_vec2().unwrap();
    // p over the pair = softmax(ln2, ln3) = (0.4, 0.6).
    // dα1 = 3*0.4*(1-0.4) + 5*0.6*(0-0.4) = 0.72 - 1.2 = -0.48; dα2 = +0.48.
    assert!((g[0][1] + 0.48).abs() < 1e-12, "{name}: {:?}", g[0]);
    assert!((g[0][2] - 0.48).abs() < 1e-12, "{:?}", g[0]);
    assert!(g[0]
        .iter()
        .enumerate()
        .all(|(k, v)| k == 1 || k == 2 || *v == 0.0));
    // Optimiser step alpha -= 0.5 * grad, then rescale: the pair's exp-sum is back to 5,
    // its difference moved by 0.48, the other ops untouched.
    let stepped = (alpha.as_tensor() - (&g0.1 * 0.5).unwrap()).unwrap();
    alpha.set(&stepped).unwrap();
    net.rescale_alphas().unwrap();
    let a: Vec<Vec<f64>> = alpha.as_tensor().to_vec2().unwrap();
    let sum = a[0][1].exp() + a[0][2].exp();
    assert!((sum - 5.0).abs() < 1e-12, "pair exp-sum {sum}");
    let diff = a[0][2] - a[0][1];
    assert!((diff - (1.5f64.ln() - 0.48)).abs() < 1e-12);
    assert_eq!(a[0][0], 0.0);
    assert_eq!(a[0][3], 0.0);
}
