//! A tiny SSWP pipeline built directly as IR (digits, 3 cells, C=4), shared by the run
//! tests so they do not depend on the front end.

#![allow(dead_code)]

use nas_ir::specs::{darts_ops_sswp, search_cells};
use nas_ir::*;

pub fn sgd(lr: f64) -> OptimSpec {
    OptimSpec {
        kind: OptimKind::Sgd {
            momentum: 0.9,
            nesterov: false,
        },
        lr,
        weight_decay: 4e-5,
        clip_norm: Some(5.0),
        schedule: ScheduleSpec {
            kind: ScheduleKind::Cosine { min_lr: 0.0 },
            per: SchedulePer::Epoch,
            warmup_epochs: 0.0,
        },
        span: Span::default(),
    }
}

pub fn adam() -> OptimSpec {
    OptimSpec {
        kind: OptimKind::Adam {
            beta1: 0.0,
            beta2: 0.999,
            eps: 1e-8,
        },
        lr: 3e-2,
        weight_decay: 0.0,
        clip_norm: None,
        schedule: ScheduleSpec {
            kind: ScheduleKind::Constant,
            per: SchedulePer::Epoch,
            warmup_epochs: 0.0,
        },
        span: Span::default(),
    }
}

fn phase(name: &str, epochs: usize, arch: bool, freeze: Option<FreezeOrder>) -> PhaseSpec {
    PhaseSpec {
        name: name.into(),
        until: Transition::Epochs { epochs },
        arch_updates: arch,
        drop: arch || freeze.is_some(),
        freeze,
        select: None,
        span: Span::default(),
    }
}

pub fn digits() -> DatasetSpec {
    DatasetSpec {
        source: DataSource::Digits,
        image_size: 8,
        channels: 1,
        classes: Some(10),
        mean: vec![0.3],
        std: vec![0.4],
        limit: Some(160),
        test_limit: Some(50),
        span: Span::default(),
    }
}

pub fn views() -> AugmentSpec {
    AugmentSpec {
        views: 2,
        steps: vec![
            AugStep::RandomResizedCrop {
                size: 8,
                scale: (0.5, 1.0),
                ratio: (0.75, 4.0 / 3.0),
                sampling: Default::default(),
            },
            AugStep::Normalize {
                mean: vec![0.3],
                std: vec![0.4],
            },
        ],
        span: Span::default(),
    }
}

/// Search (1 warm-up, 2 search, 2 freeze epochs; 3 steps each) then derive.
pub fn tiny_program(seed: u64) -> Program {
    let network = NetworkSpec {
        family: Family::Darts(DartsNet {
            stem: StemKind::Cifar,
            cells: 3,
            channels: 4,
            reductions: vec![1, 2],
            nodes: 4,
            multiplier: 4,
            stem_multiplier: 3,
            affine: false,
            ops: darts_ops_sswp(),
            cell: search_cells(AlphaSharing::PerCell, EdgeMode::TwoPath),
        }),
        in_channels: 1,
        image_size: 8,
        head: HeadSpec::Mlp {
            hidden: vec![32],
            out: 16,
        },
        auxiliary: None,
        span: Span::default(),
    };
    let search = SearchSpec {
        network,
        views: views(),
        objective: ObjectiveSpec::Simclr { temperature: 0.5 },
        sampler: SamplerSpec::TwoPath {
            skip_drop: 0.2,
            pool_drop: 0.0,
        },
        batch: 16,
        split: 0.5,
        weights: sgd(0.05),
        arch: adam(),
        arch_every: 1,
        phases: vec![
            phase("warmup", 1, false, None),
            phase("search", 2, true, None),
            phase("freeze", 2, true, Some(FreezeOrder::Forward)),
        ],
        epochs: 5,
        steps_per_epoch: Some(3),
        span: Span::default(),
    };
    let derive = DeriveSpec {
        search: "search".into(),
        edges_per_node: 2,
        max_skip: Some(2),
        max_pool: Some(2),
        span: Span::default(),
    };
    Program {
        format_version: FORMAT_VERSION,
        pipeline: Pipeline {
            name: "tiny".into(),
            seed,
            data: digits(),
            stages: vec![
                Stage {
                    name: "search".into(),
                    after: vec![],
                    kind: StageKind::SslSearch(search),
                    span: Span::default(),
                },
                Stage {
                    name: "derive".into(),
                    after: vec!["search".into()],
                    kind: StageKind::Derive(derive),
                    span: Span::default(),
                },
            ],
            span: Span::default(),
        },
    }
}

pub fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("nas_test_{tag}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The tiny search's network with its cells from the derive stage and a classifier.
pub fn derived_classifier() -> NetworkSpec {
    let p = tiny_program(0);
    let StageKind::SslSearch(s) = &p.pipeline.stages[0].kind else {
        unreachable!()
    };
    let mut n = s.network.clone();
    if let Family::Darts(d) = &mut n.family {
        d.cell = CellSpec::Derived {
            stage: "derive".into(),
        };
        d.affine = true;
    }
    n.head = HeadSpec::Classifier { classes: 10 };
    n
}

pub fn supervised(init: InitSpec, frozen: bool) -> SupervisedSpec {
    SupervisedSpec {
        network: derived_classifier(),
        init,
        labels: 0.5,
        val_fraction: 0.2,
        epochs: 2,
        steps_per_epoch: Some(3),
        batch: 16,
        optim: sgd(0.05),
        augment: AugmentSpec {
            views: 1,
            steps: vec![AugStep::Normalize {
                mean: vec![0.3],
                std: vec![0.4],
            }],
            span: Span::default(),
        },
        frozen_features: frozen,
        drop_path: 0.1,
        seeds: vec![1, 2],
        span: Span::default(),
    }
}

/// The tiny search + derive followed by one stage of every evaluation kind.
pub fn tiny_with_every_stage() -> Program {
    let mut p = tiny_program(3);
    let st = |name: &str, after: &[&str], kind| Stage {
        name: name.into(),
        after: after.iter().map(|s| s.to_string()).collect(),
        kind,
        span: Span::default(),
    };
    let mut pretrain_net = derived_classifier();
    pretrain_net.head = HeadSpec::Mlp {
        hidden: vec![32],
        out: 16,
    };
    p.pipeline.stages.extend([
        st(
            "tune",
            &["derive"],
            StageKind::Finetune(supervised(InitSpec::Preserved, false)),
        ),
        st(
            "scratch",
            &["derive"],
            StageKind::Train(supervised(InitSpec::Random, false)),
        ),
        st(
            "probe",
            &["derive"],
            StageKind::LinearEval(supervised(InitSpec::Preserved, true)),
        ),
        st(
            "knn",
            &["derive"],
            StageKind::Knn(KnnSpec {
                network: derived_classifier(),
                init: InitSpec::Preserved,
                k: 5,
                temperature: 0.1,
                labels: 0.5,
                span: Span::default(),
            }),
        ),
        st(
            "pretrain",
            &["derive"],
            StageKind::SslTrain(SslTrainSpec {
                network: pretrain_net,
                init: InitSpec::Random,
                views: views(),
                objective: ObjectiveSpec::Simclr { temperature: 0.5 },
                epochs: 2,
                steps_per_epoch: Some(3),
                batch: 16,
                optim: sgd(0.05),
                span: Span::default(),
            }),
        ),
        st(
            "two_stage",
            &["pretrain"],
            StageKind::Finetune(supervised(
                InitSpec::Stage {
                    stage: "pretrain".into(),
                },
                false,
            )),
        ),
    ]);
    p
}
