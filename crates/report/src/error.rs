//! Errors of reading a run folder and writing its report: each names the file at fault.

use std::path::PathBuf;

use miette::Diagnostic;

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum ReportError {
    #[error("{path} is not a run folder: {reason}")]
    #[diagnostic(
        code(nas::report::not_a_run),
        help("a run folder is what `nas run` writes: `pipeline.ir.json` and one folder per stage")
    )]
    NotARun { path: PathBuf, reason: String },

    #[error("{path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    #[diagnostic(
        code(nas::report::bad_json),
        help("the file is damaged or was written by another version of nas; rerun the stage to rewrite it")
    )]
    BadJson {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },

    #[error("{path}{}: field `{field}`: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    #[diagnostic(
        code(nas::report::bad_field),
        help("the file was written by another version of nas, or edited; rerun the stage to rewrite it")
    )]
    Field {
        path: PathBuf,
        line: Option<usize>,
        field: String,
        message: String,
    },

    #[error("{path} has no ssl_search stage, so it cannot take part in a sweep")]
    #[diagnostic(
        code(nas::report::no_search),
        help("a sweep compares runs of one pipeline at different search epochs")
    )]
    NoSearch { path: PathBuf },

    #[error("cannot read {path}: {source}")]
    #[diagnostic(code(nas::report::read))]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(nas::report::write))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot draw {path}: {message}")]
    #[diagnostic(code(nas::report::plot))]
    Plot { path: PathBuf, message: String },
}
