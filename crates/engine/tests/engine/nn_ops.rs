//! Engine behaviours outside gradients: PyTorch batch-norm running statistics, seeded
//! initialisation, two-path bookkeeping (used parameters, sampling errors, entropy),
//! drop-path and error reporting.

use candle_core::{DType, Device, Tensor, Var};
use nas_engine::nn::layers::BatchNorm;
use nas_engine::nn::store::Builder;
use nas_engine::nn::{DropPath, Network, NnError};
use nas_ir::specs;
use nas_ir::{AlphaSharing, CellSpec, EdgeMode, Family, HeadSpec};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[test]
fn batch_norm_running_statistics_follow_pytorch() {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut b = Builder::new(&mut rng, DType::F64, &Device::Cpu);
    let bn = BatchNorm::new(&mut b, "bn", 1, true).unwrap();
    // One channel, values 1..=6: mean 3.5, biased var 35/12, unbiased 3.5.
    let x = Tensor::from_vec(
        (1..=6).map(|v| v as f64).collect::<Vec<_>>(),
        (2, 1, 1, 3),
        &Device::Cpu,
    )
    .unwrap();
    let y = bn.forward(&x, true).unwrap();
    let rm: Vec<f64> = bn.running_mean.as_tensor().to_vec1().unwrap();
    let rv: Vec<f64> = bn.running_var.as_tensor().to_vec1().unwrap();
    assert!((rm[0] - 0.35).abs() < 1e-12, "{rm:?}");
    assert!((rv[0] - (0.9 + 0.35)).abs() < 1e-12, "{rv:?}");
    let y: Vec<f64> = y.flatten_all().unwrap().to_vec1().unwrap();
    let expect0 = (1.0 - 3.5) / (35.0f64 / 12.0 + 1e-5).sqrt();
    assert!((y[0] - expect0).abs() < 1e-12);
    // Evaluation uses the running estimates.
    let e: Vec<f64> = bn
        .forward(&x, false)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    assert!((e[0] - (1.0 - 0.35) / (1.25f64 + 1e-5).sqrt()).abs() < 1e-12);
    // A single value per channel cannot be normalised in training mode.
    let one = Tensor::ones((1, 1, 1, 1), DType::F64, &Device::Cpu).unwrap();
    assert!(matches!(
        bn.forward(&one, true),
        Err(NnError::InvalidSpec { .. })
    ));
}

