//! The exported networks against the engine, in Python: for the quick-start network, an
//! NB201 network, DARTS-V2 (20 cells x 36 channels) and two small networks of odd sides
//! (every op kind, zero ops, factorized reduce and NB201's shortcut on odd sizes), a run
//! folder is written as `nas run` writes one (the pipeline's IR, the derive stage's genotype,
//! the stage's weights) with random weights and batch-norm statistics calibrated by one
//! training-mode pass, the engine's logits on 16 inputs are recorded, the built `nas` exports
//! ONNX and the nas_torch folder, and `python/tests/check_export.py` compares onnxruntime's
//! and nas_torch's logits with the engine's (max abs difference <= 1e-4), runs
//! `onnx.checker.check_model(full_check=True)` and counts DARTS-V2's parameters (3,349,342).
//!
//! Ignored by a plain `cargo test`: it needs the Python environment that `python/ci.sh`
//! creates from PyPI, which passes its interpreter as `NAS_PYTHON` and runs this test in CI.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, Select};
use nas_engine::nn::Network;
use nas_ir::specs::{cifar_darts_net, darts_cell, darts_ops_darts, nb201_net};
use nas_ir::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One network to check: the run folder's program, the stage to export, the genotype its
/// derive stage found (for `Derived` cells), the expected PyTorch parameter count.
struct Case {
    name: &'static str,
    program: Program,
    stage: &'static str,
    genotype: Option<Genotype>,
    params: Option<usize>,
}

fn example(path: &str, stage: &'static str) -> Program {
    // only the networks are used (nothing is read from the data): examples/nb201.nas names a
    // CIFAR-10 folder the repository does not ship, which the data checks would refuse
    let opts = LoadOptions {
        no_data: true,
        ..LoadOptions::default()
    };
    let c = compile_file(Path::new(path), &opts, &Select::default());
    assert!(!c.has_errors(), "{path} does not compile: {:?}", c.diags);
    let p = c.programs.into_iter().next().expect("a pipeline");
    assert!(
        p.pipeline.stages.iter().any(|s| s.name == stage),
        "{path} has no stage {stage}"
    );
    p
}

fn edges(pairs: &[&[(&str, usize)]]) -> CellGenotype {
    let nodes = pairs
        .iter()
        .map(|n| {
            n.iter()
                .map(|(op, input)| GenoEdge {
                    op: op.to_string(),
                    input: *input,
                })
                .collect()
        })
        .collect();
    CellGenotype {
        nodes,
        concat: Vec::new(),
    }
}

/// DARTS cells that use every SSWP op, skip as identity and as factorized reduce.
fn darts_mixed(reduce: bool) -> CellGenotype {
    let pairs: &[(&str, usize)] = if reduce {
        &[
            ("max_pool_3x3", 0),
            ("avg_pool_3x3", 1),
            ("skip_connect", 0),
            ("sep_conv_5x5", 2),
            ("dil_conv_5x5", 1),
            ("skip_connect", 2),
            ("dil_conv_3x3", 0),
            ("sep_conv_3x3", 3),
        ]
    } else {
        &[
            ("sep_conv_3x3", 0),
            ("sep_conv_5x5", 1),
            ("dil_conv_3x3", 0),
            ("skip_connect", 2),
            ("dil_conv_5x5", 1),
            ("avg_pool_3x3", 0),
            ("max_pool_3x3", 3),
            ("sep_conv_3x3", 4),
        ]
    };
    darts_cell(pairs)
}

fn nb201_cell(only_none_node: bool) -> CellGenotype {
    let mut g = if only_none_node {
        edges(&[
            &[("nor_conv_3x3", 0)],
            &[("none", 0), ("none", 1)],
            &[
                ("skip_connect", 0),
                ("avg_pool_3x3", 1),
                ("nor_conv_1x1", 2),
            ],
        ])
    } else {
        edges(&[
            &[("nor_conv_3x3", 0)],
            &[("skip_connect", 0), ("nor_conv_1x1", 1)],
            &[("none", 0), ("avg_pool_3x3", 1), ("nor_conv_3x3", 2)],
        ])
    };
    g.concat = vec![3];
    g
}

