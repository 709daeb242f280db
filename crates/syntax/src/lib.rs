//! Syntax: `.nas` text to AST. The grammar is `grammar/nas.pest`.
//!
//! Contract: `parse` never panics and never recurses without bound: a linear pre-scan
//! rejects deep nesting, unterminated strings and comments before the grammar runs, pest's
//! call limit bounds backtracking, and long operator chains are refused. It returns the
//! AST (possibly partial, with `ExprKind::Error` nodes) and every problem found.

pub mod ast;
mod build;
pub mod diagnostics;
pub mod error;
pub mod fmt;
mod pest_error;
mod prescan;
pub mod source;

use pest::Parser;

use crate::diagnostics::Diag;
use crate::source::{SourceId, Span};
pub use error::ParseError;

/// The pest parser generated from `grammar/nas.pest`.
#[derive(pest_derive::Parser)]
#[grammar = "../../../grammar/nas.pest"]
pub struct NasParser;

/// Bound on pest's rule calls per parse (against pathological backtracking); generous
/// enough for specs of hundreds of thousands of lines.
const CALL_LIMIT: usize = 200_000_000;

/// Largest file the parser reads (8 MiB). Real specs are a few kilobytes; the grammar's call
/// limit above is reached somewhere past 8 MiB, and a file refused here gets a clear error
/// instead of "call limit reached" at a line that is valid.
pub const MAX_SOURCE_BYTES: usize = 8 << 20;

/// Parse one file. On a syntax error the AST is `None`.
pub fn parse(src: SourceId, text: &str) -> (Option<ast::File>, Vec<Diag>) {
    if text.len() > MAX_SOURCE_BYTES {
        let problem = ParseError::TooLarge {
            bytes: text.len(),
            limit: MAX_SOURCE_BYTES,
        };
        let d = Diag::error(problem, Span::new(src, 0, 0), "this file is too large")
            .with_help("split it into modules and import them");
        return (None, vec![d]);
    }
    if text.trim().is_empty() {
        let d = Diag::warning(ParseError::EmptyFile, Span::new(src, 0, 0), "nothing here")
            .with_help("an empty file defines nothing; add a `pipeline` or definitions");
        return (
            Some(ast::File {
                src,
                items: Vec::new(),
            }),
            vec![d],
        );
    }
    let diags = prescan::prescan(src, text);
    if !diags.is_empty() {
        return (None, diags);
    }
    pest::set_call_limit(std::num::NonZeroUsize::new(CALL_LIMIT));
    match NasParser::parse(Rule::file, text) {
        Ok(mut pairs) => match pairs.next() {
            Some(file) => build::build_file(src, file),
            None => (None, vec![internal(src)]),
        },
        Err(e) => (None, vec![pest_error::convert_pest_error(src, text, e)]),
    }
}

fn internal(src: SourceId) -> Diag {
    Diag::error(
        ParseError::Unexpected {
            expected: "a file (internal error: please report)".into(),
        },
        Span::new(src, 0, 0),
        "here",
    )
}
