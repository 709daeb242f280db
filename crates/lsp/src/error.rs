//! Why `nas lsp` stopped other than by the client's `shutdown` and `exit`.

use nas_syntax::diagnostics::Problem;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LspError {
    #[error("the language client broke the protocol: {reason}")]
    Protocol { reason: String },
    #[error("internal error: {reason}; please report")]
    Internal { reason: String },
}

impl Problem for LspError {
    fn code(&self) -> &'static str {
        match self {
            LspError::Protocol { .. } => "nas::lsp::protocol",
            LspError::Internal { .. } => "nas::lsp::internal",
        }
    }
}
