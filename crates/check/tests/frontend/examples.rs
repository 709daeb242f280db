//! Every example and standard module checks cleanly; the IR of the examples round-trips
//! through JSON, keeps stages in dependency order, and is pinned by a snapshot per pipeline.

use std::path::{Path, PathBuf};

use nas_check::resolve::{stdlib, LoadOptions};
use nas_check::{compile_file, compile_std, compile_text, Select};
use nas_ir::*;

fn nas_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "nas"))
        .collect();
    v.sort();
    v
}

fn program(path: &str) -> Program {
    let c = compile_file(Path::new(path), &crate::without_data(), &Select::default());
    assert!(c.diags.is_empty(), "{path}: {:?}", c.diags);
    assert_eq!(c.programs.len(), 1, "{path}");
    c.programs.into_iter().next().expect("one program")
}

fn stage<'p>(p: &'p Program, name: &str) -> &'p StageKind {
    &p.pipeline
        .stages
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no stage {name}"))
        .kind
}

/// Examples that read the whole of CIFAR-10 from `data/cifar-10-batches-bin`, which the
/// repository does not ship: with the data probe, they report only that.
const NEEDS_FULL_CIFAR: &[&str] = &["cifar10", "darts_supervised", "nb201"];

#[test]
fn every_example_and_stdlib_file_checks_without_diagnostics() {
    crate::support::at_root();
    let files: Vec<PathBuf> = nas_files("examples")
        .into_iter()
        .chain(nas_files("stdlib"))
        .collect();
    assert!(files.len() >= 11, "{files:?}");
    for f in files {
        let c = compile_file(&f, &crate::without_data(), &Select::default());
        assert!(c.diags.is_empty(), "{}: {:#?}", f.display(), c.diags);
        // with the data: clean, except that full CIFAR-10 is where a user keeps it
        let library = f.starts_with("stdlib");
        let stem = f.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
        if !library {
            let c = compile_file(&f, &LoadOptions::default(), &Select::default());
            let codes: Vec<&str> = c.diags.iter().map(|d| d.code).collect();
            if NEEDS_FULL_CIFAR.contains(&stem) {
                assert!(
                    codes.iter().all(|c| *c == "nas::check::data_missing"),
                    "{}: {codes:?}",
                    f.display()
                );
            } else {
                assert!(codes.is_empty(), "{}: {:#?}", f.display(), c.diags);
            }
        }
    }
    for (module, _) in stdlib::STDLIB {
        let c = compile_std(module, &LoadOptions::default());
        assert!(c.diags.is_empty(), "std.{module}: {:#?}", c.diags);
    }
}

#[test]
fn every_stdlib_definition_has_a_doc_comment() {
    crate::support::at_root();
    for f in nas_files("stdlib") {
        let text = std::fs::read_to_string(&f).expect("read");
        let (file, _) = nas_syntax::parse(nas_syntax::source::SourceId(0), &text);
        for item in file.expect("parses").items {
            let (name, doc) = match item {
                nas_syntax::ast::Item::Def(d) => (d.name.name, d.doc),
                nas_syntax::ast::Item::Pipeline(p) => (p.name.name, p.doc),
                _ => continue,
            };
            assert!(
                doc.is_some_and(|d| !d.is_empty()),
                "{}: `{name}` has no doc comment",
                f.display()
            );
        }
    }
}

#[test]
fn ir_round_trips_through_json_and_orders_stages() {
    crate::support::at_root();
    let programs = nas_files("examples").into_iter().flat_map(|f| {
        let c = compile_file(&f, &crate::without_data(), &Select::default());
        assert!(c.diags.is_empty(), "{}: {:?}", f.display(), c.diags);
        assert!(!c.programs.is_empty(), "{}", f.display());
        c.programs.into_iter().map(move |p| (f.clone(), p))
    });
    for (f, p) in programs {
        let json = serde_json::to_string(&p).expect("serialise");
        let back: Program = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, p, "{}", f.display());
        assert_eq!(serde_json::to_string(&back).expect("serialise"), json);
        let mut seen: Vec<&str> = Vec::new();
        for s in &p.pipeline.stages {
            for a in &s.after {
                assert!(
                    seen.contains(&a.as_str()),
                    "{}: {} runs before {a}",
                    f.display(),
                    s.name
                );
            }
            seen.push(&s.name);
        }
    }
}

fn darts(net: &NetworkSpec) -> &DartsNet {
    match &net.family {
        Family::Darts(d) => d,
        other => panic!("not a DARTS network: {other:?}"),
    }
}

