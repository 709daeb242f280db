//! Fake run folders for the report tests: the IR of a real (tiny) program, with literal
//! `done.json` and `metrics.jsonl` contents instead of training, so every number in a
//! report is known in advance.

#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use nas_ir::outputs::{
    DeriveDone, DeriveResult, Done, KnnDone, KnnResult, Outcome, SeedResult, SslDone, SslEpoch,
    SslResult, SupervisedDone, SupervisedEpoch, SupervisedResult, WeightsLoad, OUTPUT_VERSION,
};
use nas_ir::{specs, InitSpec, Program, StageKind};
use serde_json::Value;

use crate::run_support::{supervised, tiny_with_every_stage};

pub fn write_json(path: &Path, v: &Value) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, serde_json::to_string_pretty(v).unwrap()).unwrap();
}

pub fn write_metrics(dir: &Path, records: &[Value]) {
    fs::create_dir_all(dir).unwrap();
    let text: String = records.iter().map(|r| format!("{r}\n")).collect();
    fs::write(dir.join("metrics.jsonl"), text).unwrap();
}

pub fn write_program(dir: &Path, p: &Program) {
    write_json(
        &dir.join("pipeline.ir.json"),
        &serde_json::to_value(p).unwrap(),
    );
}

fn done(dir: &Path, stage: &str, seconds: f64, outcome: Outcome) {
    let done = Done {
        format_version: OUTPUT_VERSION,
        hash: "0123456789abcdef".into(),
        seconds,
        files: Default::default(),
        outcome,
    };
    write_json(
        &dir.join(stage).join("done.json"),
        &serde_json::to_value(done).unwrap(),
    );
}

pub fn ssl_epoch(epoch: usize, loss: f64, alpha_entropy: f64, images_per_sec: f64) -> SslEpoch {
    SslEpoch {
        format_version: OUTPUT_VERSION,
        epoch,
        phase: "search".into(),
        loss,
        ssl_acc: 0.2,
        feature_std: 0.03,
        alpha_entropy,
        lr: 0.05,
        arch_steps: 3,
        frozen_cells: 0,
        images_per_sec,
        arch_stable_epochs: 0,
    }
}

/// A search of `losses.len()` epochs with these losses; alpha entropy falls from 1.95 by
/// 0.01 an epoch; images/s 100, 110, 120, ...
pub fn fake_search(dir: &Path, losses: &[f64]) {
    let records: Vec<Value> = losses
        .iter()
        .enumerate()
        .map(|(e, &l)| {
            let line = ssl_epoch(e, l, 1.95 - 0.01 * e as f64, 100.0 + 10.0 * e as f64);
            serde_json::to_value(line).unwrap()
        })
        .collect();
    write_metrics(&dir.join("search"), &records);
    let search = SslDone {
        result: SslResult {
            epochs: losses.len(),
            loss: losses.last().copied(),
            ssl_acc: Some(0.2),
            alpha_entropy: 1.9,
        },
        genotype: specs::darts_v2_genotype(),
    };
    done(dir, "search", 12.5, Outcome::SslSearch(search));
    let derive = DeriveDone {
        result: DeriveResult {
            copied: 179,
            fresh: 0,
            dropped: 12,
            preservation_max_abs_diff: Some(0.0),
        },
        genotype_text: "[[('sep_conv_3x3', 0), ('skip_connect', 1)]]".into(),
        genotype: Some(specs::darts_v2_genotype()),
    };
    done(dir, "derive", 0.1, Outcome::Derive(derive));
}

/// A supervised stage's files: `per_seed` = (seed, best val, test); 2 epochs per seed
/// (curves differ by seed) with images/s 200, 220, 240, ...
pub fn fake_supervised(dir: &Path, stage: &str, kind: &str, per_seed: &[(u64, Option<f64>, f64)]) {
    let mut records = Vec::new();
    for (i, (seed, val, _)) in per_seed.iter().enumerate() {
        for epoch in 0..2 {
            let (e, k) = (epoch as f64, (2 * i + epoch) as f64);
            let line = SupervisedEpoch {
                format_version: OUTPUT_VERSION,
                epoch,
                seed: *seed,
                loss: 2.0 - 0.5 * e + 0.2 * i as f64,
                train_acc: 0.3 + 0.2 * e - 0.1 * i as f64,
                // no validation split: null, as the stage writes it
                val_acc: val.map(|v| v - 0.1 * (1.0 - e)),
                lr: 0.05,
                images_per_sec: 200.0 + 20.0 * k,
            };
            records.push(serde_json::to_value(line).unwrap());
        }
    }
    write_metrics(&dir.join(stage), &records);
    let tests: Vec<f64> = per_seed.iter().map(|p| p.2).collect();
    let result = SupervisedDone {
        result: SupervisedResult {
            test_acc_mean: tests.iter().sum::<f64>() / tests.len() as f64,
            test_acc_std: 0.0,
            seeds: tests.len(),
        },
        per_seed: per_seed
            .iter()
            .map(|&(s, v, t)| SeedResult(s, v, t))
            .collect(),
        labels: 0.5,
        train_images: 64,
        val_images: 16,
        test_images: Some(100),
        // the fine-tune from preserved weights: the derived network's 179 tensors less the
        // 4 of the projection head, plus batch-norm scales and the classifier
        init_load: (stage == "tune").then(|| WeightsLoad {
            file: "derive/weights.safetensors".into(),
            copied: 175,
            unused: [("projection head".to_string(), 4)].into(),
            fresh: [
                ("batch-norm scale/shift".to_string(), 10),
                ("classifier".to_string(), 2),
            ]
            .into(),
        }),
    };
    let outcome = match kind {
        "finetune" => Outcome::Finetune(result),
        "train" => Outcome::Train(result),
        "linear_eval" => Outcome::LinearEval(result),
        other => panic!("not a supervised kind: {other}"),
    };
    done(dir, stage, 7.5, outcome);
}

