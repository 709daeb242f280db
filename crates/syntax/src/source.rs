//! Sources and spans: every `.nas` text the compiler has read (user files and the embedded
//! standard library), addressed by `SourceId`, and byte spans into them.
//!
//! Contract: a `Span` is a half-open byte range into one source; `SourceMap::line_col`
//! gives the 1-based line and column of an offset (lowering turns a span into the IR's).

use std::sync::Arc;

/// Index of a source in its `SourceMap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct SourceId(pub u32);

/// A byte range in one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub src: SourceId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(src: SourceId, start: usize, end: usize) -> Self {
        Span { src, start, end }
    }
    /// The smallest span covering both (same source assumed; else `self`).
    pub fn to(self, other: Span) -> Span {
        if self.src != other.src {
            return self;
        }
        Span::new(
            self.src,
            self.start.min(other.start),
            self.end.max(other.end),
        )
    }
}

/// One source text and the name shown to users (`examples/x.nas`, `std/data.nas`).
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: Arc<str>,
    /// Byte offset of the start of every line (for fast line/column lookup).
    line_starts: Vec<usize>,
}

/// All sources read in one compilation.
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    sources: Vec<Source>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a source and return its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> SourceId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        self.sources.push(Source {
            name: name.into(),
            text,
            line_starts,
        });
        SourceId((self.sources.len() - 1) as u32)
    }

    pub fn get(&self, id: SourceId) -> Option<&Source> {
        self.sources.get(id.0 as usize)
    }

    pub fn name(&self, id: SourceId) -> &str {
        self.get(id).map(|s| s.name.as_str()).unwrap_or("<unknown>")
    }

    pub fn text(&self, id: SourceId) -> &str {
        self.get(id).map(|s| &*s.text).unwrap_or("")
    }

    /// 1-based line and column (in characters) of byte offset `pos`.
    pub fn line_col(&self, id: SourceId, pos: usize) -> (u32, u32) {
        let Some(src) = self.get(id) else {
            return (1, 1);
        };
        let pos = pos.min(src.text.len());
        let idx = src
            .line_starts
            .partition_point(|&s| s <= pos)
            .saturating_sub(1);
        let line_start = src.line_starts.get(idx).copied().unwrap_or(0);
        let col = src
            .text
            .get(line_start..pos)
            .map(|s| s.chars().count())
            .unwrap_or(0) as u32
            + 1;
        (idx as u32 + 1, col)
    }
}
