//! The networks the examples describe, from `.nas` source through the IR: their sizes match
//! the official code's (reference §1.3), and every network the engine builds has exactly
//! the parameter count that `nas check --estimate` reports.

use std::path::Path;

use candle_core::{DType, Device};
use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, compile_text, Compiled, Select};
use nas_engine::nn::Network;
use nas_ir::estimate::estimate_network;
use nas_ir::{CellSpec, Family, NetworkSpec, Program, StageKind};
use rand::SeedableRng;

/// These tests measure networks, not data: the examples and sources here name CIFAR-10
/// where a user keeps it (`data/cifar-10-batches-bin`), which the repository does not ship.
fn without_data() -> LoadOptions {
    LoadOptions {
        no_data: true,
        ..Default::default()
    }
}

fn compile(path: &str) -> Program {
    let c = compile_file(Path::new(path), &without_data(), &Select::default());
    only(c, path)
}

fn only(c: Compiled, what: &str) -> Program {
    assert!(!c.has_errors(), "{what} has errors");
    c.programs.into_iter().next().expect("one pipeline")
}

fn network<'a>(p: &'a Program, stage: &str) -> &'a NetworkSpec {
    let st = p
        .pipeline
        .stages
        .iter()
        .find(|s| s.name == stage)
        .expect("stage");
    st.kind
        .network()
        .unwrap_or_else(|| panic!("stage `{stage}` has no network"))
}

fn built_params(spec: &NetworkSpec) -> u64 {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let net = Network::new(spec, None, &mut rng, DType::F32, &Device::Cpu).expect("builds");
    net.params()
        .iter()
        .map(|(_, v)| v.elem_count() as u64)
        .sum()
}

fn is_derived(spec: &NetworkSpec) -> bool {
    let cell = match &spec.family {
        Family::Darts(d) => &d.cell,
        Family::Nb201(n) => &n.cell,
    };
    matches!(cell, CellSpec::Derived { .. })
}

#[test]
fn darts_v2_in_the_cifar10_evaluation_network_has_3_349_342_parameters() {
    crate::support::at_root();
    let p = compile("examples/darts_supervised.nas");
    let e = estimate_network(network(&p, "darts_v2"), None).unwrap();
    assert_eq!(e.params - e.aux_params, 3_349_342);
    assert!(
        (e.aux_params as f64 / 1e6 - 0.476).abs() < 0.0005,
        "{}",
        e.aux_params
    );
    assert_eq!(built_params(network(&p, "darts_v2")), e.params);
}

#[test]
fn pdarts_and_the_sswp_supernet_match_the_official_sizes() {
    crate::support::at_root();
    let src = r#"
import std.recipes.sswp
import std.spaces.darts
import std.genotypes
import std.data
pipeline sizes = sswp.recipe(data = data.cifar10()) {
  stage pd: train {
    network = darts.cifar(cells = 20, channels = 36, genotype = genotypes.pdarts)
    init = random
    epochs = 1
  }
}
"#;
    let c = compile_text(
        "sizes.nas",
        src,
        Path::new("."),
        &without_data(),
        &Select::default(),
    );
    let p = only(c, "sizes.nas");
    let pd = estimate_network(network(&p, "pd"), None).unwrap();
    let pd_params = (pd.params - pd.aux_params) as f64 / 1e6;
    assert!((pd_params - 3.434).abs() < 0.0005, "P-DARTS {}", pd.params);
    let sup = estimate_network(network(&p, "search"), None).unwrap();
    assert!(
        (sup.params as f64 / 1e6 - 20.33).abs() < 0.005,
        "supernet {}",
        sup.params
    );
    assert_eq!(built_params(network(&p, "pd")), pd.params);
    assert_eq!(built_params(network(&p, "search")), sup.params);
}

#[test]
fn every_example_network_built_has_the_estimated_parameter_count() {
    crate::support::at_root();
    let mut checked = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        let p = compile(path.to_str().unwrap());
        for st in &p.pipeline.stages {
            if matches!(st.kind, StageKind::Derive(_)) {
                continue;
            }
            // a look-up stage (nb201_lookup) reads a table and builds no network
            let Some(spec) = st.kind.network() else {
                continue;
            };
            if is_derived(spec) {
                continue; // its genotype exists only after the run's derive stage
            }
            let e = estimate_network(spec, None).unwrap();
            assert_eq!(
                built_params(spec),
                e.params,
                "{}: stage {}",
                path.display(),
                st.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} networks checked");
}

#[test]
fn a_per_cell_genotype_builds_the_calibrations_53_578_parameter_network() {
    crate::support::at_root();
    // calibration-pytorch.md §1: the derived classification network (5 cells, C = 8, its
    // per-cell genotype of §4, affine BN, Linear(128, 10)) has 53,578 parameters.
    let select = Select {
        pipeline: Some("calibration_genotype".into()),
    };
    let path = Path::new("examples/semi_supervised.nas");
    let c = compile_file(path, &without_data(), &select);
    let p = only(c, "calibration_genotype");
    let spec = network(&p, "tune_random");
    let Family::Darts(d) = &spec.family else {
        panic!("a DARTS network")
    };
    let CellSpec::Genotype {
        genotype: nas_ir::Genotype::PerCell { cells },
    } = &d.cell
    else {
        panic!("a per-cell fixed genotype, found {:?}", d.cell)
    };
    assert_eq!(cells.len(), 5);
    assert_eq!(cells[1].nodes[3][0].op, "skip_connect");
    assert_eq!(cells[1].nodes[3][1].input, 3);
    let e = estimate_network(spec, None).unwrap();
    assert_eq!(e.params, 53_578);
    assert_eq!(built_params(spec), 53_578);
}

/// The genotype of `stage`'s network in `p`.
fn fixed_genotype(p: &Program, stage: &str) -> nas_ir::Genotype {
    let spec = network(p, stage);
    let Family::Darts(d) = &spec.family else {
        panic!("a DARTS network")
    };
    match &d.cell {
        CellSpec::Genotype { genotype } => genotype.clone(),
        other => panic!("not a fixed genotype: {other:?}"),
    }
}

#[test]
fn a_genotype_written_as_source_reads_back_to_the_same_ir() {
    crate::support::at_root();
    // per cell: the calibration's genotype; shared: DARTS-V2
    let select = Select {
        pipeline: Some("calibration_genotype".into()),
    };
    let c = compile_file(
        Path::new("examples/semi_supervised.nas"),
        &without_data(),
        &select,
    );
    let p = only(c, "calibration_genotype");
    let per_cell = fixed_genotype(&p, "tune_random");
    let v2 = fixed_genotype(&compile("examples/darts_supervised.nas"), "darts_v2");
    for (g, cells, ops) in [(per_cell, 5, "darts.sswp_ops"), (v2, 8, "darts.darts_ops")] {
        let spec = network(&p, "tune_random");
        let text = nas_ir::source::genotype_source("derived", spec, &g);
        let src = format!(
            r#"
import std.spaces.darts
import std.data
{text}
pipeline again {{
  data = data.cifar10()
  stage fit: train {{
    network = darts.cifar(cells = {cells}, channels = 8, ops = {ops}, genotype = derived)
    init = random
    epochs = 1
  }}
}}
"#
        );
        let c = compile_text(
            "again.nas",
            &src,
            Path::new("."),
            &without_data(),
            &Select::default(),
        );
        let again = only(c, &src);
        assert_eq!(fixed_genotype(&again, "fit"), g, "{text}");
    }
}
