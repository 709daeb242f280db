//! The formatter's output: text, spaces, line breaks and indentation, with the source's
//! comments interleaved at the positions they were written.
//!
//! Contract: every comment is written exactly once, in source order, text unchanged; a
//! comment that ended its line in the source ends its line in the output (nothing is ever
//! written after a `//` comment on its line); the printer itself never leaves trailing spaces
//! and never writes two blank lines in a row.

use super::comments::{self, Comment};

/// Columns a line may take before calls and lists are broken.
pub const WIDTH: usize = 100;
/// Spaces per indentation level.
pub const INDENT: usize = 2;

pub struct Printer<'s> {
    /// The source, line ends already LF.
    pub src: &'s str,
    comments: Vec<Comment>,
    /// The first comment not written yet.
    next: usize,
    out: String,
    /// Indentation of the lines being written.
    pub indent: usize,
    /// Characters on the current line.
    col: usize,
    /// Nothing has been written on the current line yet (its indentation is written lazily).
    at_start: bool,
    /// A space is due before the next text.
    space: bool,
    /// A comment ended the line: the next text starts a new, continuation-indented line.
    newline: bool,
    /// The current line continues a construct that a comment broke: indent it one more level.
    cont: bool,
    /// A bracket that opens a broken list was just written: no blank line may follow it.
    fresh_body: bool,
    /// A blank line is due before the next line (between top-level items).
    pub blank_due: bool,
}

impl<'s> Printer<'s> {
    pub fn new(src: &'s str) -> Self {
        Printer {
            src,
            comments: comments::scan(src),
            next: 0,
            out: String::with_capacity(src.len() + src.len() / 8),
            indent: 0,
            col: 0,
            at_start: true,
            space: false,
            newline: false,
            cont: false,
            fresh_body: false,
            blank_due: false,
        }
    }

    /// The output, ending with one line end (empty when there is nothing to write).
    pub fn finish(mut self) -> String {
        self.comments_before(usize::MAX);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    /// Write `s` on the current line (after a due space), or on a new line when a comment
    /// ended the current one.
    pub fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if self.newline {
            self.newline = false;
            self.end_line();
            self.cont = true;
        }
        if self.at_start {
            let n = self.indent + if self.cont { INDENT } else { 0 };
            self.out.extend(std::iter::repeat_n(' ', n));
            self.col = n;
            self.at_start = false;
        } else if self.space {
            self.out.push(' ');
            self.col += 1;
        }
        self.space = false;
        self.fresh_body = false;
        self.out.push_str(s);
        match s.rfind('\n') {
            Some(i) => self.col = s[i + 1..].chars().count(),
            None => self.col += s.chars().count(),
        }
    }

    /// A space before the next text (never at a line start, never two).
    pub fn space(&mut self) {
        self.space = true;
    }

    fn end_line(&mut self) {
        self.out.push('\n');
        self.at_start = true;
        self.col = 0;
        self.space = false;
        self.cont = false;
    }

    /// The next text starts a line of its own at the current indentation.
    pub fn hard_break(&mut self) {
        self.newline = false;
        if !self.at_start {
            self.end_line();
        }
        self.cont = false;
    }

    /// Like `hard_break`, with one blank line before the next line, except at the start of
    /// the file or right after an opening bracket.
    pub fn blank_line(&mut self) {
        let fresh = self.fresh_body;
        self.hard_break();
        if fresh || self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        self.out.push('\n');
    }

    /// An opening bracket of a broken list: what follows starts on the next line.
    pub fn open(&mut self, bracket: &str) {
        self.text(bracket);
        self.fresh_body = true;
        self.indent += INDENT;
    }

    /// The closing bracket of a broken list, on a line of its own after the comments that
    /// precede `close` (its offset in the source).
    pub fn close(&mut self, bracket: &str, close: usize) {
        self.comments_before(close);
        self.indent -= INDENT;
        self.hard_break();
        self.text(bracket);
    }

    /// Start an element of a broken list or body on its own line, after the comments before
    /// it, keeping a blank line where the author left one (or where one is due).
    pub fn start_line(&mut self, pos: usize) {
        self.comments_before(pos);
        let blank = self.blank_due || comments::blank_before(self.src, pos);
        self.blank_due = false;
        if blank {
            self.blank_line();
        } else {
            self.hard_break();
        }
    }

    /// Write every comment that starts before `pos`, each where it was: after the code on
    /// the current line, or on a line of its own.
    pub fn comments_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next).filter(|c| c.start < pos) {
            let c = c.clone();
            self.next += 1;
            // after a comment that ended its line, a comment starts a line of its own (and
            // is own-line when formatted again: the same indentation both times)
            if c.own_line || self.newline {
                let blank = self.blank_due || c.blank_before;
                self.blank_due = false;
                if blank {
                    self.blank_line();
                } else {
                    self.hard_break();
                }
            } else {
                self.space = true;
            }
            self.text(&self.src[c.start..c.end]);
            if c.ends_line {
                self.newline = true;
            } else {
                self.space = true;
            }
        }
    }

    /// No comment is waiting before `end`: what ends there may be written on one line.
    pub fn clean(&self, end: usize) -> bool {
        self.comments.get(self.next).is_none_or(|c| c.start >= end)
    }

    /// Whether `width` more characters, then `tail` more, fit on the line where the next
    /// text goes.
    pub fn fits(&self, width: usize, tail: usize) -> bool {
        self.next_col() + width + tail <= WIDTH
    }

    /// Whether `width` characters fit on a new line one level deeper.
    pub fn fits_below(&self, width: usize, tail: usize) -> bool {
        self.indent + INDENT + width + tail <= WIDTH
    }

    /// The column where the next text starts.
    fn next_col(&self) -> usize {
        if self.newline {
            self.indent + INDENT
        } else if self.at_start {
            self.indent + if self.cont { INDENT } else { 0 }
        } else {
            self.col + usize::from(self.space)
        }
    }

    /// Offset of the next token at or after `from`: whitespace and comments skipped.
    pub fn next_token(&self, from: usize) -> usize {
        let b = self.src.as_bytes();
        let mut i = from;
        while i < b.len() {
            if let Some(c) = self.comment_covering(i) {
                i = c.end;
            } else if b[i].is_ascii_whitespace() {
                i += 1;
            } else {
                return i;
            }
        }
        b.len()
    }

    /// Offset of the last byte of the token before `to`: whitespace and comments skipped.
    pub fn prev_token(&self, to: usize) -> Option<usize> {
        let b = self.src.as_bytes();
        let mut i = to.min(b.len());
        while i > 0 {
            if let Some(c) = self.comment_covering(i - 1) {
                i = c.start;
            } else if b[i - 1].is_ascii_whitespace() {
                i -= 1;
            } else {
                return Some(i - 1);
            }
        }
        None
    }

    /// The comment whose text holds the byte at `pos`.
    fn comment_covering(&self, pos: usize) -> Option<&Comment> {
        let i = self.comments.partition_point(|c| c.start <= pos);
        self.comments[..i].last().filter(|c| pos < c.end)
    }

    /// Offset of the bracket `close` that ends a list whose last part ends at `from`:
    /// separators, the opening bracket `open` and comments skipped. Falls back to `from`.
    pub fn closing(&self, from: usize, open: u8, close: u8) -> usize {
        let b = self.src.as_bytes();
        let mut i = from;
        loop {
            i = self.next_token(i);
            match b.get(i) {
                Some(c) if *c == close => return i,
                Some(c) if *c == b',' || *c == open => i += 1,
                _ => return from,
            }
        }
    }
}
