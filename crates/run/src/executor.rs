//! The stage-graph executor: runs a pipeline's stages in dependency order inside a run
//! folder, skips stages that already completed with the same IR, resumes interrupted ones,
//! and writes `pipeline.ir.json`. The report of the folder is not its business: the CLI
//! writes it from the folder afterwards (`nas_report`).
//!
//! Contract: a stage is complete when `<stage>/done.json` exists and records the stage's
//! hash (its own IR, the pipeline's seed and data, and the hashes of the stages it depends
//! on). Changing a stage re-runs it and everything after it.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use candle_core::Device;
use serde_json::json;

use super::checkpoint::write_atomic;
use super::ctx::{StageClock, StageCtx};
use super::error::RuntimeError;
use super::events::{Event, EventSink};
use super::hash::{file_hashes, hash_json, json_diff};
use super::lock::RunLock;
use super::rerun;
use super::stages;
use nas_ir::outputs::{Done, OUTPUT_VERSION};
use nas_ir::{Program, Stage};

/// How to run a pipeline.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The run folder (`runs/<pipeline>` by default).
    pub out: PathBuf,
    pub device: Device,
    /// Continue interrupted stages from their last checkpoint.
    pub resume: bool,
    /// Resume even when the IR differs from the one in the run folder.
    pub force: bool,
    /// Set (e.g. by Ctrl-C) to stop after the current step with a checkpoint.
    pub stop: Arc<AtomicBool>,
}

/// What a finished run produced, per stage.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Stage name -> its `done.json`.
    pub stages: Vec<(String, Done)>,
}

/// Run `program` into `opts.out`.
pub fn run(
    program: &Program,
    opts: &RunOptions,
    sink: &mut dyn EventSink,
) -> Result<RunSummary, RuntimeError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RuntimeError::Io { path, source }
    };
    // held to the end of the run: a second `nas run` into the folder is refused at once
    let _lock = RunLock::acquire(&opts.out)?;
    let ir_path = opts.out.join("pipeline.ir.json");
    let ir_json =
        serde_json::to_value(program).map_err(|e| RuntimeError::Internal(e.to_string()))?;
    let previous = check_previous_ir(&ir_path, &ir_json, opts)?;
    if let Some(old) = &previous {
        let dropped = rerun::dropped_stages(old, &ir_json);
        if !dropped.is_empty() {
            sink.emit(Event::Note {
                text: format!(
                    "{} of the folder's earlier pipeline {} not in this one: left as {}",
                    dropped
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    if dropped.len() == 1 { "is" } else { "are" },
                    if dropped.len() == 1 {
                        "it was"
                    } else {
                        "they were"
                    },
                ),
            });
        }
    }
    let pretty = serde_json::to_string_pretty(&ir_json)
        .map_err(|e| RuntimeError::Internal(e.to_string()))?;
    write_atomic(&ir_path, pretty.as_bytes()).map_err(io(&ir_path))?;

    let mut hashes: HashMap<String, String> = HashMap::new();
    let mut summary = RunSummary::default();
    // stages that run in this run (for the first time or again)
    let mut ran: Vec<String> = Vec::new();
    for stage in &program.pipeline.stages {
        let hash = stage_hash(program, stage, &hashes)?;
        hashes.insert(stage.name.clone(), hash.clone());
        let dir = opts.out.join(&stage.name);
        if let Some(done) = read_done(&dir, &hash) {
            verify_files(&dir, &stage.name, &done)?;
            sink.emit(Event::StageSkipped {
                stage: stage.name.clone(),
                reason: "completed earlier with the same IR".into(),
            });
            summary.stages.push((stage.name.clone(), done));
            continue;
        }
        let resume = opts.resume
            && (same_stage_started(&dir, &hash) || (opts.force && dir.join("checkpoint").exists()));
        if !resume {
            if let Some(reason) = rerun_reason(&dir, previous.as_ref(), &ir_json, stage, &ran) {
                sink.emit(Event::StageRerun {
                    stage: stage.name.clone(),
                    reason,
                });
            }
        }
        ran.push(stage.name.clone());
        if !resume && dir.exists() {
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        write_atomic(&dir.join("stage.hash"), hash.as_bytes()).map_err(io(&dir))?;
        let clock = StageClock::start(&dir, resume);
        let mut ctx = StageCtx {
            program,
            stage,
            dir: dir.clone(),
            out: &opts.out,
            device: &opts.device,
            resume,
            stop: &opts.stop,
            sink,
            clock,
        };
        let outcome = stages::run_stage(&mut ctx)?;
        let seconds = clock.seconds();
        let files = file_hashes(&dir).map_err(io(&dir))?;
        let record = Done {
            format_version: OUTPUT_VERSION,
            hash,
            seconds,
            files,
            outcome,
        };
        let done = serde_json::to_string_pretty(&record)
            .map_err(|e| RuntimeError::Internal(e.to_string()))?;
        write_atomic(&dir.join("done.json"), done.as_bytes()).map_err(io(&dir))?;
        sink.emit(Event::StageEnd {
            stage: stage.name.clone(),
            seconds,
        });
        summary.stages.push((stage.name.clone(), record));
    }
    Ok(summary)
}

