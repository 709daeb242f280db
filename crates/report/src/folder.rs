//! Reading a run folder: `pipeline.ir.json`, and for every finished stage of it `done.json`
//! and (training stages) `metrics.jsonl`. A stage without `done.json` has not finished (an
//! interrupted run, or one still running): it is listed as unfinished and left out of the
//! tables. Reading never writes; a file that exists but cannot be read or parsed is an error
//! naming it.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::error::ReportError;
use nas_ir::outputs::{
    DeriveDone, Done, KnnDone, LookupDone, Outcome, SslDone, SslEpoch, SupervisedDone,
    SupervisedEpoch, OUTPUT_VERSION,
};
use nas_ir::{Program, Stage, StageKind};

/// Everything a report needs from one run folder.
#[derive(Debug, Clone)]
pub struct RunFolder {
    pub dir: PathBuf,
    pub program: Program,
    /// The finished stages, in the pipeline's execution order.
    pub stages: Vec<StageRecord>,
    /// Stages without a `done.json`, in order.
    pub unfinished: Vec<String>,
}

/// One finished stage: its IR, its `done.json` and its per-epoch metrics.
#[derive(Debug, Clone)]
pub struct StageRecord {
    pub stage: Stage,
    pub done: Done,
    pub metrics: Metrics,
}

/// The lines of a stage's `metrics.jsonl`, typed by the stage's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Metrics {
    /// Stages that write none (derive, knn).
    None,
    /// `ssl_search`, `ssl_train`: one line per epoch.
    Ssl(Vec<SslEpoch>),
    /// `finetune`, `train`, `linear_eval`: one line per epoch and seed.
    Supervised(Vec<SupervisedEpoch>),
}

/// A per-epoch quantity of the metrics that the report draws or summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Loss,
    AlphaEntropy,
    ImagesPerSec,
    TrainAcc,
    ValAcc,
}

impl Metrics {
    /// `(epoch + 1, value)` of `metric` for every line (of `seed`, when given) that has it
    /// as a finite number.
    fn series(&self, metric: Metric, seed: Option<u64>) -> Vec<(f64, f64)> {
        let point = |epoch: usize, v: Option<f64>| {
            v.filter(|v| v.is_finite()).map(|v| (epoch as f64 + 1.0, v))
        };
        match self {
            Metrics::None => Vec::new(),
            Metrics::Ssl(lines) => lines
                .iter()
                .filter_map(|m| {
                    let v = match metric {
                        Metric::Loss => Some(m.loss),
                        Metric::AlphaEntropy => Some(m.alpha_entropy),
                        Metric::ImagesPerSec => Some(m.images_per_sec),
                        Metric::TrainAcc | Metric::ValAcc => None,
                    };
                    point(m.epoch, v)
                })
                .collect(),
            Metrics::Supervised(lines) => lines
                .iter()
                .filter(|m| seed.is_none_or(|s| s == m.seed))
                .filter_map(|m| {
                    let v = match metric {
                        Metric::Loss => Some(m.loss),
                        Metric::ImagesPerSec => Some(m.images_per_sec),
                        Metric::TrainAcc => Some(m.train_acc),
                        Metric::ValAcc => m.val_acc,
                        Metric::AlphaEntropy => None,
                    };
                    point(m.epoch, v)
                })
                .collect(),
        }
    }
}

impl RunFolder {
    /// Read `dir`; fails on the first missing or unparsable file.
    pub fn read(dir: &Path) -> Result<RunFolder, ReportError> {
        let not_a_run = |reason: &str| ReportError::NotARun {
            path: dir.to_path_buf(),
            reason: reason.into(),
        };
        if !dir.is_dir() {
            return Err(not_a_run(if dir.exists() {
                "not a folder"
            } else {
                "no such folder"
            }));
        }
        let ir_path = dir.join("pipeline.ir.json");
        let text = match fs::read_to_string(&ir_path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(not_a_run("it has no pipeline.ir.json"))
            }
            Err(source) => {
                return Err(ReportError::Read {
                    path: ir_path,
                    source,
                })
            }
        };
        let program: Program = serde_json::from_str(&text).map_err(|e| ReportError::BadJson {
            path: ir_path.clone(),
            line: None,
            message: e.to_string(),
        })?;
        let mut stages = Vec::new();
        let mut unfinished = Vec::new();
        for s in &program.pipeline.stages {
            match StageRecord::read(&dir.join(&s.name), s)? {
                Some(rec) => stages.push(rec),
                None => unfinished.push(s.name.clone()),
            }
        }
        Ok(RunFolder {
            dir: dir.to_path_buf(),
            program,
            stages,
            unfinished,
        })
    }

    /// The stage called `name`.
    pub fn stage(&self, name: &str) -> Option<&StageRecord> {
        self.stages.iter().find(|s| s.stage.name == name)
    }
}

/// The genotype of a derive stage whose `done.json` predates its `genotype` field: its
/// `genotype.json` holds it under `genotype` (None when that file or field is absent, as in
/// the oldest run folders; the report then shows the derive stage's text form).
fn read_genotype_file(path: &Path) -> Result<Option<nas_ir::Genotype>, ReportError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ReportError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let v: serde_json::Value = parse(path, None, &text)?;
    match v.get("genotype") {
        Some(g) => parse(path, None, &g.to_string()).map(Some),
        None => Ok(None),
    }
}