#[test]
fn darts_v2_lowers_to_the_published_network() {
    crate::support::at_root();
    let p = program("examples/darts_supervised.nas");
    let StageKind::Train(t) = stage(&p, "darts_v2") else {
        panic!("train stage")
    };
    let d = darts(&t.network);
    assert_eq!((d.cells, d.channels, d.nodes, d.multiplier), (20, 36, 4, 4));
    assert_eq!(d.reductions, vec![6, 13]);
    assert!(d.affine);
    assert_eq!(d.stem, StemKind::Cifar);
    assert_eq!(t.network.head, HeadSpec::Classifier { classes: 10 });
    assert_eq!((t.network.in_channels, t.network.image_size), (3, 32));
    assert_eq!(
        t.network.auxiliary,
        Some(AuxSpec {
            classes: 10,
            weight: 0.4
        })
    );
    let names: Vec<&str> = d.ops.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "none",
            "max_pool_3x3",
            "avg_pool_3x3",
            "skip_connect",
            "sep_conv_3x3",
            "sep_conv_5x5",
            "dil_conv_3x3",
            "dil_conv_5x5"
        ]
    );
    // quark0/darts cnn/genotypes.py DARTS_V2, as published.
    let pairs = |v: &[(&str, usize)]| -> Vec<Vec<GenoEdge>> {
        v.chunks(2)
            .map(|c| {
                c.iter()
                    .map(|(op, input)| GenoEdge {
                        op: op.to_string(),
                        input: *input,
                    })
                    .collect()
            })
            .collect()
    };
    let normal = pairs(&[
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 0),
        ("sep_conv_3x3", 1),
        ("sep_conv_3x3", 1),
        ("skip_connect", 0),
        ("skip_connect", 0),
        ("dil_conv_3x3", 2),
    ]);
    let reduce = pairs(&[
        ("max_pool_3x3", 0),
        ("max_pool_3x3", 1),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
        ("max_pool_3x3", 0),
        ("skip_connect", 2),
        ("skip_connect", 2),
        ("max_pool_3x3", 1),
    ]);
    let expected = Genotype::Shared {
        normal: CellGenotype {
            nodes: normal,
            concat: vec![2, 3, 4, 5],
        },
        reduce: CellGenotype {
            nodes: reduce,
            concat: vec![2, 3, 4, 5],
        },
    };
    assert_eq!(d.cell, CellSpec::Genotype { genotype: expected });
    let sep = &d.ops[4].body;
    let Prim::Seq { items } = sep else {
        panic!("sep_conv is a sequence")
    };
    assert_eq!(items.len(), 8);
    assert_eq!(
        items[1],
        Prim::Conv {
            kernel: 3,
            stride: Stride::Edge,
            dilation: 1,
            depthwise: true
        }
    );
    assert_eq!(
        items[5],
        Prim::Conv {
            kernel: 3,
            stride: Stride::One,
            dilation: 1,
            depthwise: true
        }
    );
}

/// The IR of every pipeline of every example, as `nas ir` prints it, pinned by a snapshot
/// (`snapshots/frontend__examples__ir__<file>__<pipeline>.snap`). It holds every default the
/// recipes fill in: the official SSWP settings (reference §1: batch 96, lr 0.025, 300
/// epochs, the 7 ops, ...) in `cifar10`, the calibration's in `semi_supervised`. A change to
/// a default or to lowering shows here as a diff to review (`INSTA_UPDATE=always cargo test
/// -p nas-check` rewrites them).
#[test]
fn the_ir_of_every_example_pipeline_is_as_recorded() {
    crate::support::at_root();
    let mut count = 0;
    for f in nas_files("examples") {
        let c = compile_file(&f, &crate::without_data(), &Select::default());
        assert!(c.diags.is_empty(), "{}: {:?}", f.display(), c.diags);
        let file = f.file_stem().unwrap().to_string_lossy().into_owned();
        for p in &c.programs {
            let name = format!("ir__{file}__{}", p.pipeline.name);
            // a look-up's table hash is the shared table's, not the program's: redacted, so
            // the snapshot pins what the program says
            insta::assert_json_snapshot!(name, p, {
                ".**.table_hash" => "[hash of the table file]",
            });
            count += 1;
        }
    }
    assert!(count >= 20, "only {count} example pipelines");
}