/// Why a stage with an earlier result or attempt in `dir` runs again (none for a stage the
/// folder never held).
fn rerun_reason(
    dir: &Path,
    previous: Option<&serde_json::Value>,
    ir: &serde_json::Value,
    stage: &Stage,
    ran: &[String],
) -> Option<String> {
    if dir.join("done.json").exists() {
        Some(rerun::reason(previous, ir, &stage.name, ran))
    } else if dir.exists() {
        Some(
            "an earlier run stopped before finishing it (`--resume` continues such a stage)".into(),
        )
    } else {
        None
    }
}

/// Refuse to resume into a folder that ran a different pipeline (unless forced); the
/// folder's earlier IR, when it has one.
fn check_previous_ir(
    path: &Path,
    new: &serde_json::Value,
    opts: &RunOptions,
) -> Result<Option<serde_json::Value>, RuntimeError> {
    let old = fs::read_to_string(path)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok());
    match old {
        None if opts.resume => Err(RuntimeError::NothingToResume {
            path: opts.out.clone(),
        }),
        Some(old) if opts.resume && !opts.force => {
            let diff = json_diff(&old, new);
            if diff.is_empty() {
                Ok(Some(old))
            } else {
                let mut fields = diff.iter().take(8).cloned().collect::<Vec<_>>().join(", ");
                if diff.len() > 8 {
                    fields.push_str(&format!(" and {} more", diff.len() - 8));
                }
                Err(RuntimeError::IrChanged {
                    path: path.to_path_buf(),
                    fields,
                })
            }
        }
        old => Ok(old),
    }
}

/// Hash of what determines a stage's result.
fn stage_hash(
    program: &Program,
    stage: &Stage,
    done: &HashMap<String, String>,
) -> Result<String, RuntimeError> {
    let deps: Vec<(&String, Option<&String>)> =
        stage.after.iter().map(|d| (d, done.get(d))).collect();
    let value = json!({
        "stage": serde_json::to_value(stage).map_err(|e| RuntimeError::Internal(e.to_string()))?,
        "seed": program.pipeline.seed,
        "data": serde_json::to_value(&program.pipeline.data).map_err(|e| RuntimeError::Internal(e.to_string()))?,
        "deps": format!("{deps:?}"),
        "format_version": program.format_version,
    });
    Ok(hash_json(&value))
}

/// The stage's `done.json` when it records `hash`; a file that does not read as the
/// current `Done` (damaged, or of another format) means the stage runs again.
fn read_done(dir: &Path, hash: &str) -> Option<Done> {
    let text = fs::read_to_string(dir.join("done.json")).ok()?;
    let done: Done = serde_json::from_str(&text).ok()?;
    (done.hash == hash).then_some(done)
}

/// A skipped stage's files must still be the ones it wrote: a damaged checkpoint or weights
/// file would otherwise feed every later stage silently.
fn verify_files(dir: &Path, stage: &str, done: &Done) -> Result<(), RuntimeError> {
    if done.files.is_empty() {
        return Ok(());
    }
    let now = file_hashes(dir).map_err(|source| RuntimeError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    match done.files.iter().find(|(f, h)| now.get(*f) != Some(*h)) {
        Some((f, _)) => Err(RuntimeError::DamagedOutput {
            stage: stage.to_string(),
            file: dir.join(f),
        }),
        None => Ok(()),
    }
}

fn same_stage_started(dir: &Path, hash: &str) -> bool {
    fs::read_to_string(dir.join("stage.hash")).is_ok_and(|h| h == hash)
}
