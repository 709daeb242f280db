//! The comments of a source text and the layout facts the formatter keeps from it: where each
//! comment sits (alone on its line or after code, ending its line or followed by code) and
//! where the author left blank lines.
//!
//! Contract: `scan` finds every `//` and `/* */` comment outside strings, in source order,
//! with its text exactly as written; it runs only on text the grammar accepted, so strings
//! and block comments are closed.

/// One comment of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Byte offset of the `//` or `/*`.
    pub start: usize,
    /// Byte offset just past the comment (a line comment stops before its line end).
    pub end: usize,
    /// Nothing but whitespace before it on its line.
    pub own_line: bool,
    /// Nothing but whitespace after it on its line: the next token starts a new line.
    pub ends_line: bool,
    /// It starts its line and the line above it is blank.
    pub blank_before: bool,
}

/// Every comment of `text`, in order.
pub fn scan(text: &str) -> Vec<Comment> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let end = line_end(b, i);
                out.push(comment(text, i, end));
                i = end;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = b[i + 2..]
                    .windows(2)
                    .position(|w| w == b"*/")
                    .map_or(b.len(), |p| i + 2 + p + 2);
                out.push(comment(text, i, end));
                i = end;
            }
            _ => i += 1,
        }
    }
    out
}

fn comment(text: &str, start: usize, end: usize) -> Comment {
    Comment {
        start,
        end,
        own_line: starts_line(text.as_bytes(), start),
        ends_line: ends_line(text.as_bytes(), end),
        blank_before: blank_before(text, start),
    }
}

/// Only spaces and tabs between the line start and `pos`. Looks no further back than the
/// whitespace, so a file of one long line costs no more than one of many.
fn starts_line(b: &[u8], pos: usize) -> bool {
    let before = b[..pos]
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t' | b'\r'));
    before.is_none_or(|i| b[i] == b'\n')
}

/// Only spaces and tabs between `pos` and the line end.
fn ends_line(b: &[u8], pos: usize) -> bool {
    let after = b[pos..]
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\r'));
    after.is_none_or(|i| b[pos + i] == b'\n')
}

/// Index just past the string literal opening at `start` (escapes skipped).
fn string_end(b: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            b'\n' => return i,
            _ => i += 1,
        }
    }
    b.len()
}

/// Offset of the `\n` ending the line of `from` (or the end of the text).
fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|c| *c == b'\n')
        .map_or(b.len(), |p| from + p)
}

/// Whether `pos` starts its line (after indentation) and the line above is blank: the
/// author left an empty line before what starts at `pos`.
pub fn blank_before(text: &str, pos: usize) -> bool {
    let b = text.as_bytes();
    let pos = pos.min(b.len());
    if !starts_line(b, pos) {
        return false;
    }
    // the line end before `pos`, then whatever comes before it on the line above
    match b[..pos].iter().rposition(|c| *c == b'\n') {
        Some(nl) => starts_line(b, nl),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_strings_with_their_placement() {
        let text = "let a = \"// no\" // one\n\n/* two */ let b = 1 /* three\n */\n";
        let cs = scan(text);
        let texts: Vec<&str> = cs.iter().map(|c| &text[c.start..c.end]).collect();
        assert_eq!(texts, ["// one", "/* two */", "/* three\n */"]);
        assert_eq!(
            cs.iter()
                .map(|c| (c.own_line, c.ends_line, c.blank_before))
                .collect::<Vec<_>>(),
            [
                (false, true, false),
                (true, false, true),
                (false, true, false)
            ]
        );
    }

    #[test]
    fn blank_lines_are_seen_only_at_line_starts() {
        let text = "a\n\n  b c\n \t\nd";
        assert!(blank_before(text, 5));
        assert!(!blank_before(text, 7));
        assert!(!blank_before(text, 0));
        assert!(blank_before(text, 12));
        assert!(!blank_before(text, 2));
    }
}
