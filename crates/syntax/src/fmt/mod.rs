//! `nas fmt`: the one canonical layout of a `.nas` file.
//!
//! Contract: [`format()`] returns the formatted text of a file that parses, or the parser's
//! coded diagnostics for one that does not (then nothing is formatted). The result parses to
//! the same tree as the input (spans aside), holds every comment with its text unchanged and
//! in the same order, and formatting it again changes nothing. The first two are checked on
//! every call: a text that fails the check is never returned (`nas::fmt::internal`).
//!
//! It lives in the syntax crate because it needs nothing else: the tree with its spans, and
//! the comments, which a small scanner over the source finds (the grammar keeps them out of
//! the tree, and pest's raw pairs would not hold them either). No stage after parsing is
//! involved, so a file with unknown names or wrong types still formats.
//!
//! The layout, chosen to be what `examples/` and `stdlib/` already looked like:
//! - two spaces per level; spaces around `=` and binary operators, `a, b` in lists;
//! - a call, list, tuple or parameter list that does not fit in [`WIDTH`] columns is broken
//!   one element per line, each followed by a comma (the closing bracket on its own line);
//!   a broken list of plain values (numbers, strings, names, tuples of them) fills its lines
//!   instead, as genotypes are written;
//! - when the last argument of a call is a list of calls or lists (or a list too long for a
//!   line of its own), the other arguments stay on the first line and only the list breaks
//!   (`augmentation(views = 2, steps = [` ... `])`);
//! - a value after `=` that does not fit stays on the line when it opens a bracket there;
//!   else it moves to the next line, indented, when it fits there or can break there;
//! - a block without phases, and a pipeline body with at most one setting, stay on one line
//!   when they fit (`phase warmup { epochs = 2, arch = frozen }`); otherwise one field,
//!   stage or phase per line, without separating commas;
//! - one blank line between top-level items (consecutive imports keep the author's choice),
//!   at most one where the author left blank lines inside a body, none after an opening
//!   bracket;
//! - comments stay where they were: after code on its line, or on a line of their own; a
//!   construct holding a comment is never joined onto one line, and code that a `//` comment
//!   interrupts goes on below it, one level deeper;
//! - redundant parentheses around an operand are kept (`(a * b) + c`), others dropped;
//!   literals keep their spelling (`1_000`, `4e-5`); `kind()` of a stage becomes `kind`;
//! - what has no bracket to break at (a long string, a long chain of operators) stays on one
//!   line however long.
//!
//! Line ends: the output uses the line end of the input's first line (CRLF stays CRLF, as
//! rustfmt's `newline_style = "Auto"` does); a file mixing both comes out all in the first
//! one.

mod comments;
mod error;
mod expr;
mod flat;
mod items;
mod printer;
mod same;

use std::borrow::Cow;

pub use error::FmtError;
pub use printer::{INDENT, WIDTH};

use crate::diagnostics::Diag;
use crate::source::{SourceId, Span};

/// The formatted text of `text` (source `src` in the diagnostics), or the errors that stop
/// it from being formatted: the parser's, or an internal refusal ([`verify`] fails).
pub fn format(src: SourceId, text: &str) -> Result<String, Vec<Diag>> {
    let (file, diags) = crate::parse(src, text);
    let errors: Vec<Diag> = diags.into_iter().filter(Diag::is_error).collect();
    let file = match file {
        Some(f) if errors.is_empty() => f,
        _ if errors.is_empty() => return Err(vec![internal(src, "the parser returned no tree")]),
        _ => return Err(errors),
    };
    let crlf = text.find('\n').is_some_and(|i| text[..i].ends_with('\r'));
    let lf: Cow<str> = if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    };
    let file = match &lf {
        Cow::Borrowed(_) => file,
        Cow::Owned(t) => match crate::parse(src, t) {
            (Some(f), d) if !d.iter().any(Diag::is_error) => f,
            _ => {
                return Err(vec![internal(
                    src,
                    "the file does not parse with LF line ends",
                )])
            }
        },
    };
    let mut p = printer::Printer::new(&lf);
    p.file(&file);
    let out = p.finish();
    check(src, &file, &lf, &out).map_err(|d| vec![d])?;
    Ok(if crlf { out.replace('\n', "\r\n") } else { out })
}

/// Whether `after` is `before` laid out again: it parses to the same tree (spans aside, doc
/// comments included) and holds the same comments in the same order. The error is the
/// internal refusal `nas::fmt::internal`, located in source `src`. Line ends are compared as
/// LF.
pub fn verify(src: SourceId, before: &str, after: &str) -> Result<(), Diag> {
    let (before, after) = (before.replace("\r\n", "\n"), after.replace("\r\n", "\n"));
    match crate::parse(src, &before) {
        (Some(tree), d) if !d.iter().any(Diag::is_error) => check(src, &tree, &before, &after),
        _ => Err(internal(src, "the original does not parse")),
    }
}

/// [`verify`] with the original already parsed.
fn check(src: SourceId, tree: &crate::ast::File, before: &str, after: &str) -> Result<(), Diag> {
    match crate::parse(src, after) {
        (Some(again), d) if !d.iter().any(Diag::is_error) => {
            if same::unchanged(tree, before, &again, after) {
                Ok(())
            } else {
                Err(internal(
                    src,
                    "the formatted text would mean something else or lose a comment",
                ))
            }
        }
        _ => Err(internal(src, "the formatted text does not parse")),
    }
}

fn internal(src: SourceId, reason: &str) -> Diag {
    Diag::error(
        FmtError::Internal {
            reason: reason.to_string(),
        },
        Span::new(src, 0, 0),
        "in this file",
    )
    .with_help("`nas check` still reads the file as it is")
}