impl StageRecord {
    /// The record of a finished stage; None when it has no `done.json`.
    fn read(dir: &Path, stage: &Stage) -> Result<Option<StageRecord>, ReportError> {
        let done_path = dir.join("done.json");
        let text = match fs::read_to_string(&done_path) {
            Ok(t) => t,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(ReportError::Read {
                    path: done_path,
                    source,
                })
            }
        };
        let mut done: Done = parse(&done_path, None, &text)?;
        check_version(&done_path, None, done.format_version)?;
        if let Outcome::Derive(d) = &mut done.outcome {
            if d.genotype.is_none() {
                d.genotype = read_genotype_file(&dir.join("genotype.json"))?;
            }
        }
        if done.outcome.kind() != stage.kind.name() {
            return Err(ReportError::Field {
                path: done_path,
                line: None,
                field: "kind".into(),
                message: format!(
                    "the stage is a `{}` in pipeline.ir.json, but done.json is of a `{}`",
                    stage.kind.name(),
                    done.outcome.kind()
                ),
            });
        }
        let metrics_path = dir.join("metrics.jsonl");
        let metrics = match &stage.kind {
            StageKind::SslSearch(_) | StageKind::SslTrain(_) => {
                Metrics::Ssl(read_lines(&metrics_path, |l: &SslEpoch| l.format_version)?)
            }
            StageKind::Finetune(_) | StageKind::Train(_) | StageKind::LinearEval(_) => {
                Metrics::Supervised(read_lines(&metrics_path, |l: &SupervisedEpoch| {
                    l.format_version
                })?)
            }
            StageKind::Derive(_) | StageKind::Knn(_) | StageKind::Nb201Lookup(_) => Metrics::None,
        };
        Ok(Some(StageRecord {
            stage: stage.clone(),
            done,
            metrics,
        }))
    }

    pub fn name(&self) -> &str {
        &self.stage.name
    }

    pub fn kind(&self) -> &StageKind {
        &self.stage.kind
    }

    /// Wall-clock seconds of the stage (`done.json`'s `seconds`).
    pub fn seconds(&self) -> Option<f64> {
        Some(self.done.seconds)
    }

    /// What a self-supervised stage found.
    pub fn ssl(&self) -> Option<&SslDone> {
        match &self.done.outcome {
            Outcome::SslSearch(d) | Outcome::SslTrain(d) => Some(d),
            _ => None,
        }
    }

    /// What a supervised stage found.
    pub fn supervised(&self) -> Option<&SupervisedDone> {
        match &self.done.outcome {
            Outcome::Finetune(d) | Outcome::Train(d) | Outcome::LinearEval(d) => Some(d),
            _ => None,
        }
    }

    pub fn derive(&self) -> Option<&DeriveDone> {
        match &self.done.outcome {
            Outcome::Derive(d) => Some(d),
            _ => None,
        }
    }

    pub fn lookup(&self) -> Option<&LookupDone> {
        match &self.done.outcome {
            Outcome::Nb201Lookup(d) => Some(d),
            _ => None,
        }
    }

    pub fn knn(&self) -> Option<&KnnDone> {
        match &self.done.outcome {
            Outcome::Knn(d) => Some(d),
            _ => None,
        }
    }

    /// `(epoch + 1, value)` of `metric` for every metrics line (of `seed`, when given)
    /// where it is a finite number.
    pub fn series(&self, metric: Metric, seed: Option<u64>) -> Vec<(f64, f64)> {
        self.metrics.series(metric, seed)
    }

    /// The seeds that appear in the metrics, in order of first appearance.
    pub fn metric_seeds(&self) -> Vec<u64> {
        let mut seeds = Vec::new();
        if let Metrics::Supervised(lines) = &self.metrics {
            for l in lines {
                if !seeds.contains(&l.seed) {
                    seeds.push(l.seed);
                }
            }
        }
        seeds
    }
}

/// `text` as a `T`, or an error naming the file (and line) and what serde found wrong:
/// the field that is missing or of the wrong type.
fn parse<T: DeserializeOwned>(
    path: &Path,
    line: Option<usize>,
    text: &str,
) -> Result<T, ReportError> {
    serde_json::from_str(text).map_err(|e| ReportError::BadJson {
        path: path.to_path_buf(),
        line,
        message: e.to_string(),
    })
}

/// Refuse a file written by a newer `nas` (its fields may mean something else).
fn check_version(path: &Path, line: Option<usize>, found: u32) -> Result<(), ReportError> {
    if found > OUTPUT_VERSION {
        return Err(ReportError::Field {
            path: path.to_path_buf(),
            line,
            field: "format_version".into(),
            message: format!(
                "format version {found}, but this nas reads up to version {OUTPUT_VERSION}"
            ),
        });
    }
    Ok(())
}

/// Every line of a `metrics.jsonl` as a `T`; a missing file has no lines.
fn read_lines<T: DeserializeOwned>(
    path: &Path,
    version: impl Fn(&T) -> u32,
) -> Result<Vec<T>, ReportError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ReportError::Read {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let line: T = parse(path, Some(i + 1), l)?;
            check_version(path, Some(i + 1), version(&line))?;
            Ok(line)
        })
        .collect()
}