/// A program of one `train` stage `net` on `data`-shaped images with `spec`.
fn one_stage(spec: NetworkSpec) -> Program {
    let mut p = crate::run_support::tiny_program(1);
    let mut s = crate::run_support::supervised(InitSpec::Random, false);
    p.pipeline.data.channels = spec.in_channels;
    p.pipeline.data.image_size = spec.image_size;
    s.augment.steps = vec![AugStep::Normalize {
        mean: vec![0.5; spec.in_channels],
        std: vec![0.25; spec.in_channels],
    }];
    s.network = spec;
    p.pipeline.stages = vec![Stage {
        name: "net".into(),
        after: vec![],
        kind: StageKind::Train(s),
        span: Span::default(),
    }];
    p
}

fn cases() -> Vec<Case> {
    let quick_cells = (0..4).map(|i| darts_mixed(i == 1 || i == 2)).collect();
    let mut odd_darts = cifar_darts_net(
        3,
        4,
        CellSpec::Genotype {
            genotype: Genotype::Shared {
                normal: darts_cell(&[
                    ("none", 0),
                    ("sep_conv_3x3", 1),
                    ("skip_connect", 0),
                    ("avg_pool_3x3", 2),
                    ("dil_conv_3x3", 1),
                    ("none", 2),
                    ("max_pool_3x3", 3),
                    ("sep_conv_5x5", 4),
                ]),
                reduce: darts_cell(&[
                    ("none", 0),
                    ("none", 1),
                    ("skip_connect", 0),
                    ("max_pool_3x3", 1),
                    ("avg_pool_3x3", 1),
                    ("skip_connect", 3),
                    ("dil_conv_5x5", 0),
                    ("sep_conv_3x3", 2),
                ]),
            },
        },
        HeadSpec::Classifier { classes: 5 },
        true,
        darts_ops_darts(),
    );
    odd_darts.image_size = 7;
    let odd_nb201 = nb201_net(
        4,
        1,
        CellSpec::Genotype {
            genotype: Genotype::Shared {
                normal: nb201_cell(true),
                reduce: nb201_cell(true),
            },
        },
        HeadSpec::Classifier { classes: 3 },
        1,
        9,
    );
    vec![
        Case {
            name: "quickstart",
            program: example("examples/quickstart.nas", "tune"),
            stage: "tune",
            genotype: Some(Genotype::PerCell { cells: quick_cells }),
            params: None,
        },
        Case {
            name: "nb201",
            program: example("examples/nb201.nas", "tune"),
            stage: "tune",
            genotype: Some(Genotype::Shared {
                normal: nb201_cell(false),
                reduce: nb201_cell(false),
            }),
            params: None,
        },
        Case {
            name: "darts_v2",
            program: example("examples/darts_supervised.nas", "darts_v2"),
            stage: "darts_v2",
            genotype: None,
            params: Some(3_349_342),
        },
        Case {
            name: "odd_darts",
            program: one_stage(odd_darts),
            stage: "net",
            genotype: None,
            params: None,
        },
        Case {
            name: "odd_nb201",
            program: one_stage(odd_nb201),
            stage: "net",
            genotype: None,
            params: None,
        },
    ]
}

/// The stage's network with its cells filled in, and the derive stage it reads them from.
fn network(case: &Case) -> (NetworkSpec, Option<String>) {
    let st = case
        .program
        .pipeline
        .stages
        .iter()
        .find(|s| s.name == case.stage)
        .unwrap();
    let mut spec = st.kind.network().expect("a network").clone();
    let cell = match &mut spec.family {
        Family::Darts(d) => &mut d.cell,
        Family::Nb201(n) => &mut n.cell,
    };
    let from = match cell.clone() {
        CellSpec::Derived { stage } => {
            *cell = CellSpec::Genotype {
                genotype: case.genotype.clone().expect("a derived genotype"),
            };
            Some(stage)
        }
        _ => None,
    };
    (spec, from)
}

fn uniform(rng: &mut ChaCha8Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(lo..hi)).collect()
}

