//! Diagnostics: the located, coded reports every front-end stage produces, their
//! rendering (human via miette, or JSON), and the did-you-mean rule.
//!
//! Contract: each stage has its own `thiserror` enum of problems (named fields, the
//! message in `#[error]`); a problem becomes a `Diag` with a primary span and label, optional
//! secondary labels, help and a severity. Codes are `nas::<stage>::<name>`; every code is
//! listed in `codes::CODES` and explained by `nas explain CODE`.

use std::fmt;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;

use crate::source::{SourceMap, Span};

/// A problem type of one stage: its message (Display) and its stable code.
pub trait Problem: fmt::Display {
    fn code(&self) -> &'static str;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One report: what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diag {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Option<Span>,
    /// What is wrong *here* (lowercase, no trailing period).
    pub label: String,
    /// Context elsewhere ("defined here").
    pub notes: Vec<(Span, String)>,
    pub help: Option<String>,
}

impl Diag {
    pub fn error(problem: impl Problem, span: Span, label: impl Into<String>) -> Self {
        Diag {
            code: problem.code(),
            severity: Severity::Error,
            message: problem.to_string(),
            span: Some(span),
            label: label.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn warning(problem: impl Problem, span: Span, label: impl Into<String>) -> Self {
        Diag {
            severity: Severity::Warning,
            ..Diag::error(problem, span, label)
        }
    }

    /// A report with no location (e.g. a file that could not be read).
    pub fn unlocated(problem: impl Problem) -> Self {
        Diag {
            code: problem.code(),
            severity: Severity::Error,
            message: problem.to_string(),
            span: None,
            label: String::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Add help only when there is some.
    pub fn with_opt_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn with_note(mut self, span: Span, text: impl Into<String>) -> Self {
        self.notes.push((span, text.into()));
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Did-you-mean: the closest candidate within the Levenshtein rule (distance <= 1 for
/// names of length <= 2, else <= 2), or `None`. A candidate must also keep at least one
/// of its own characters (`abc` is not "close" to `bn`: every letter of `bn` would change).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let len = name.chars().count();
    let limit = if len <= 2 { 1 } else { 2 };
    candidates
        .into_iter()
        .filter(|c| *c != name)
        // the distance is at least the difference in length: skip the costly comparison
        .filter(|c| {
            c.len().abs_diff(name.len()) <= limit * 4 && c.chars().count().abs_diff(len) <= limit
        })
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit && *d < c.chars().count())
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

/// Help text for an unknown `name`: "did you mean `x`?" or the list of candidates.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = candidates.into_iter().collect();
    if let Some(c) = closest(name, all.iter().copied()) {
        return format!("did you mean `{c}`?");
    }
    // linear in the candidates (a file with thousands of unknown names asks once per name):
    // the distinct names, then the first MAX of them in order without sorting them all
    let mut seen = std::collections::HashSet::with_capacity(all.len());
    let mut all: Vec<&str> = all.into_iter().filter(|c| seen.insert(*c)).collect();
    if all.is_empty() {
        return "there is nothing of that kind here".to_string();
    }
    const MAX: usize = 24;
    if all.len() > MAX {
        all.select_nth_unstable(MAX);
    }
    let mut first: Vec<&str> = all.iter().take(MAX).copied().collect();
    first.sort_unstable();
    let shown: Vec<String> = first.iter().map(|c| format!("`{c}`")).collect();
    let more = if all.len() > MAX {
        format!(" (and {} more)", all.len() - MAX)
    } else {
        String::new()
    };
    format!("expected one of {}{more}", shown.join(", "))
}

/// A diagnostic bound to its source text, in the form miette renders.
#[derive(Debug)]
struct Rendered {
    diag: Diag,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diag.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
}

/// Longest source line shown in a snippet. miette's renderer panics on columns past 65,535,
/// and a line of thousands of characters is unreadable anyway: such a diagnostic is shown
/// with its location and without the snippet.
const MAX_SNIPPET_LINE: usize = 2_000;

/// Whether any line that a snippet of `span` would show (the span's lines and one line of
/// context on each side, as miette draws them) is longer than [`MAX_SNIPPET_LINE`].
fn too_long_to_show(text: &str, span: Span) -> bool {
    let start = span.start.min(text.len());
    let end = span.end.min(text.len()).max(start);
    let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[..first.saturating_sub(1)]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let last = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let after = text[(last + 1).min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| last + 1 + i);
    text[before..after]
        .split('\n')
        .any(|line| line.len() > MAX_SNIPPET_LINE)
}

fn bind(diag: &Diag, sources: &SourceMap) -> Rendered {
    let mut labels = Vec::new();
    let mut help = diag.help.clone();
    let mut source = None;
    let hidden = diag.span.is_some_and(|span| {
        let text = sources.text(span.src);
        too_long_to_show(text, span)
            || diag
                .notes
                .iter()
                .any(|(n, _)| n.src == span.src && too_long_to_show(text, *n))
    });
    if let (true, Some(span)) = (hidden, diag.span) {
        let (line, col) = sources.line_col(span.src, span.start);
        let at = format!(
            "{}: at {}:{line}:{col} (the line is too long to show)",
            diag.label,
            sources.name(span.src)
        );
        help = Some(match help {
            Some(h) => format!("{at}\n{h}"),
            None => at,
        });
    } else if let Some(span) = diag.span {
        let text = sources.text(span.src);
        source = Some(NamedSource::new(sources.name(span.src), text.to_string()));
        let clamp = |s: Span| {
            let start = s.start.min(text.len());
            (start, s.end.min(text.len()).saturating_sub(start))
        };
        labels.push(LabeledSpan::new_primary_with_span(
            Some(diag.label.clone()),
            clamp(span),
        ));
        for (note_span, note) in &diag.notes {
            if note_span.src == span.src {
                labels.push(LabeledSpan::new_with_span(
                    Some(note.clone()),
                    clamp(*note_span),
                ));
            } else {
                let (line, col) = sources.line_col(note_span.src, note_span.start);
                let at = format!("{note} at {}:{line}:{col}", sources.name(note_span.src));
                help = Some(match help {
                    Some(h) => format!("{h}\n{at}"),
                    None => at,
                });
            }
        }
    }
    Rendered {
        diag: diag.clone(),
        source,
        labels,
        help,
    }
}

/// Render diagnostics for people: miette's graphical report, without colour when
/// `color` is false, wrapped at `width` columns; the first [`MAX_RENDERED`] and a count of
/// the rest.
pub fn render_human(diags: &[Diag], sources: &SourceMap, width: usize, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false);
    let mut out = String::new();
    for d in diags.iter().take(MAX_RENDERED) {
        let r = bind(d, sources);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&format!("{}: {}\n", d.code, d.message));
        }
        out.push('\n');
    }
    if diags.len() > MAX_RENDERED {
        out.push_str(&format!(
            "... and {} more not shown (`--format json` lists every one)\n\n",
            diags.len() - MAX_RENDERED
        ));
    }
    out
}

/// Most diagnostics [`render_human`] draws: a file with thousands of errors took minutes to
/// render (each report carries its source), and nobody reads past the first screens.
pub const MAX_RENDERED: usize = 200;

/// The JSON form of one diagnostic (`nas check --format json`).
#[derive(Debug, Serialize)]
pub struct JsonDiag {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub col: Option<u32>,
    pub start: Option<usize>,
    pub end: Option<usize>,
    pub label: String,
    pub help: Option<String>,
}

pub fn to_json(diags: &[Diag], sources: &SourceMap) -> Vec<JsonDiag> {
    diags
        .iter()
        .map(|d| {
            let at = d.span.map(|s| (s, sources.line_col(s.src, s.start)));
            JsonDiag {
                code: d.code,
                severity: d.severity,
                message: d.message.clone(),
                file: at.map(|(s, _)| sources.name(s.src).to_string()),
                line: at.map(|(_, (line, _))| line),
                col: at.map(|(_, (_, col))| col),
                start: at.map(|(s, _)| s.start),
                end: at.map(|(s, _)| s.end),
                label: d.label.clone(),
                help: d.help.clone(),
            }
        })
        .collect()
}
