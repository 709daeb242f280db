//! A linear lexical pre-scan run before the grammar: it finds unterminated strings and
//! block comments and rejects nesting that would make the recursive-descent parser (or
//! anything after it) recurse too deep. It never recurses itself.

use super::error::ParseError;
use crate::diagnostics::Diag;
use crate::source::{SourceId, Span};

/// Deepest bracket nesting accepted. Real specs nest fewer than 10 levels.
pub const MAX_DEPTH: usize = 64;
/// Longest run of prefix minus signs accepted.
pub const MAX_PREFIX: usize = 16;

/// Scan `text`; return the problems found (empty when the grammar may run).
pub fn prescan(src: SourceId, text: &str) -> Vec<Diag> {
    let b = text.as_bytes();
    let mut diags = Vec::new();
    let mut depth = 0usize;
    // Open brackets (byte, offset): unbalanced ones are reported here, at the bracket,
    // rather than wherever the grammar happens to give up.
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut minus_run = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => match scan_string(b, i) {
                Some(end) => i = end,
                None => {
                    let end = line_end(b, i);
                    diags.push(
                        Diag::error(
                            ParseError::UnterminatedString,
                            Span::new(src, i, end),
                            "this string is never closed",
                        )
                        .with_help("close it with `\"` on the same line"),
                    );
                    i = end;
                }
            },
            b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                Some(end) => i = end + 1,
                None => {
                    diags.push(
                        Diag::error(
                            ParseError::UnterminatedComment,
                            Span::new(src, i, i + 2),
                            "this comment is never closed",
                        )
                        .with_help("close it with `*/`"),
                    );
                    return diags;
                }
            },
            b'(' | b'[' | b'{' => {
                open.push((b[i], i));
                depth += 1;
                if depth > MAX_DEPTH {
                    diags.push(
                        Diag::error(
                            ParseError::TooDeep { limit: MAX_DEPTH },
                            Span::new(src, i, i + 1),
                            "too deep here",
                        )
                        .with_help("flatten the expression; name inner parts with `let`"),
                    );
                    return diags;
                }
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                let want = match b[i] {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match open.pop() {
                    Some((o, _)) if o == want => {}
                    Some((o, at)) => {
                        let close = closer(o);
                        diags.push(
                            Diag::error(
                                ParseError::Unexpected {
                                    expected: format!("`{close}`"),
                                },
                                Span::new(src, i, i + 1),
                                format!("expected `{close}` here"),
                            )
                            .with_note(
                                Span::new(src, at, at + 1),
                                format!("to close this `{}`", o as char),
                            ),
                        );
                        return diags;
                    }
                    None => {
                        diags.push(Diag::error(
                            ParseError::Unexpected {
                                expected: "no closing bracket here".into(),
                            },
                            Span::new(src, i, i + 1),
                            format!("this `{}` closes nothing", b[i] as char),
                        ));
                        return diags;
                    }
                }
            }
            _ => {}
        }
        if i < b.len() {
            match b[i] {
                b'-' => {
                    minus_run += 1;
                    if minus_run > MAX_PREFIX {
                        diags.push(Diag::error(
                            ParseError::TooComplex { limit: MAX_PREFIX },
                            Span::new(src, i, i + 1),
                            "too many signs in a row",
                        ));
                        return diags;
                    }
                }
                b' ' | b'\t' | b'\r' | b'\n' => {}
                _ => minus_run = 0,
            }
        }
        i += 1;
    }
    if let Some((o, at)) = open.pop() {
        let close = closer(o);
        diags.push(
            Diag::error(
                ParseError::Unexpected {
                    expected: format!("`{close}`"),
                },
                Span::new(src, at, at + 1),
                format!("this `{}` is never closed", o as char),
            )
            .with_help(format!("add `{close}` where it should end")),
        );
    }
    diags
}

fn closer(open: u8) -> char {
    match open {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    }
}

/// End of a string starting at `start` (index of the closing quote), if closed on its line.
fn scan_string(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            b'\n' => return None,
            _ => i += 1,
        }
    }
    None
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|c| *c == b'\n')
        .map(|p| from + p)
        .unwrap_or(b.len())
}

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    if from >= b.len() {
        return None;
    }
    b[from..]
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| from + p)
}
