//! Reading a run folder: `pipeline.ir.json`, and for every finished stage of it `done.json`
//! and (training stages) `metrics.jsonl`. A stage without `done.json` has not finished (an
//! interrupted run, or one still running): it is listed as unfinished and left out of the
//! tables. Reading never writes; a file that exists but cannot be read or parsed is an error
//! naming it.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::error::ReportError;
use crate::ir::{Program, Stage, StageKind};

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
    pub done: Value,
    /// One object per epoch (per epoch and seed for supervised stages); empty when the
    /// stage writes none.
    pub metrics: Vec<Value>,
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
        let done = serde_json::from_str(&text).map_err(|e| ReportError::BadJson {
            path: done_path.clone(),
            line: None,
            message: e.to_string(),
        })?;
        Ok(Some(StageRecord {
            stage: stage.clone(),
            done,
            metrics: read_metrics(&dir.join("metrics.jsonl"))?,
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
        self.done.get("seconds").and_then(Value::as_f64)
    }

    /// A number of `done.json`'s `result`.
    pub fn result(&self, key: &str) -> Option<f64> {
        self.done.get("result")?.get(key)?.as_f64()
    }

    /// `(epoch + 1, value)` of `key` for every metrics record (of `seed`, when given)
    /// where it is a finite number.
    pub fn series(&self, key: &str, seed: Option<u64>) -> Vec<(f64, f64)> {
        self.metrics
            .iter()
            .filter(|m| seed.is_none() || m.get("seed").and_then(Value::as_u64) == seed)
            .filter_map(|m| {
                let epoch = m.get("epoch")?.as_f64()?;
                let v = m.get(key)?.as_f64()?;
                v.is_finite().then_some((epoch + 1.0, v))
            })
            .collect()
    }

    /// The seeds that appear in the metrics, in order of first appearance.
    pub fn metric_seeds(&self) -> Vec<u64> {
        let mut seeds = Vec::new();
        for s in self
            .metrics
            .iter()
            .filter_map(|m| m.get("seed").and_then(Value::as_u64))
        {
            if !seeds.contains(&s) {
                seeds.push(s);
            }
        }
        seeds
    }
}

/// Every line of a `metrics.jsonl`; a missing file has no records.
fn read_metrics(path: &Path) -> Result<Vec<Value>, ReportError> {
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
            serde_json::from_str(l).map_err(|e| ReportError::BadJson {
                path: path.to_path_buf(),
                line: Some(i + 1),
                message: e.to_string(),
            })
        })
        .collect()
}
