//! Positions: byte offsets into a document (what spans hold) to LSP positions and back.
//!
//! Contract: an LSP position is a line and a column counted in UTF-16 code units (the
//! protocol's default encoding, and the only one every client speaks); lines end at `\n`,
//! `\r\n` or a lone `\r`, as the protocol defines them. A column past the end of its line
//! means the end of the line (before its line end), a line past the last means the end of
//! the text; an offset inside a character or inside a `\r\n` moves back to the nearest
//! position before it. So a conversion never fails and never lands inside a character.

use lsp_types::{Position, Range};

/// Where the lines of one text start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the start of every line; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 1;
                }
                b'\r' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { starts }
    }

    /// The byte range of line `line`'s text, without its line end.
    fn line(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts[line].min(text.len());
        let next = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let body = &text.as_bytes()[start..next.max(start)];
        let end = if body.ends_with(b"\r\n") {
            next - 2
        } else if body.ends_with(b"\n") || body.ends_with(b"\r") {
            next - 1
        } else {
            next
        };
        (start, end.max(start))
    }

    /// The LSP position of byte offset `offset` of `text`.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let (start, end) = self.line(text, line);
        let utf16: usize = text[start..offset.min(end)]
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(line as u32, utf16 as u32)
    }

    /// The byte offset of LSP position `pos` in `text`.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let line = pos.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let (start, end) = self.line(text, line);
        let mut units = 0usize;
        let want = pos.character as usize;
        for (i, c) in text[start..end].char_indices() {
            if units + c.len_utf16() > want {
                return start + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// The LSP range of the byte range `start..end` of `text`.
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(
            self.position(text, start),
            self.position(text, end.max(start)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    /// Every character boundary goes to a position and back to itself.
    fn round_trips(text: &str) {
        let ix = LineIndex::new(text);
        for (i, _) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            let p = ix.position(text, i);
            let back = ix.offset(text, p);
            let inside_crlf = i > 0 && text[..i].ends_with('\r') && text[i..].starts_with('\n');
            if inside_crlf {
                assert_eq!(back, i - 1, "{text:?} at {i}");
            } else {
                assert_eq!(back, i, "{text:?} at {i} -> {p:?}");
            }
        }
    }

    #[test]
    fn ascii_lines() {
        let t = "let a = 1\nlet b = 2\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.position(t, 0), pos(0, 0));
        assert_eq!(ix.position(t, 4), pos(0, 4));
        assert_eq!(ix.position(t, 10), pos(1, 0));
        assert_eq!(ix.position(t, t.len()), pos(2, 0));
        assert_eq!(ix.offset(t, pos(1, 4)), 14);
        round_trips(t);
    }

    #[test]
    fn columns_count_utf16_code_units() {
        // é is 2 bytes and 1 unit; 𝔸 (U+1D538) is 4 bytes and 2 units (a surrogate pair)
        let t = "/// é𝔸x\nlet a = \"𝔸\" // é\n";
        let ix = LineIndex::new(t);
        let x = t.find('x').expect("x");
        assert_eq!(ix.position(t, x), pos(0, 4 + 1 + 2));
        assert_eq!(ix.offset(t, pos(0, 7)), x);
        let a = t.find("𝔸\"").expect("a");
        assert_eq!(ix.position(t, a), pos(1, 9));
        assert_eq!(ix.position(t, a + 4), pos(1, 11));
        // a column inside the surrogate pair stays before the character
        assert_eq!(ix.offset(t, pos(1, 10)), a);
        // an offset inside a character moves back to its start
        assert_eq!(ix.position(t, a + 2), pos(1, 9));
        round_trips(t);
    }

    #[test]
    fn crlf_and_lone_cr_end_lines() {
        let t = "let a = 1\r\nlet b = 2\rlet c = 3\r\n";
        let ix = LineIndex::new(t);
        assert_eq!(ix.position(t, 11), pos(1, 0));
        assert_eq!(ix.position(t, 21), pos(2, 0));
        assert_eq!(ix.offset(t, pos(2, 4)), t.find('c').expect("c"));
        // the end of a line is before its `\r\n`, and so is a column past it
        assert_eq!(ix.position(t, 9), pos(0, 9));
        assert_eq!(ix.position(t, 10), pos(0, 9));
        assert_eq!(ix.offset(t, pos(0, 99)), 9);
        assert_eq!(ix.offset(t, pos(9, 0)), t.len());
        round_trips(t);
    }

    #[test]
    fn ranges_and_empty_text() {
        let t = "";
        let ix = LineIndex::new(t);
        assert_eq!(ix.position(t, 5), pos(0, 0));
        assert_eq!(ix.offset(t, pos(3, 3)), 0);
        let t = "a\nbc";
        let ix = LineIndex::new(t);
        assert_eq!(ix.range(t, 2, 4), Range::new(pos(1, 0), pos(1, 2)));
        assert_eq!(ix.range(t, 3, 1), Range::new(pos(1, 1), pos(1, 1)));
    }
}
