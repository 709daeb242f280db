//! Weight preservation and checkpoints: a supernet with every cell frozen equals the
//! derived network built from it with preserved weights; save -> load gives identical
//! outputs; loading into a network of another shape names the offending tensor.

use candle_core::{DType, Device, Tensor};
use nas_engine::nn::{preserve, DeriveOptions, Network, NnError};
use nas_ir::specs;
use nas_ir::{AlphaSharing, CellSpec, EdgeMode, Family, Genotype, HeadSpec, NetworkSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn tiny_supernet() -> NetworkSpec {
    supernet_spec(AlphaSharing::PerCell, EdgeMode::TwoPath)
}

fn supernet_spec(alpha: AlphaSharing, mode: EdgeMode) -> NetworkSpec {
    let mut spec = specs::cifar_darts_net(
        4,
        4,
        CellSpec::Search { alpha, mode },
        HeadSpec::Mlp {
            hidden: vec![16],
            out: 8,
        },
        false,
        specs::darts_ops_sswp(),
    );
    spec.image_size = 9;
    if let Family::Darts(d) = &mut spec.family {
        d.nodes = 3;
        d.multiplier = 3;
        d.reductions = vec![1, 3];
    }
    spec
}

fn rand_tensor(rng: &mut ChaCha8Rng, shape: &[usize]) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f32> = (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

/// A supernet whose alphas and BN statistics are no longer at their initial values.
fn trained_supernet(seed: u64) -> Network {
    trained(seed, tiny_supernet())
}

fn trained(seed: u64, spec: NetworkSpec) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut net = Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu).unwrap();
    for (_, a) in net.alphas() {
        a.set(&(rand_tensor(&mut rng, a.dims()) * 3.0).unwrap())
            .unwrap();
    }
    for _ in 0..2 {
        net.resample(&mut rng, true, true).unwrap();
        let x = rand_tensor(&mut rng, &[4, 3, 9, 9]);
        net.forward_t(&x, true).unwrap();
    }
    net
}

