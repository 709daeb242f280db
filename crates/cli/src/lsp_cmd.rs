//! `nas lsp`: the language server (`nas_lsp`) on standard input and output, for editors. Part
//! of the binary.
//!
//! Contract: stdout belongs to the protocol, so nothing else is printed there; when the
//! server stops other than by the client's `shutdown` and `exit`, its coded report goes to
//! stderr (which editors show in their log) and the exit code is 1.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stderr)]

use clap::Args;

use nas_syntax::diagnostics::Diag;
use nas_syntax::source::SourceMap;

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Speak LSP on standard input and output (the only transport, and the default; editors'
    /// clients such as VS Code's pass it).
    #[arg(long)]
    pub stdio: bool,
}

pub fn cmd_lsp(_a: &LspArgs) -> i32 {
    match nas_lsp::serve_stdio() {
        Ok(()) => 0,
        Err(e) => {
            let help = match e {
                nas_lsp::LspError::Protocol { .. } => {
                    "`nas lsp` is started by an editor; see \"Editor support\" in the README"
                }
                nas_lsp::LspError::Internal { .. } => "`nas check FILE` still checks the file",
            };
            let d = Diag::unlocated(e).with_help(help);
            crate::cli::print_report(&[d], &SourceMap::new());
            1
        }
    }
}
