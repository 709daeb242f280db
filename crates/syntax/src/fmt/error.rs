//! Problems of `nas fmt`: a file it cannot read or write, and the formatter's refusal to
//! return a text that would not mean what the original meant (an internal error).

use crate::diagnostics::Problem;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FmtError {
    #[error("cannot read `{path}`: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("cannot write `{path}`: {reason}; the file is unchanged")]
    Unwritable { path: String, reason: String },
    #[error("internal error: {reason}; the file was left as it is, please report")]
    Internal { reason: String },
}

impl Problem for FmtError {
    fn code(&self) -> &'static str {
        match self {
            FmtError::Unreadable { .. } => "nas::fmt::unreadable",
            FmtError::Unwritable { .. } => "nas::fmt::unwritable",
            FmtError::Internal { .. } => "nas::fmt::internal",
        }
    }
}