#[test]
fn frozen_supernet_equals_derived_network_with_preserved_weights() {
    let opts = DeriveOptions {
        edges_per_node: 2,
        max_skip: Some(1),
        max_pool: Some(1),
    };
    let mut sup = trained_supernet(1);
    for i in 0..sup.cell_count() {
        sup.freeze_cell(i, &opts).unwrap();
        assert!(!sup.is_searching(i));
    }
    let geno = sup.derive(&opts).unwrap();
    let Genotype::PerCell { cells } = &geno else {
        panic!("per-cell alphas give a per-cell genotype")
    };
    assert_eq!(cells.len(), 4);
    assert!(cells.iter().all(|c| c.nodes.iter().all(|n| n.len() == 2)));

    // The derived network: same spec with the genotype, affine BN (fresh gamma/beta).
    let mut spec = tiny_supernet();
    if let Family::Darts(d) = &mut spec.family {
        d.cell = CellSpec::Derived {
            stage: "derive".into(),
        };
        d.affine = true;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(99);
    let mut derived = Network::new(&spec, Some(&geno), &mut rng, DType::F32, &Device::Cpu).unwrap();
    let report = preserve(&sup, &mut derived).unwrap();

    let total = derived.params().len() + derived.buffers().len();
    assert_eq!(
        report.copied.len() + report.fresh.len() + report.mismatched.len(),
        total
    );
    assert!(report.mismatched.is_empty(), "{:?}", report.mismatched);
    assert!(!report.fresh.is_empty());
    assert!(report
        .fresh
        .iter()
        .all(|n| n.ends_with(".weight") || n.ends_with(".bias")));
    assert!(report.copied.iter().any(|n| n.ends_with("running_var")));
    assert!(report.dropped.iter().any(|n| n.starts_with("alphas.")));
    assert!(report.dropped.iter().any(|n| n.contains(".edges.")));
    let sup_total = sup.params().len() + sup.buffers().len() + sup.alphas().len();
    assert_eq!(report.copied.len() + report.dropped.len(), sup_total);

    let mut xr = ChaCha8Rng::seed_from_u64(5);
    let x = rand_tensor(&mut xr, &[3, 3, 9, 9]);
    let a = sup.forward_t(&x, false).unwrap();
    let b = derived.forward_t(&x, false).unwrap();
    let d = max_diff(&a.out, &b.out);
    println!(
        "per-cell two-path: frozen supernet vs derived max abs diff {d:e}; copied {}, fresh {}, dropped {}",
        report.copied.len(),
        report.fresh.len(),
        report.dropped.len()
    );
    assert!(d < 1e-5, "supernet vs derived: max abs diff {d}");
    assert!(
        a.out
            .abs()
            .unwrap()
            .max_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap()
            > 1e-3
    );

    // Save -> load into a differently initialised copy: identical outputs.
    let dir = std::env::temp_dir().join(format!("nas_nn_preserve_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("derived.safetensors");
    derived.save(&path).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(1234);
    let copy = Network::new(&spec, Some(&geno), &mut rng, DType::F32, &Device::Cpu).unwrap();
    assert!(max_diff(&copy.forward_t(&x, false).unwrap().out, &b.out) > 1e-4);
    copy.load(&path).unwrap();
    assert_eq!(
        max_diff(&copy.forward_t(&x, false).unwrap().out, &b.out),
        0.0
    );

    // A supernet checkpoint does not fit the derived network: the error names a tensor.
    let sup_path = dir.join("supernet.safetensors");
    sup.save(&sup_path).unwrap();
    match copy.load(&sup_path) {
        Err(NnError::Checkpoint { name, .. }) => assert!(!name.is_empty()),
        other => panic!("expected a checkpoint error, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn supernet_save_load_round_trip_keeps_alphas_and_outputs() {
    let sup = trained_supernet(2);
    let dir = std::env::temp_dir().join(format!("nas_nn_ckpt_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("sup.safetensors");
    sup.save(&path).unwrap();
    let other = trained_supernet(3);
    other.load(&path).unwrap();
    for ((n1, a), (n2, b)) in sup.alphas().iter().zip(other.alphas().iter()) {
        assert_eq!(n1, n2);
        assert_eq!(max_diff(a.as_tensor(), b.as_tensor()), 0.0);
    }
    let mut xr = ChaCha8Rng::seed_from_u64(5);
    let x = rand_tensor(&mut xr, &[2, 3, 9, 9]);
    let d = max_diff(
        &sup.forward_t(&x, false).unwrap().out,
        &other.forward_t(&x, false).unwrap().out,
    );
    assert_eq!(d, 0.0);
    // Wrong shape: a supernet with another width.
    let mut spec = tiny_supernet();
    if let Family::Darts(d) = &mut spec.family {
        d.channels = 6;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let wide = Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu).unwrap();
    let err = wide.load(&path).unwrap_err();
    assert!(err.to_string().contains("stem.0.weight"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn shared_darts_supernet_frozen_equals_derived_network() {
    let opts = DeriveOptions::default();
    let mut sup = trained(4, supernet_spec(AlphaSharing::Shared, EdgeMode::Darts));
    for i in 0..sup.cell_count() {
        sup.freeze_cell(i, &opts).unwrap();
    }
    let geno = sup.derive(&opts).unwrap();
    assert!(matches!(geno, Genotype::Shared { .. }));
    let mut spec = supernet_spec(AlphaSharing::Shared, EdgeMode::Darts);
    if let Family::Darts(d) = &mut spec.family {
        d.cell = CellSpec::Genotype { genotype: geno };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut derived = Network::new(&spec, None, &mut rng, DType::F32, &Device::Cpu).unwrap();
    let report = preserve(&sup, &mut derived).unwrap();
    assert!(
        report.fresh.is_empty(),
        "same affinity and head: everything is copied, {:?}",
        report.fresh
    );
    let mut xr = ChaCha8Rng::seed_from_u64(8);
    let x = rand_tensor(&mut xr, &[3, 3, 9, 9]);
    let d = max_diff(
        &sup.forward_t(&x, false).unwrap().out,
        &derived.forward_t(&x, false).unwrap().out,
    );
    println!("shared DARTS: frozen supernet vs derived max abs diff {d:e}");
    assert!(d < 1e-5, "{d}");
}
