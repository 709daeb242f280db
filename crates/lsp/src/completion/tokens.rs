//! The tokens before the cursor, for completion: names, punctuation, strings and numbers,
//! with where lines end between them; comments are skipped as the grammar skips them.
//!
//! Contract: [`scan`] reads any text (it never fails): it says when the text ends inside a
//! comment or a string, which the grammar's pre-scan would report, and otherwise returns
//! every token. A string left open at a line end ends there, as the parser reports it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok<'a> {
    Ident(&'a str),
    Punct(char),
    Str,
    Num,
}

#[derive(Debug, Clone, Copy)]
pub struct Token<'a> {
    pub tok: Tok<'a>,
    /// A line ends between the previous token and this one.
    pub newline: bool,
}

/// Tokens of `text` (and whether a line ends after the last), or where `text` ends: inside
/// a comment, or inside a string (the tokens before it and the string's start).
pub enum Scan<'a> {
    Tokens(Vec<Token<'a>>, bool),
    InComment,
    InString(Vec<Token<'a>>, usize),
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

pub fn scan(text: &str) -> Scan<'_> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut newline = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' | b'\r' => {
                newline = true;
                i += 1;
                continue;
            }
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => match text[i..].find(['\n', '\r']) {
                Some(n) => {
                    i += n;
                    continue;
                }
                None => return Scan::InComment,
            },
            b'/' if b.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(n) => {
                    newline |= text[i..i + 2 + n].contains('\n');
                    i += n + 4;
                    continue;
                }
                None => return Scan::InComment,
            },
            b'"' => {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => return Scan::InString(toks, i),
                        Some(b'\\') => j += 2,
                        // an unterminated string ends at its line's end (the parser says so)
                        Some(b'"' | b'\n' | b'\r') => break,
                        _ => j += 1,
                    }
                }
                toks.push(Token {
                    tok: Tok::Str,
                    newline,
                });
                i = if b.get(j) == Some(&b'"') { j + 1 } else { j };
            }
            _ if is_ident_start(c) => {
                let j = i + b[i..].iter().take_while(|c| is_ident(**c)).count();
                toks.push(Token {
                    tok: Tok::Ident(&text[i..j]),
                    newline,
                });
                i = j;
            }
            _ if c.is_ascii_digit() => {
                let j = i + b[i..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'%'))
                    .count();
                toks.push(Token {
                    tok: Tok::Num,
                    newline,
                });
                i = j;
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                toks.push(Token {
                    tok: Tok::Punct(ch),
                    newline,
                });
                i += ch.len_utf8();
            }
        }
        newline = false;
    }
    Scan::Tokens(toks, newline)
}

/// The start of the identifier that ends at `offset` (the word being typed).
pub fn word_start(text: &str, offset: usize) -> usize {
    let b = text.as_bytes();
    let mut s = offset;
    while s > 0 && is_ident(b[s - 1]) {
        s -= 1;
    }
    // a number is not a word
    if s < offset && !is_ident_start(b[s]) {
        return offset;
    }
    s
}