/// Random weights; batch-norm scales and shifts drawn, running statistics set to those of
/// one training-mode pass (so that activations keep their scale through every cell).
///
/// The scales are drawn in [0.2, 0.5], not around 1: at unit gain a random 20-cell DARTS
/// network is chaotic, float32 rounding grows about 1.4x per cell, and PyTorch's and
/// onnxruntime's float32 logits then differ from float64 by 1e-4 as much as nas's do. A
/// contractive network lets the 1e-4 tolerance measure the export instead of the chaos
/// (a wrong op, padding or weight still moves the logits by far more than that).
fn calibrated(spec: &NetworkSpec, rng: &mut ChaCha8Rng) -> Network {
    let net = Network::new(spec, None, rng, DType::F32, &Device::Cpu).unwrap();
    for (name, var) in net.params().iter().chain(net.buffers()) {
        let n = var.elem_count();
        let values =
            if var.dims().len() != 1 || name.starts_with("classifier") || name.starts_with("aux") {
                continue;
            } else if name.ends_with(".weight") {
                uniform(rng, n, 0.2, 0.5)
            } else if name.ends_with(".bias") {
                uniform(rng, n, -0.1, 0.1)
            } else {
                vec![0.0; n]
            };
        var.set(&Tensor::from_vec(values, n, &Device::Cpu).unwrap())
            .unwrap();
    }
    let s = spec.image_size;
    let x = Tensor::from_vec(
        uniform(rng, 8 * spec.in_channels * s * s, -2.0, 2.0),
        (8, spec.in_channels, s, s),
        &Device::Cpu,
    )
    .unwrap();
    net.forward_t(&x, true).unwrap();
    // from zero, one update leaves 0.1 x the batch statistics (momentum 0.1)
    for (name, var) in net.buffers() {
        assert!(
            name.ends_with("running_mean") || name.ends_with("running_var"),
            "{name}"
        );
        var.set(&(var.as_tensor() * 10.0).unwrap()).unwrap();
    }
    net
}

fn json(path: &Path, v: &impl serde::Serialize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

/// The run folder of `case` in `dir`, and the engine's logits on 16 inputs.
fn write_case(case: &Case, dir: &Path) {
    let (spec, from) = network(case);
    json(&dir.join("pipeline.ir.json"), &case.program);
    if let Some(derive) = &from {
        let g = serde_json::json!({ "genotype": case.genotype });
        json(&dir.join(derive).join("genotype.json"), &g);
        json(&dir.join(derive).join("done.json"), &serde_json::json!({}));
    }
    let stage = dir.join(case.stage);
    json(&stage.join("done.json"), &serde_json::json!({}));
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    let net = calibrated(&spec, &mut rng);
    net.save(&stage.join("weights.safetensors")).unwrap();
    let s = spec.image_size;
    let x = Tensor::from_vec(
        uniform(&mut rng, 16 * spec.in_channels * s * s, -2.0, 2.0),
        (16, spec.in_channels, s, s),
        &Device::Cpu,
    )
    .unwrap();
    let logits = net.forward_t(&x, false).unwrap().out;
    // the same weights in float64: how far float32 rounding alone moves the logits
    let net64 = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    net64.load(&stage.join("weights.safetensors")).unwrap();
    let x64 = x.to_dtype(DType::F64).unwrap();
    let logits64 = net64
        .forward_t(&x64, false)
        .unwrap()
        .out
        .to_dtype(DType::F32)
        .unwrap();
    let reference = HashMap::from([
        ("input".to_string(), x),
        ("logits".to_string(), logits),
        ("logits_f64".to_string(), logits64),
    ]);
    candle_core::safetensors::save(&reference, dir.join("reference.safetensors")).unwrap();
    if let Some(p) = case.params {
        json(
            &dir.join("expect.json"),
            &serde_json::json!({ "params": p }),
        );
    }
}

fn export(dir: &Path, stage: &str, format: &str, out: &Path) {
    let o = crate::nas()
        .arg("export")
        .arg(dir)
        .args(["--stage", stage, "--format", format, "--out"])
        .arg(out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{}: {err}", dir.display());
}

#[test]
#[ignore = "needs the Python environment of python/ci.sh (NAS_PYTHON), which runs it in CI"]
fn onnx_and_nas_torch_match_the_engine() {
    crate::support::at_root();
    let python = std::env::var("NAS_PYTHON")
        .expect("NAS_PYTHON must name the Python of the environment python/ci.sh creates");
    let root = std::env::temp_dir().join(format!("nas_export_python_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut dirs: Vec<PathBuf> = Vec::new();
    for case in cases() {
        let dir = root.join(case.name);
        write_case(&case, &dir);
        export(&dir, case.stage, "onnx", &dir.join("model.onnx"));
        export(&dir, case.stage, "torch", &dir.join("torch"));
        dirs.push(dir);
    }
    let o = std::process::Command::new(&python)
        .arg("python/tests/check_export.py")
        .args(&dirs)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let out = String::from_utf8_lossy(&o.stdout);
    println!("{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(o.status.success(), "check_export.py failed:\n{out}");
    assert!(
        out.contains(&format!("{} passed, 0 failed", dirs.len())),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
