//! Parameter counts of built networks against the official code's numbers (reference
//! §1.3) and against the static estimator.

use candle_core::{DType, Device};
use nas_engine::nn::Network;
use nas_ir::estimate::estimate_network;
use nas_ir::specs;
use nas_ir::{AlphaSharing, CellSpec, EdgeMode, HeadSpec};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn built_params(net: &Network) -> u64 {
    net.params()
        .iter()
        .map(|(_, v)| v.elem_count() as u64)
        .sum()
}

fn build(spec: &nas_ir::NetworkSpec) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    Network::new(spec, None, &mut rng, DType::F32, &Device::Cpu).unwrap()
}

#[test]
fn darts_v2_cifar10_has_3349342_params() {
    let spec = specs::cifar_eval_net(specs::darts_v2_genotype(), false);
    let net = build(&spec);
    assert_eq!(built_params(&net), 3_349_342);
    let est = estimate_network(&spec, None).unwrap();
    assert_eq!(est.params, 3_349_342);
    assert_eq!(est.aux_params, 0);
    // 20 cells, C=36: the cell output feeding the head has 576 channels.
    let x = candle_core::Tensor::zeros((2, 3, 32, 32), DType::F32, &Device::Cpu).unwrap();
    let out = net.forward_t(&x, false).unwrap();
    assert_eq!(out.features.dims(), &[2, 576]);
    assert_eq!(out.out.dims(), &[2, 10]);
}

#[test]
fn pdarts_and_aux_head() {
    let spec = specs::cifar_eval_net(specs::pdarts_genotype(), true);
    let net = build(&spec);
    let aux: u64 = net
        .params()
        .iter()
        .filter(|(n, _)| n.starts_with("aux."))
        .map(|(_, v)| v.elem_count() as u64)
        .sum();
    let total = built_params(&net);
    // Reference: P-DARTS 3.434 M without the aux head, aux head 0.476 M.
    assert_eq!(
        ((total - aux) as f64 / 1e3).round() / 1e3,
        3.434,
        "{}",
        total - aux
    );
    assert_eq!((aux as f64 / 1e3).round() / 1e3, 0.476, "{aux}");
    let est = estimate_network(&spec, None).unwrap();
    assert_eq!(est.params, total);
    assert_eq!(est.aux_params, aux);
    let x = candle_core::Tensor::zeros((2, 3, 32, 32), DType::F32, &Device::Cpu).unwrap();
    let out = net.forward_t(&x, true).unwrap();
    assert_eq!(out.aux.unwrap().dims(), &[2, 10]);
}

#[test]
fn sswp_supernet_has_about_20_33m_params() {
    let spec = specs::sswp_supernet();
    let net = build(&spec);
    let n = built_params(&net);
    assert_eq!((n as f64 / 1e4).round() / 1e2, 20.33, "{n}");
    assert_eq!(estimate_network(&spec, None).unwrap().params, n);
    assert_eq!(net.alphas().len(), 20);
    assert_eq!(net.alphas()[0].1.dims(), &[14, 7]);
}

#[test]
fn nb201_and_imagenet_estimates_match_built_counts() {
    let nb = specs::nb201_net(
        4,
        1,
        CellSpec::Search {
            alpha: AlphaSharing::Shared,
            mode: EdgeMode::Darts,
        },
        HeadSpec::Classifier { classes: 10 },
        3,
        16,
    );
    let net = build(&nb);
    assert_eq!(
        estimate_network(&nb, None).unwrap().params,
        built_params(&net)
    );
    let mut im = specs::cifar_darts_net(
        5,
        8,
        CellSpec::Genotype {
            genotype: specs::darts_v2_genotype(),
        },
        HeadSpec::Mlp {
            hidden: vec![16],
            out: 8,
        },
        true,
        specs::darts_ops_sswp(),
    );
    im.image_size = 40;
    if let nas_ir::Family::Darts(d) = &mut im.family {
        d.stem = nas_ir::StemKind::Imagenet;
    }
    let net = build(&im);
    assert_eq!(
        estimate_network(&im, None).unwrap().params,
        built_params(&net)
    );
    let x = candle_core::Tensor::zeros((2, 3, 40, 40), DType::F32, &Device::Cpu).unwrap();
    assert_eq!(net.forward_t(&x, false).unwrap().out.dims(), &[2, 8]);
}