fn tiny(mode: EdgeMode) -> nas_ir::NetworkSpec {
    let mut spec = specs::cifar_darts_net(
        3,
        4,
        CellSpec::Search {
            alpha: AlphaSharing::PerCell,
            mode,
        },
        HeadSpec::Mlp {
            hidden: vec![8],
            out: 4,
        },
        false,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 8;
    if let Family::Darts(d) = &mut spec.family {
        d.nodes = 2;
        d.multiplier = 2;
    }
    spec
}

fn fingerprint(net: &Network) -> Vec<u64> {
    net.params()
        .iter()
        .flat_map(|(_, v)| {
            let f: Vec<f64> = v.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            f.into_iter().map(f64::to_bits).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn same_seed_same_weights_and_stable_names() {
    let spec = tiny(EdgeMode::TwoPath);
    let build = |seed| {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap()
    };
    let (a, b, c) = (build(1), build(1), build(2));
    assert_eq!(fingerprint(&a), fingerprint(&b));
    assert_ne!(fingerprint(&a), fingerprint(&c));
    let names: Vec<&str> = a.params().iter().map(|(n, _)| n.as_str()).collect();
    for expected in [
        "stem.0.weight",
        "stem.1.weight",
        "cells.0.preprocess0.1.weight",
        "cells.1.preprocess1.1.weight",
        "cells.2.preprocess0.conv_1.weight",
        "cells.0.edges.4.sep_conv_3x3.1.weight",
        "cells.0.edges.4.sep_conv_3x3.6.weight",
        "cells.1.edges.0.skip_connect.conv_2.weight",
        "head.0.weight",
        "head.2.bias",
    ] {
        assert!(names.contains(&expected), "missing {expected}");
    }
    assert!(a
        .buffers()
        .iter()
        .any(|(n, _)| n == "cells.0.edges.0.max_pool_3x3.1.running_var"));
    assert!(!names.iter().any(|n| n.contains("running")));
}

#[test]
fn two_path_uses_only_the_active_ops_and_needs_a_sample() {
    let spec = tiny(EdgeMode::TwoPath);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    let x = Tensor::ones((2, 3, 8, 8), DType::F64, &Device::Cpu).unwrap();
    assert!(matches!(net.forward_t(&x, true), Err(NnError::NotSampled)));
    assert!(
        net.forward_t(&x, false).is_ok(),
        "evaluation uses the argmax op and needs no sample"
    );
    net.resample(&mut rng, true, true).unwrap();
    let used = net.used_params().unwrap();
    let out = net.forward_t(&x, true).unwrap();
    let grads = out.out.sum_all().unwrap().backward().unwrap();
    for ((name, v), u) in net.params().iter().zip(&used) {
        let has = grads.get(v.as_tensor()).is_some();
        // Every parameter with a gradient is used; an unused edge op never has one.
        if has {
            assert!(*u, "{name} got a gradient but is not marked used");
        }
        if name.contains(".edges.") && !u {
            assert!(!has, "{name}");
        }
    }
    // Per cell and edge, the used ops are exactly the active one.
    for g in net.alpha_groups() {
        let cell = g.name.trim_start_matches("alphas.");
        for (e, s) in g.sample().unwrap().iter().enumerate() {
            for (k, op) in net.ops().iter().enumerate() {
                let prefix = format!("{cell}.edges.{e}.{}.", op.name);
                let any_used = net
                    .params()
                    .iter()
                    .zip(&used)
                    .any(|((n, _), u)| *u && n.starts_with(&prefix));
                if any_used {
                    assert_eq!(k, s.pair[s.active], "{prefix}");
                }
            }
        }
    }
    let h = net.alpha_entropy().unwrap();
    assert!(
        (h - (7f64).ln()).abs() < 1e-12,
        "uniform alphas have entropy ln 7, got {h}"
    );
}

#[test]
fn drop_path_is_seeded_and_scales_kept_samples() {
    let mut spec = specs::cifar_darts_net(
        3,
        4,
        CellSpec::Genotype {
            genotype: specs::darts_v2_genotype(),
        },
        HeadSpec::Features,
        true,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 8;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    let x =
        Var::from_tensor(&Tensor::ones((4, 3, 8, 8), DType::F64, &Device::Cpu).unwrap()).unwrap();
    let run = |seed: u64, p: f64| {
        let mut r = ChaCha8Rng::seed_from_u64(seed);
        let d = DropPath {
            prob: p,
            rng: &mut r,
        };
        net.forward_with(x.as_tensor(), true, Some(d)).unwrap().out
    };
    let a = run(5, 0.5);
    let b = run(5, 0.5);
    let c = run(6, 0.5);
    let none = run(5, 0.0);
    let diff = |u: &Tensor, v: &Tensor| {
        (u - v)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    };
    assert_eq!(diff(&a, &b), 0.0);
    assert!(diff(&a, &c) > 0.0);
    assert!(diff(&a, &none) > 0.0);
    assert_eq!(
        diff(&none, &net.forward_t(x.as_tensor(), true).unwrap().out),
        0.0
    );
}

#[test]
fn bad_genotypes_and_missing_genotypes_are_errors() {
    let mut spec = tiny(EdgeMode::Darts);
    if let Family::Darts(d) = &mut spec.family {
        d.cell = CellSpec::Derived {
            stage: "derive".into(),
        };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let err = Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu)
        .err()
        .unwrap();
    assert!(matches!(err, NnError::NeedsGenotype { ref stage } if stage == "derive"));
    let err = Network::new(
        &spec,
        Some(&specs::darts_v2_genotype()),
        &mut rng,
        DType::F32,
        &Device::Cpu,
    )
    .err()
    .unwrap();
    assert!(
        matches!(err, NnError::BadGenotype { .. }),
        "2-node cells cannot take a 4-node genotype: {err}"
    );
}

#[test]
fn auxiliary_head_on_too_small_features_is_an_error_not_a_panic() {
    // 16x16 input: the tower after cell 2 of 3 sees 4x4 features, too small for AvgPool5.
    let mut spec = specs::cifar_darts_net(
        3,
        4,
        CellSpec::Genotype {
            genotype: specs::darts_v2_genotype(),
        },
        HeadSpec::Classifier { classes: 10 },
        true,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 16;
    spec.auxiliary = Some(nas_ir::AuxSpec {
        classes: 10,
        weight: 0.4,
    });
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let err = Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu)
        .err()
        .unwrap();
    assert!(matches!(err, NnError::InvalidSpec { .. }), "{err}");
    assert!(nas_ir::estimate::estimate_network(&spec, None).is_err());
    // 32x32 is enough (8x8 features).
    spec.image_size = 32;
    let net = Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu).unwrap();
    let x = Tensor::zeros((2, 3, 32, 32), DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        net.forward_t(&x, true).unwrap().aux.unwrap().dims(),
        &[2, 10]
    );
    assert!(net.forward_t(&x, false).unwrap().aux.is_none());
}

#[test]
fn nb201_two_path_supernet_trains_its_alphas() {
    let spec = specs::nb201_net(
        4,
        1,
        CellSpec::Search {
            alpha: AlphaSharing::Shared,
            mode: EdgeMode::TwoPath,
        },
        HeadSpec::Classifier { classes: 5 },
        1,
        8,
    );
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    assert_eq!(net.cell_count(), 3);
    net.resample(&mut rng, false, false).unwrap();
    let x = Tensor::from_vec(
        (0..2 * 64)
            .map(|i| (i as f64 * 0.37).sin())
            .collect::<Vec<_>>(),
        (2, 1, 8, 8),
        &Device::Cpu,
    )
    .unwrap();
    let out = net.forward_t(&x, true).unwrap();
    assert_eq!(out.out.dims(), &[2, 5]);
    let grads = out
        .out
        .sqr()
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let ag = net.arch_grads(&grads).unwrap();
    assert_eq!(ag.len(), 1);
    let g: Vec<Vec<f64>> = ag[0].1.to_vec2().unwrap();
    assert_eq!(g.len(), 6);
    // Only the two sampled ops of a row get gradient, and the pair's gradients sum to zero.
    let sample = net.alpha_groups()[0].sample().unwrap();
    for (row, s) in g.iter().zip(sample) {
        let off: f64 = row
            .iter()
            .enumerate()
            .filter(|(k, _)| !s.pair.contains(k))
            .map(|(_, v)| v.abs())
            .sum();
        assert_eq!(off, 0.0);
        assert!((row[s.pair[0]] + row[s.pair[1]]).abs() < 1e-12);
    }
    assert!(g.iter().flatten().any(|v| v.abs() > 1e-9));
}
