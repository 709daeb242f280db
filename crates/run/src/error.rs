//! Errors of a run. Each carries the span of the `.nas` node being executed when there is
//! one, so that the CLI can point at the line that caused it.

use std::path::PathBuf;

use miette::Diagnostic;

use super::checkpoint::CheckpointError;
use nas_ir::Span;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum RuntimeError {
    #[error("stage `{stage}`: {message}")]
    #[diagnostic(code(nas::run::tensor), help("this is a shape or tensor error raised while building or running the network; the stage is defined at {}:{}", span.file, span.line))]
    Tensor {
        stage: String,
        message: String,
        span: Span,
        #[source]
        source: candle_core::Error,
    },

    #[error("stage `{stage}`: {message}")]
    #[diagnostic(
        code(nas::run::data),
        help("check the dataset path and files named above")
    )]
    Data { stage: String, message: String },

    #[error("stage `{stage}`: the derived cell `{arch}` is not in the table `{table}`")]
    #[diagnostic(
        code(nas::run::cell_not_in_table),
        help("the table lacks this cell: use the complete NAS-Bench-201 table, whose ops are the space's")
    )]
    NotInTable {
        stage: String,
        arch: String,
        table: String,
    },

    #[error("stage `{stage}`: {message}")]
    #[diagnostic(code(nas::run::stage), help("the stage is defined at {}:{}", span.file, span.line))]
    Stage {
        stage: String,
        message: String,
        span: Span,
    },

    #[error("stage `{stage}`, epoch {epoch}, step {step}: {what} is not finite")]
    #[diagnostic(code(nas::run::non_finite), help("lower the learning rate or enable clip_norm; the last good checkpoint of the stage is intact and `nas run --resume` restarts from it"))]
    NonFinite {
        stage: String,
        epoch: usize,
        step: usize,
        what: String,
    },

    #[error(transparent)]
    #[diagnostic(code(nas::run::checkpoint), help("a checkpoint is never replaced silently: delete the stage folder to start the stage over"))]
    Checkpoint(#[from] CheckpointError),

    #[error("the run folder {path} holds a different pipeline; changed fields: {fields}")]
    #[diagnostic(
        code(nas::run::ir_changed),
        help("pass --force to resume anyway, or use another --out folder")
    )]
    IrChanged { path: PathBuf, fields: String },

    #[error("stage `{stage}` completed earlier, but {file} no longer matches the hash recorded in its done.json")]
    #[diagnostic(
        code(nas::run::damaged_output),
        help("the file was changed or damaged after the stage finished; delete the stage's folder to run the stage again")
    )]
    DamagedOutput { stage: String, file: PathBuf },

    #[error(
        "stage `{stage}` needs about {needed} for a training step, but the machine has {available}"
    )]
    #[diagnostic(
        code(nas::run::too_large),
        help("lower the batch, the channels or the cells; `--force` runs anyway (the figure is an estimate)")
    )]
    TooLarge {
        stage: String,
        needed: String,
        available: String,
    },

    #[error("{path} is in use: {holder} is running a pipeline there")]
    #[diagnostic(
        code(nas::run::locked),
        help("wait for that run to finish, or choose another --out folder")
    )]
    Locked { path: PathBuf, holder: String },

    #[error("nothing to resume in {path}")]
    #[diagnostic(
        code(nas::run::nothing_to_resume),
        help("start the run without --resume")
    )]
    NothingToResume { path: PathBuf },

    #[error("stage `{stage}` needs the output of stage `{needs}`, which has not run")]
    #[diagnostic(
        code(nas::run::missing_input),
        help("run the whole pipeline, or the stage it depends on, first")
    )]
    MissingInput { stage: String, needs: String },

    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(nas::run::io))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("stopped by the user after stage `{stage}` epoch {epoch} step {step}; a checkpoint was written")]
    #[diagnostic(
        code(nas::run::interrupted),
        help("`nas run --resume` continues from here")
    )]
    Interrupted {
        stage: String,
        epoch: usize,
        step: usize,
    },

    #[error("device `{device}` is not available: {reason}")]
    #[diagnostic(code(nas::run::device))]
    Device {
        device: String,
        reason: String,
        #[help]
        help: String,
    },

    #[error("internal error: {0}; please report this")]
    #[diagnostic(code(nas::run::internal))]
    Internal(String),
}
