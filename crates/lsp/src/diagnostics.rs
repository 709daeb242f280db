//! The checker's diagnostics as LSP diagnostics of one document.
//!
//! Contract: every diagnostic keeps its code (`nas::check::out_of_range`) as the LSP `code`,
//! its severity, and its message, followed by its label and its help (`help: ...`) on lines
//! of their own (clients show the message whole; the help is also in `data.help`). Its notes
//! ("first defined here") become `relatedInformation` in whatever file they point into.
//!
//! A diagnostic located in another file (an imported module, the standard library) is shown
//! on this document, where the user can act on it, with `relatedInformation` pointing at the
//! real place: a syntax or import problem of the module on the `import` that loads it (directly
//! or through other modules), any other problem on the first use of that import in the
//! document (typically the call whose arguments caused it, `sswp.recipe(epochs = 1)`), or on
//! the import when the document never uses it. One without a location goes on the first line.

use std::collections::HashMap;

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
};
use nas_check::resolve::ModId;
use nas_check::Compiled;
use nas_syntax::ast::*;
use nas_syntax::diagnostics::{Diag, Severity};
use nas_syntax::source::{SourceId, SourceMap, Span};

use crate::analysis::Analysis;
use crate::position::LineIndex;
use crate::stdlib_files::StdlibFiles;

/// The document's own source in a compilation (the loader adds it first).
pub const DOC: SourceId = SourceId(0);

/// Most diagnostics sent for one document.
const MAX: usize = 1000;

/// The document the diagnostics are for.
pub struct DocView<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub lines: &'a LineIndex,
}

/// Where the sources of a compilation are, as URIs.
pub struct Locator<'a> {
    pub doc: &'a DocView<'a>,
    pub stdlib: &'a mut StdlibFiles,
    lines: HashMap<SourceId, LineIndex>,
}

impl<'a> Locator<'a> {
    pub fn new(doc: &'a DocView<'a>, stdlib: &'a mut StdlibFiles) -> Self {
        Locator {
            doc,
            stdlib,
            lines: HashMap::new(),
        }
    }

    /// The URI of the source called `name` (a path, or a standard module's name).
    pub fn uri_of_name(&mut self, name: &str) -> Option<Uri> {
        let path = std::path::Path::new(name);
        if path.is_absolute() {
            return crate::uri::from_path(path);
        }
        let copy = self.stdlib.path_of(name)?;
        crate::uri::from_path(&copy)
    }

    /// The location of `span` in `sources`.
    pub fn location(&mut self, sources: &SourceMap, span: Span) -> Option<Location> {
        if span.src == DOC {
            let range = self.doc.lines.range(self.doc.text, span.start, span.end);
            return Some(Location::new(self.doc.uri.clone(), range));
        }
        let uri = self.uri_of_name(sources.name(span.src))?;
        let text = sources.text(span.src);
        let lines = self
            .lines
            .entry(span.src)
            .or_insert_with(|| LineIndex::new(text));
        Some(Location::new(uri, lines.range(text, span.start, span.end)))
    }
}

/// The diagnostics of `c` for the document; `analysis` (the document's modules) places
/// those that lie in other files.
pub fn convert(c: &Compiled, loc: &mut Locator, analysis: Option<&Analysis>) -> Vec<Diagnostic> {
    c.diags
        .iter()
        .take(MAX)
        .map(|d| {
            let foreign = d.span.is_some_and(|s| s.src != DOC);
            let anchor = d
                .span
                .filter(|_| foreign)
                .and_then(|s| anchor(analysis?, c.sources.name(s.src), d.code));
            one(d, c, loc, foreign, anchor)
        })
        .collect()
}

