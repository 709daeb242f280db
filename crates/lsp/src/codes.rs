//! The codes of `nas lsp`'s own diagnostics (`error.rs`), for `nas explain`.

use nas_ir::codes::{c, CodeInfo};

pub static CODES: &[CodeInfo] = &[
    c("nas::lsp::protocol", "the editor broke the language server protocol",
      "`nas lsp` is started by an editor and speaks the Language Server Protocol on its standard input and output: `initialize` first, `shutdown` then `exit` last, every message framed with a `Content-Length` header. It stops with this error, and exit code 1, when its input ends before `exit`, a message is not valid JSON-RPC, or `exit` comes without `shutdown`. Started by hand in a terminal it waits for such messages; configure the editor to start it instead (README, \"Editor support\").",
      "nas lsp < /dev/null"),
    c("nas::lsp::internal", "the language server stopped unexpectedly (a bug)",
      "The server's thread ended without the client's `exit`. Please report it with the file that was open; `nas check` still checks the file.",
      "(no known input)"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_error_has_a_row() {
        let source = include_str!("error.rs").replace("code(&self)", "");
        let named: Vec<&str> = source
            .split('"')
            .filter(|s| s.starts_with("nas::lsp::"))
            .collect();
        assert_eq!(named.len(), super::CODES.len());
        for code in named {
            assert!(super::CODES.iter().any(|c| c.code == code), "{code}");
        }
    }
}