fn fake_knn(dir: &Path, seconds: f64, knn_acc: f64) {
    let knn = KnnDone {
        result: KnnResult {
            knn_acc,
            k: 5,
            bank: 80,
            test_images: Some(100),
        },
        init_load: None,
    };
    done(dir, "knn", seconds, Outcome::Knn(knn));
}

/// `pretrain`: 2 epochs of ssl_train, losses 5.0 and 4.5.
fn fake_pretrain(dir: &Path) {
    let lines = [ssl_epoch(0, 5.0, 0.0, 90.0), ssl_epoch(1, 4.5, 0.0, 110.0)];
    let records: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::to_value(l).unwrap())
        .collect();
    write_metrics(&dir.join("pretrain"), &records);
    let pretrain = SslDone {
        result: SslResult {
            epochs: 2,
            loss: Some(4.5),
            ssl_acc: Some(0.2),
            alpha_entropy: 0.0,
        },
        genotype: specs::darts_v2_genotype(),
    };
    done(dir, "pretrain", 3.0, Outcome::SslTrain(pretrain));
}

/// `tiny_with_every_stage()` with every stage's files faked (see the values inside).
pub fn fake_every_stage(dir: &Path) -> Program {
    let p = tiny_with_every_stage();
    write_program(dir, &p);
    fake_search(dir, &[4.0, 3.8, 3.5, 3.3, 3.1]);
    fake_supervised(
        dir,
        "tune",
        "finetune",
        &[(1, Some(0.5), 0.419), (2, Some(0.6), 0.429)],
    );
    fake_supervised(dir, "scratch", "train", &[(1, None, 0.30), (2, None, 0.32)]);
    fake_supervised(
        dir,
        "probe",
        "linear_eval",
        &[(1, Some(0.4), 0.35), (2, Some(0.4), 0.37)],
    );
    fake_knn(dir, 1.3, 0.6125);
    fake_pretrain(dir);
    fake_supervised(
        dir,
        "two_stage",
        "finetune",
        &[(1, Some(0.45), 0.40), (2, Some(0.47), 0.41)],
    );
    p
}

/// A sweep run: `search_epochs` of search, and at 50% labels the arms (a) `tune`
/// preserved, (b) `scratch` random (a finetune here) and (c) `two_stage` from `pretrain`,
/// with these per-seed test accuracies.
pub fn fake_sweep_run(
    dir: &Path,
    search_epochs: usize,
    final_loss: f64,
    preserved: &[f64],
    random: &[f64],
    two_stage: &[f64],
) {
    let mut p = tiny_with_every_stage();
    p.pipeline.name = format!("sweep_{search_epochs}");
    for st in &mut p.pipeline.stages {
        match (&mut st.kind, st.name.as_str()) {
            (StageKind::SslSearch(s), _) => s.epochs = search_epochs,
            (kind, "scratch") => *kind = StageKind::Finetune(supervised(InitSpec::Random, false)),
            _ => {}
        }
    }
    write_program(dir, &p);
    fake_search(dir, &[final_loss + 1.0, final_loss]);
    let seeds = |v: &[f64]| -> Vec<(u64, Option<f64>, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, &t)| (i as u64, None, t))
            .collect()
    };
    fake_supervised(dir, "tune", "finetune", &seeds(preserved));
    fake_supervised(dir, "scratch", "finetune", &seeds(random));
    fake_supervised(dir, "two_stage", "finetune", &seeds(two_stage));
    fake_supervised(dir, "probe", "linear_eval", &seeds(&[0.2]));
    fake_knn(dir, 1.0, 0.5);
    fake_pretrain(dir);
}

/// Files under `dir` (none when it does not exist).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A run of pipeline `name`: a search (2 epochs, final alpha entropy 1.94, 12.5 s), a
/// derive, and an `nb201_lookup` stage `truth` that found a cell of `cifar10` percent.
pub fn fake_lookup_run(dir: &Path, name: &str, cifar10: f64) {
    let mut p = tiny_with_every_stage();
    p.pipeline.name = name.into();
    p.pipeline
        .stages
        .retain(|s| matches!(s.kind, StageKind::SslSearch(_) | StageKind::Derive(_)));
    p.pipeline.stages.push(nas_ir::Stage {
        name: "truth".into(),
        after: vec!["derive".into()],
        kind: StageKind::Nb201Lookup(nas_ir::LookupSpec {
            table: "nb201.csv".into(),
            table_hash: "0123456789abcdef".into(),
            cell: nas_ir::LookupCell::Derived {
                stage: "derive".into(),
            },
            span: Default::default(),
        }),
        span: Default::default(),
    });
    write_program(dir, &p);
    fake_search(dir, &[3.0, 2.9]);
    let look = nas_ir::outputs::LookupDone {
        result: nas_ir::outputs::LookupResult {
            arch: "|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_1x1~0|nor_conv_3x3~1|avg_pool_3x3~2|".into(),
            cifar10,
            cifar100: 70.0,
            imagenet16: 44.0,
            cifar10_percentile: 90.0,
            cifar10_top_percent: 10.0,
            cifar100_percentile: 90.0,
            imagenet16_percentile: 90.0,
            cells: 15_625,
        },
    };
    done(dir, "truth", 0.01, Outcome::Nb201Lookup(look));
}