#[test]
fn overrides_change_a_reused_pipeline_without_copying_it() {
    crate::support::at_root();
    let p = program("examples/quickstart.nas");
    assert_eq!(p.pipeline.seed, 7);
    assert_eq!(p.pipeline.data.source, DataSource::Digits);
    assert_eq!(
        (
            p.pipeline.data.channels,
            p.pipeline.data.image_size,
            p.pipeline.data.classes
        ),
        (1, 8, Some(10))
    );
    let StageKind::SslSearch(s) = stage(&p, "search") else {
        panic!()
    };
    assert_eq!(s.steps_per_epoch, Some(10));
    assert_eq!(s.weights.lr, 0.05);
    assert_eq!((s.batch, s.epochs), (32, 6));
    let d = darts(&s.network);
    assert_eq!(
        (d.cells, d.channels, d.reductions.clone()),
        (4, 8, vec![1, 2])
    );
    assert_eq!(s.views.steps.len(), 2);
    let names: Vec<&str> = p.pipeline.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["search", "derive", "tune", "scratch"]);
}

#[test]
fn nb201_strings_become_genotypes() {
    crate::support::at_root();
    let p = program("examples/nb201.nas");
    let StageKind::Train(t) = stage(&p, "best") else {
        panic!()
    };
    let Family::Nb201(n) = &t.network.family else {
        panic!()
    };
    let CellSpec::Genotype {
        genotype: Genotype::Shared { normal, .. },
    } = &n.cell
    else {
        panic!()
    };
    let e = |op: &str, input| GenoEdge {
        op: op.into(),
        input,
    };
    assert_eq!(
        normal.nodes,
        vec![
            vec![e("nor_conv_3x3", 0)],
            vec![e("nor_conv_3x3", 0), e("nor_conv_3x3", 1)],
            vec![
                e("skip_connect", 0),
                e("nor_conv_3x3", 1),
                e("nor_conv_3x3", 2)
            ],
        ]
    );
    let StageKind::SslSearch(s) = stage(&p, "search") else {
        panic!()
    };
    assert_eq!(
        s.phases[1].until,
        Transition::When {
            condition: Condition::ArchStable { epochs: 10 },
            max_epochs: 90
        }
    );
}

fn eval_int(expr: &str) -> i64 {
    let src = format!("import std.data\npipeline p {{\n data = data.digits(limit = {expr})\n}}\n");
    let c = compile_text(
        "t.nas",
        &src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    );
    assert!(!c.has_errors(), "{expr}: {:?}", c.diags);
    c.programs[0].pipeline.data.limit.expect("limit") as i64
}

#[test]
fn percentages_and_arithmetic() {
    crate::support::at_root();
    assert_eq!(eval_int("20% of 300"), 60);
    assert_eq!(eval_int("300 - 20% of 300 - 40% of 300"), 120);
    assert_eq!(eval_int("2 * 3 + 4"), 10);
    assert_eq!(eval_int("(2 + 3) * 4"), 20);
    assert_eq!(eval_int("7 / 2"), 3);
    assert_eq!(eval_int("50% of 3"), 1);
}

#[test]
fn every_stage_kind_lowers() {
    crate::support::at_root();
    let p = program("tests/data/ok/all_kinds.nas");
    let StageKind::SslTrain(pre) = stage(&p, "pre") else {
        panic!()
    };
    assert_eq!(pre.init, InitSpec::Random);
    assert_eq!(
        pre.network.head,
        HeadSpec::Mlp {
            hidden: vec![64],
            out: 128
        }
    );
    let StageKind::Knn(probe) = stage(&p, "probe") else {
        panic!()
    };
    assert_eq!(
        (probe.init.clone(), probe.k),
        (
            InitSpec::Stage {
                stage: "pre".into()
            },
            5
        )
    );
    assert_eq!(probe.network.head, HeadSpec::Features);
    let StageKind::SslSearch(s) = stage(&p, "search") else {
        panic!()
    };
    assert_eq!(s.sampler, SamplerSpec::Darts);
    assert!(!s.phases[0].drop);
    let cond = Condition::Metric {
        metric: "alpha_entropy".into(),
        cmp: Cmp::Le,
        value: 0.5,
    };
    assert_eq!(
        s.phases[0].until,
        Transition::When {
            condition: cond,
            max_epochs: 3
        }
    );
    let StageKind::Knn(k2) = stage(&p, "k2") else {
        panic!()
    };
    assert_eq!(k2.init, InitSpec::Preserved);
    assert_eq!(
        darts(&k2.network).cell,
        CellSpec::Derived { stage: "d".into() }
    );
    let probe_stage = p
        .pipeline
        .stages
        .iter()
        .find(|s| s.name == "probe")
        .expect("probe");
    assert_eq!(probe_stage.after, vec!["pre".to_string()]);
}

