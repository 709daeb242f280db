//! A linear lexical pre-scan run before the grammar: it finds unterminated strings and
//! block comments and unbalanced brackets, and rejects nesting that would make the
//! recursive-descent parser (or anything after it) recurse too deep. It never recurses.

use super::error::ParseError;
use crate::diagnostics::Diag;
use crate::source::{SourceId, Span};

/// Deepest bracket nesting accepted. Real specs nest fewer than 10 levels.
pub const MAX_DEPTH: usize = 64;
/// Longest run of prefix minus signs accepted.
pub const MAX_PREFIX: usize = 16;

/// Scan `text`; return the problems found (empty when the grammar may run).
pub fn prescan(src: SourceId, text: &str) -> Vec<Diag> {
    let mut s = Scanner {
        src,
        b: text.as_bytes(),
        open: Vec::new(),
        minus_run: 0,
    };
    match s.run() {
        Err(d) => vec![d],
        Ok(()) => s.unclosed().into_iter().collect(),
    }
}

struct Scanner<'t> {
    src: SourceId,
    b: &'t [u8],
    /// Open brackets (byte, offset): unbalanced ones are reported at the bracket rather
    /// than wherever the grammar happens to give up.
    open: Vec<(u8, usize)>,
    minus_run: usize,
}

impl Scanner<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.src, start, end)
    }

    /// Walk the text; the first problem ends the scan.
    fn run(&mut self) -> Result<(), Diag> {
        let mut i = 0;
        while i < self.b.len() {
            i = match self.b[i] {
                b'"' => self.string(i)?,
                b'/' if self.b.get(i + 1) == Some(&b'/') => line_end(self.b, i),
                b'/' if self.b.get(i + 1) == Some(&b'*') => self.comment(i)?,
                b'(' | b'[' | b'{' => self.opening(i)?,
                b')' | b']' | b'}' => self.closing(i)?,
                _ => i,
            };
            self.signs(i)?;
            i += 1;
        }
        Ok(())
    }

    /// Index of the closing quote of the string starting at `start`.
    fn string(&self, start: usize) -> Result<usize, Diag> {
        let mut i = start + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => i += 2,
                b'"' => return Ok(i),
                b'\n' => break,
                _ => i += 1,
            }
        }
        let end = line_end(self.b, start);
        Err(Diag::error(
            ParseError::UnterminatedString,
            self.span(start, end),
            "this string is never closed",
        )
        .with_help("close it with `\"` on the same line"))
    }

    /// Index of the `/` that closes the block comment starting at `start`.
    fn comment(&self, start: usize) -> Result<usize, Diag> {
        let from = start + 2;
        let found = self
            .b
            .get(from..)
            .and_then(|rest| rest.windows(2).position(|w| w == b"*/"));
        match found {
            Some(p) => Ok(from + p + 1),
            None => Err(Diag::error(
                ParseError::UnterminatedComment,
                self.span(start, start + 2),
                "this comment is never closed",
            )
            .with_help("close it with `*/`")),
        }
    }

    fn opening(&mut self, i: usize) -> Result<usize, Diag> {
        self.open.push((self.b[i], i));
        if self.open.len() > MAX_DEPTH {
            return Err(Diag::error(
                ParseError::TooDeep { limit: MAX_DEPTH },
                self.span(i, i + 1),
                "too deep here",
            )
            .with_help("flatten the expression; name inner parts with `let`"));
        }
        Ok(i)
    }

    fn closing(&mut self, i: usize) -> Result<usize, Diag> {
        let c = self.b[i];
        match self.open.pop() {
            Some((o, _)) if closer(o) == c as char => Ok(i),
            Some((o, at)) => {
                let close = closer(o);
                Err(Diag::error(
                    ParseError::Unexpected {
                        expected: format!("`{close}`"),
                    },
                    self.span(i, i + 1),
                    format!("expected `{close}` here"),
                )
                .with_note(
                    self.span(at, at + 1),
                    format!("to close this `{}`", o as char),
                ))
            }
            None => Err(Diag::error(
                ParseError::Unexpected {
                    expected: "no closing bracket here".into(),
                },
                self.span(i, i + 1),
                format!("this `{}` closes nothing", c as char),
            )),
        }
    }

    /// Long runs of prefix minus signs would nest the expression tree deeply.
    fn signs(&mut self, i: usize) -> Result<(), Diag> {
        match self.b.get(i) {
            Some(b'-') => {
                self.minus_run += 1;
                if self.minus_run > MAX_PREFIX {
                    return Err(Diag::error(
                        ParseError::TooComplex { limit: MAX_PREFIX },
                        self.span(i, i + 1),
                        "too many signs in a row",
                    ));
                }
            }
            Some(b' ' | b'\t' | b'\r' | b'\n') | None => {}
            Some(_) => self.minus_run = 0,
        }
        Ok(())
    }

    fn unclosed(&mut self) -> Option<Diag> {
        let (o, at) = self.open.pop()?;
        let close = closer(o);
        Some(
            Diag::error(
                ParseError::Unexpected {
                    expected: format!("`{close}`"),
                },
                self.span(at, at + 1),
                format!("this `{}` is never closed", o as char),
            )
            .with_help(format!("add `{close}` where it should end")),
        )
    }
}

fn closer(open: u8) -> char {
    match open {
        b'(' => ')',
        b'[' => ']',
        _ => '}',
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|c| *c == b'\n')
        .map(|p| from + p)
        .unwrap_or(b.len())
}