fn one(
    d: &Diag,
    c: &Compiled,
    loc: &mut Locator,
    foreign: bool,
    anchor: Option<Span>,
) -> Diagnostic {
    let doc_range =
        |span: Span, loc: &Locator| loc.doc.lines.range(loc.doc.text, span.start, span.end);
    let mut message = d.message.clone();
    let mut related = Vec::new();
    let range = match d.span {
        Some(span) if !foreign => {
            if !d.label.is_empty() {
                message.push_str(&format!("\n{}", d.label));
            }
            doc_range(span, loc)
        }
        Some(span) => {
            let (line, col) = c.sources.line_col(span.src, span.start);
            let name = c.sources.name(span.src);
            message.push_str(&format!("\nin {name}:{line}:{col}: {}", d.label));
            if let Some(l) = loc.location(&c.sources, span) {
                let label = if d.label.is_empty() { "here" } else { &d.label };
                related.push(DiagnosticRelatedInformation {
                    location: l,
                    message: label.to_string(),
                });
            }
            anchor.map_or_else(Default::default, |a| doc_range(a, loc))
        }
        None => Default::default(),
    };
    for (span, note) in &d.notes {
        if let Some(l) = loc.location(&c.sources, *span) {
            related.push(DiagnosticRelatedInformation {
                location: l,
                message: note.clone(),
            });
        }
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    Diagnostic {
        range,
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("nas".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        data: d.help.as_ref().map(|h| serde_json::json!({ "help": h })),
        ..Diagnostic::default()
    }
}

/// Where in the document a problem of the module whose source is called `name` shows.
fn anchor(an: &Analysis, name: &str, code: &str) -> Option<Span> {
    let target = an
        .loaded
        .modules
        .iter()
        .find(|m| an.loaded.sources.name(m.src) == name)?
        .id;
    let entry = an.entry_module()?;
    let import = entry.file.items.iter().find_map(|it| match it {
        Item::Import(imp) => {
            let id = *entry.imports.get(&imp.binding()?.name)?;
            reaches(an, id, target).then_some((imp, id))
        }
        _ => None,
    })?;
    let loading = code.starts_with("nas::syntax::") || code.starts_with("nas::resolve::");
    if loading {
        return Some(import.0.span);
    }
    let binding = import.0.binding()?.name;
    entry
        .file
        .items
        .iter()
        .find_map(|it| first_use(it, &binding))
        .or(Some(import.0.span))
}

/// Whether module `to` is `from` or one it imports, directly or not.
fn reaches(an: &Analysis, from: ModId, to: ModId) -> bool {
    let mut seen = vec![from];
    let mut todo = vec![from];
    while let Some(m) = todo.pop() {
        if m == to {
            return true;
        }
        for next in an
            .module(m)
            .map(|m| m.imports.values())
            .into_iter()
            .flatten()
        {
            if !seen.contains(next) {
                seen.push(*next);
                todo.push(*next);
            }
        }
    }
    false
}

/// The span of the first use of the name `binding` in an item: the member it is the base
/// of (`sswp.recipe`), when it is one.
fn first_use(item: &Item, binding: &str) -> Option<Span> {
    let in_args = |args: &[Arg]| args.iter().find_map(|a| use_in(&a.value, binding));
    match item {
        Item::Import(_) => None,
        Item::Def(d) => d
            .params
            .iter()
            .flatten()
            .find_map(|p| p.default.as_ref().and_then(|e| use_in(e, binding)))
            .or_else(|| use_in(&d.body, binding)),
        Item::Pipeline(p) => p
            .params
            .iter()
            .flatten()
            .find_map(|q| q.default.as_ref().and_then(|e| use_in(e, binding)))
            .or_else(|| p.base.as_ref().and_then(|b| use_in(b, binding)))
            .or_else(|| {
                p.items.iter().find_map(|it| match it {
                    PipeItem::Assign(a) => use_in(&a.value, binding),
                    PipeItem::Stage(s) => in_args(&s.args)
                        .or_else(|| s.block.as_ref().and_then(|b| use_in_block(b, binding))),
                })
            }),
    }
}

fn use_in_block(b: &Block, binding: &str) -> Option<Span> {
    b.items.iter().find_map(|it| match it {
        BlockItem::Assign(a) => use_in(&a.value, binding),
        BlockItem::Phase { block, .. } => use_in_block(block, binding),
        BlockItem::When { cond, .. } => use_in(cond, binding),
    })
}

fn use_in(e: &Expr, binding: &str) -> Option<Span> {
    match &e.kind {
        ExprKind::Name(n) if n == binding => Some(e.span),
        ExprKind::Member(base, _) => {
            if matches!(&base.kind, ExprKind::Name(n) if n == binding) {
                Some(e.span)
            } else {
                use_in(base, binding)
            }
        }
        ExprKind::Call(f, args) => {
            let called = matches!(&f.kind, ExprKind::Member(base, _)
                if matches!(&base.kind, ExprKind::Name(n) if n == binding));
            if called {
                return Some(f.span);
            }
            use_in(f, binding).or_else(|| args.iter().find_map(|a| use_in(&a.value, binding)))
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) => xs.iter().find_map(|x| use_in(x, binding)),
        ExprKind::Neg(x) => use_in(x, binding),
        ExprKind::Binary(_, l, r) => use_in(l, binding).or_else(|| use_in(r, binding)),
        _ => None,
    }
}
