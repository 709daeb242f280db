//! The `.nas` language server (`nas lsp`): the checker's diagnostics as the user types,
//! hover, go to definition, completion, document symbols and formatting, over the Language
//! Server Protocol on standard input and output.
//!
//! Contract: [`serve_stdio`] speaks LSP on stdin/stdout until the client's `shutdown` and
//! `exit` (then `Ok`), or until the protocol is broken (an [`LspError`], `nas::lsp::*`).
//! Nothing else is written to stdout, and as a library this crate never prints: everything
//! it has to say goes through the connection. Documents are synchronised whole
//! (`TextDocumentSyncKind::FULL`: our files are a few kilobytes) and checked on every change,
//! synchronously: a 200-line pipeline checks in milliseconds (the integration test prints
//! the round trip), so there is no queue to cancel.
//!
//! Why `lsp-server` and `lsp-types`: rust-analyzer's own scaffold, maintained with it, small
//! (crossbeam channels and serde, no async runtime) and synchronous, which matches the
//! checker: it is synchronous, runs in milliseconds and is not `Send` inside (it shares
//! values through `Rc`). An async framework (`tower-lsp-server`) would bring tokio and a
//! thread hop per request for no gain at this size.
//!
//! Layout: `server` (the loop and the documents), one module per feature (`diagnostics`,
//! `hover`, `completion`, `symbols`; definition is `server`'s use of `analysis`), `analysis`
//! and `find` (what a name under the cursor refers to), `position` (UTF-16 columns),
//! `uri` (`file://` URIs) and `stdlib_files` (the standard library as files for go to
//! definition).

pub mod analysis;
pub mod codes;
pub mod completion;
pub mod diagnostics;
pub mod error;
pub mod find;
pub mod hover;
pub mod position;
pub mod server;
pub mod stdlib_files;
pub mod symbols;
pub mod uri;

pub use error::LspError;

use lsp_server::Connection;

use stdlib_files::StdlibFiles;

/// Stack of the thread the server runs on: the checker's evaluator (hover evaluates
/// constants) recurses on deep expressions, as the checker's own thread allows for.
const STACK: usize = 256 * 1024 * 1024;

/// Serve LSP on stdin and stdout until the client shuts the server down.
pub fn serve_stdio() -> Result<(), LspError> {
    let (conn, io) = Connection::stdio();
    serve(conn)?;
    // after `exit` the reader has stopped and, the connection dropped, so has the writer
    io.join().map_err(|e| LspError::Protocol {
        reason: e.to_string(),
    })
}

/// Serve LSP on `conn` (stdio, or an in-memory connection in tests) until the client shuts
/// the server down.
pub fn serve(conn: Connection) -> Result<(), LspError> {
    serve_with(conn, StdlibFiles::new())
}

/// [`serve`], with the copies of the standard library where `stdlib` puts them (tests use a
/// folder of their own).
pub fn serve_with(conn: Connection, stdlib: StdlibFiles) -> Result<(), LspError> {
    let run = move || server::run(&conn, stdlib);
    std::thread::Builder::new()
        .name("nas-lsp".into())
        .stack_size(STACK)
        .spawn(run)
        .map_err(|e| LspError::Protocol {
            reason: format!("cannot start the server thread: {e}"),
        })?
        .join()
        .unwrap_or_else(|_| {
            Err(LspError::Internal {
                reason: "the server stopped unexpectedly".into(),
            })
        })
}