#[test]
fn darts_v2_imagenet_estimate_matches_published_size() {
    // DARTS (2nd order) on ImageNet: 4.7 M params (reference §8), 14 cells, C=48, 224x224.
    // The published 574 M multiply-adds uses another counting convention: counting convs
    // and linears only, D-X-Y reports 523 M for DARTS_V2 (quark0/darts issue #46); ours,
    // same convention, gives 530 M. The madds rule itself is checked by hand below.
    let mut spec = specs::cifar_darts_net(
        14,
        48,
        CellSpec::Genotype {
            genotype: specs::darts_v2_genotype(),
        },
        HeadSpec::Classifier { classes: 1000 },
        true,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 224;
    if let nas_ir::Family::Darts(d) = &mut spec.family {
        d.stem = nas_ir::StemKind::Imagenet;
    }
    let est = estimate_network(&spec, None).unwrap();
    println!(
        "DARTS-V2 ImageNet estimate: {} params, {} madds",
        est.params, est.madds
    );
    assert_eq!(
        (est.params as f64 / 1e5).round() / 10.0,
        4.7,
        "{}",
        est.params
    );
}

#[test]
fn madds_by_hand_on_a_one_node_network() {
    // stem conv 3->6 3x3 at 4x4: 3*6*9*16 = 2592; preprocess 1x1 6->2 twice: 2*192;
    // dil_conv_3x3 on 2 channels: depthwise 2*9*16 = 288, pointwise 2*2*16 = 64;
    // classifier 2->3: 6. Total 3334. Params: 162 + 12 (stem BN) + 2*(12 + 4) + 18 + 4 + 4 + 9.
    let geno = nas_ir::Genotype::PerCell {
        cells: vec![nas_ir::CellGenotype {
            nodes: vec![vec![nas_ir::GenoEdge {
                op: "dil_conv_3x3".into(),
                input: 1,
            }]],
            concat: vec![2],
        }],
    };
    let mut spec = specs::cifar_darts_net(
        1,
        2,
        CellSpec::Genotype { genotype: geno },
        HeadSpec::Classifier { classes: 3 },
        true,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 4;
    if let nas_ir::Family::Darts(d) = &mut spec.family {
        d.nodes = 1;
        d.multiplier = 1;
        d.reductions = vec![];
    }
    let est = estimate_network(&spec, None).unwrap();
    assert_eq!(est.madds, 3334);
    assert_eq!(est.params, 162 + 12 + 2 * (12 + 4) + 18 + 4 + 4 + 9);
    assert_eq!(built_params(&build(&spec)), est.params);
}

#[test]
fn training_memory_estimate_scales_with_batch_and_sampling() {
    use nas_ir::estimate::estimate_train_memory;
    let two = specs::sswp_supernet();
    let mut full = two.clone();
    if let nas_ir::Family::Darts(d) = &mut full.family {
        d.cell = CellSpec::Search {
            alpha: AlphaSharing::PerCell,
            mode: EdgeMode::Darts,
        };
    }
    let m2 = estimate_train_memory(&two, None, 192, 4).unwrap();
    let md = estimate_train_memory(&full, None, 192, 4).unwrap();
    let m1 = estimate_train_memory(&two, None, 96, 4).unwrap();
    println!(
        "SSWP supernet, 192 views, f32: two-path {:.1} GiB, DARTS {:.1} GiB",
        m2.total_bytes as f64 / 2f64.powi(30),
        md.total_bytes as f64 / 2f64.powi(30)
    );
    assert_eq!(m2.activations_bytes, 2 * m1.activations_bytes);
    assert_eq!(m2.weights_bytes, m1.weights_bytes);
    assert!(m2.activations_bytes * 2 < md.activations_bytes);
    // The candle probe measured 9.87 GB peak RSS for a 5-cell C=16 DARTS supernet (8 ops,
    // BN after pools, batch 32, f32). The estimate should be of that order.
    let mut probe = specs::cifar_darts_net(
        5,
        16,
        CellSpec::Search {
            alpha: AlphaSharing::Shared,
            mode: EdgeMode::Darts,
        },
        HeadSpec::Classifier { classes: 10 },
        false,
        specs::darts_ops_darts(),
    );
    if let nas_ir::Family::Darts(d) = &mut probe.family {
        d.reductions = vec![1, 3];
    }
    let mp = estimate_train_memory(&probe, None, 32, 4).unwrap();
    let gb = mp.total_bytes as f64 / 1e9;
    println!("probe supernet, batch 32: estimate {gb:.2} GB (measured peak RSS 9.87 GB)");
    assert!(gb > 9.87 / 4.0 && gb < 9.87 * 4.0, "{gb}");
}