/// The pipeline `name` of examples/semi_supervised.nas.
fn semi_supervised(name: &str) -> Program {
    let select = Select {
        pipeline: Some(name.into()),
    };
    let c = compile_file(
        Path::new("examples/semi_supervised.nas"),
        &LoadOptions::default(),
        &select,
    );
    assert!(c.diags.is_empty(), "{name}: {:?}", c.diags);
    c.programs
        .into_iter()
        .find(|p| p.pipeline.name == name)
        .unwrap_or_else(|| panic!("no pipeline {name}"))
}

#[test]
fn the_calibrations_view_options_lower_and_defaults_stay_out_of_the_ir() {
    crate::support::at_root();
    let calib = semi_supervised("calibration_views");
    let StageKind::SslSearch(s) = stage(&calib, "search") else {
        panic!("search")
    };
    assert!(matches!(
        s.views.steps[0],
        AugStep::RandomResizedCrop {
            size: 32,
            sampling: CropSampling::Affine,
            ..
        }
    ));
    assert!(matches!(
        s.views.steps[2],
        AugStep::ColorJitter {
            order: JitterOrder::Fixed,
            hue_space: HueSpace::Yiq,
            p,
            ..
        } if p == 0.8
    ));
    let StageKind::SslTrain(t) = stage(&calib, "pretrain") else {
        panic!("pretrain")
    };
    assert_eq!(
        t.views.steps, s.views.steps,
        "the two-stage arm sees the same views"
    );

    // The torchvision defaults are not serialised, so stages written before these options
    // existed keep their hashes (and their run folders stay resumable).
    let plain = semi_supervised("semi_supervised_6");
    let StageKind::SslSearch(s) = stage(&plain, "search") else {
        panic!("search")
    };
    assert!(matches!(
        s.views.steps[0],
        AugStep::RandomResizedCrop {
            sampling: CropSampling::Torchvision,
            ..
        }
    ));
    let json = serde_json::to_string(&s.views).unwrap();
    for key in ["sampling", "order", "hue_space"] {
        assert!(!json.contains(key), "{key} in {json}");
    }
    let calib_json = serde_json::to_string(&stage(&calib, "search")).unwrap();
    assert!(
        calib_json.contains(r#""sampling":"affine""#),
        "{calib_json}"
    );
    let back: StageKind = serde_json::from_str(&calib_json).unwrap();
    assert_eq!(&back, stage(&calib, "search"));
}

#[test]
fn the_calibration_views_sweep_changes_only_the_search_and_pretrain_epochs() {
    crate::support::at_root();
    let six = semi_supervised("calibration_views");
    for (name, epochs) in [("calibration_views_18", 18), ("calibration_views_36", 36)] {
        let point = semi_supervised(name);
        let (StageKind::SslSearch(s6), StageKind::SslSearch(s)) =
            (stage(&six, "search"), stage(&point, "search"))
        else {
            panic!("{name}: search")
        };
        assert_eq!(s.epochs, epochs, "{name}");
        assert_eq!(s.views, s6.views, "{name}: the calibration's views");
        // everything else is the 6-epoch search (the phases scale with the epochs)
        let same = SearchSpec {
            epochs: s.epochs,
            phases: s.phases.clone(),
            ..s6.clone()
        };
        assert_eq!(s, &same, "{name}: search");
        let (StageKind::SslTrain(t6), StageKind::SslTrain(t)) =
            (stage(&six, "pretrain"), stage(&point, "pretrain"))
        else {
            panic!("{name}: pretrain")
        };
        assert_eq!(
            t.epochs, epochs,
            "{name}: (c) gets as many SSL steps as the search"
        );
        assert_eq!(t.views, t6.views, "{name}");
        let same = SslTrainSpec {
            epochs: t.epochs,
            ..t6.clone()
        };
        assert_eq!(t, &same, "{name}: pretrain");
        let names = |p: &Program| {
            p.pipeline
                .stages
                .iter()
                .map(|s| s.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&point), names(&six), "{name}: the same arms");
        for tune in ["tune_preserved", "tune_random", "tune_two_stage"] {
            assert_eq!(stage(&point, tune), stage(&six, tune), "{name}: {tune}");
        }
    }
}
