//! Errors of exporting a run's network: each names the folder, file, stage or tensor at
//! fault and says how to fix it. `codes.rs` explains every code for `nas explain`.

use std::path::PathBuf;

use miette::Diagnostic;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ExportError {
    #[error("{path} is not a run folder: {reason}")]
    #[diagnostic(
        code(nas::export::not_a_run),
        help("a run folder is what `nas run` writes: `pipeline.ir.json` and one folder per stage")
    )]
    NotARun { path: PathBuf, reason: String },

    #[error("{path}: {message}")]
    #[diagnostic(
        code(nas::export::bad_ir),
        help("the file is damaged or was written by another version of nas; run the pipeline again to rewrite it")
    )]
    BadIr { path: PathBuf, message: String },

    #[error("the run has no stage `{stage}`")]
    #[diagnostic(code(nas::export::unknown_stage), help("{suggestion}"))]
    UnknownStage { stage: String, suggestion: String },

    #[error("stage `{stage}` ({kind}) cannot be exported: {reason}")]
    #[diagnostic(code(nas::export::not_exportable), help("{suggestion}"))]
    NotExportable {
        stage: String,
        kind: String,
        reason: String,
        suggestion: String,
    },

    #[error("stage `{stage}` has not finished: {path} is missing")]
    #[diagnostic(
        code(nas::export::not_finished),
        help("finish the run first (`nas run FILE --out RUN_DIR --resume` continues a stopped one), or export a stage that has finished with `--stage NAME`")
    )]
    NotFinished { stage: String, path: PathBuf },

    #[error("{path}: {reason}")]
    #[diagnostic(
        code(nas::export::bad_network),
        help("the file was damaged or edited after the stage wrote it; delete the stage's folder and run the pipeline again to rewrite it")
    )]
    BadNetwork { path: PathBuf, reason: String },

    #[error("{path} lacks the tensor `{name}` (shape {shape}) that the network needs")]
    #[diagnostic(
        code(nas::export::missing_weight),
        help("the weights were written for another network, or the file was damaged; delete the stage's folder and run the pipeline again to rewrite it")
    )]
    MissingWeight {
        path: PathBuf,
        name: String,
        shape: String,
    },

    #[error("{path}: the tensor `{name}` is {found}, but the network needs {expected}")]
    #[diagnostic(
        code(nas::export::weight_shape),
        help("the weights were written for another network; export the stage whose `network.json` and weights belong together")
    )]
    WeightShape {
        path: PathBuf,
        name: String,
        found: String,
        expected: String,
    },

    #[error("{path} is not a safetensors file: {reason}")]
    #[diagnostic(
        code(nas::export::bad_weights),
        help("the file is damaged; delete the stage's folder and run the pipeline again to rewrite it")
    )]
    BadWeights { path: PathBuf, reason: String },

    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(nas::export::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path} exists and is not a folder that `nas export --format torch` wrote")]
    #[diagnostic(
        code(nas::export::out_exists),
        help("an export replaces only an earlier export; choose a new `--out` name, or remove the folder")
    )]
    OutExists { path: PathBuf },

    #[error("cannot write {path}: {source}")]
    #[diagnostic(
        code(nas::export::write),
        help(
            "check that the folder exists and is writable; nothing was left under the output name"
        )
    )]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("internal error: {what}; please report")]
    #[diagnostic(code(nas::export::internal))]
    Internal { what: String },
}

/// Shorthand for `ExportError::Internal`.
pub(crate) fn internal(what: impl Into<String>) -> ExportError {
    ExportError::Internal { what: what.into() }
}
