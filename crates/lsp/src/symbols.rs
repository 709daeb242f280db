//! Document symbols (the outline): imports, definitions (`let`, `def`, `op`) and pipelines,
//! with a pipeline's settings and stages as its children and a stage's phases as the stage's.
//!
//! Contract: read from the syntax tree of a document that parses; the range of a symbol is
//! its whole declaration, the selection range its name.

use lsp_types::{DocumentSymbol, SymbolKind};
use nas_syntax::ast::*;
use nas_syntax::source::Span;

use crate::position::LineIndex;

/// The outline of `file`, whose text is `text`.
pub fn outline(file: &File, text: &str, lines: &LineIndex) -> Vec<DocumentSymbol> {
    let at = Ranges { text, lines };
    file.items
        .iter()
        .map(|item| match item {
            Item::Import(imp) => {
                let name = match &imp.target {
                    ImportTarget::Module(parts) => parts
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join("."),
                    ImportTarget::Path(p, _) => format!("{p:?}"),
                };
                let path = match &imp.target {
                    ImportTarget::Module(parts) => match (parts.first(), parts.last()) {
                        (Some(a), Some(b)) => a.span.to(b.span),
                        _ => imp.span,
                    },
                    ImportTarget::Path(_, span) => *span,
                };
                let detail = imp.alias.as_ref().map(|a| format!("as {}", a.name));
                at.symbol(name, detail, SymbolKind::MODULE, imp.span, path, None)
            }
            Item::Def(d) => {
                let (kind, word) = match (d.kind, d.params.is_some()) {
                    (DefKind::Op, _) => (SymbolKind::OPERATOR, "op"),
                    (DefKind::Def, _) | (DefKind::Let, true) => (SymbolKind::FUNCTION, "def"),
                    (DefKind::Let, false) => (SymbolKind::CONSTANT, "let"),
                };
                let detail = match &d.ty {
                    Some(t) => format!("{word}: {}", t.name.name),
                    None => word.to_string(),
                };
                at.symbol(
                    d.name.name.clone(),
                    Some(detail),
                    kind,
                    d.span,
                    d.name.span,
                    None,
                )
            }
            Item::Pipeline(p) => pipeline(&at, p),
        })
        .collect()
}

struct Ranges<'a> {
    text: &'a str,
    lines: &'a LineIndex,
}

impl Ranges<'_> {
    /// The end of `span` without the blank lines and comment lines a span runs on over.
    fn end_of(&self, span: Span) -> usize {
        let Some(mut t) = self.text.get(span.start..span.end) else {
            return span.end;
        };
        loop {
            t = t.trim_end();
            let last = t.rfind('\n').map_or(0, |i| i + 1);
            let line = t[last..].trim_start();
            if last > 0 && (line.starts_with("//") || line.starts_with("/*")) {
                t = &t[..last];
            } else {
                return span.start + t.len();
            }
        }
    }

    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        whole: Span,
        name_span: Span,
        children: Option<Vec<DocumentSymbol>>,
    ) -> DocumentSymbol {
        #[allow(deprecated)] // `deprecated` is a field the type still requires
        DocumentSymbol {
            name: if name.is_empty() { "?".into() } else { name },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: self.lines.range(
                self.text,
                whole.start,
                self.end_of(whole).max(name_span.end),
            ),
            selection_range: self.lines.range(self.text, name_span.start, name_span.end),
            children,
        }
    }
}

fn pipeline(at: &Ranges, p: &PipelineDef) -> DocumentSymbol {
    let children = p
        .items
        .iter()
        .map(|it| match it {
            PipeItem::Assign(a) => {
                let name: Vec<&str> = a.path.iter().map(|x| x.name.as_str()).collect();
                let first = a.path.first().map_or(a.span, |x| x.span);
                let last = a.path.last().map_or(a.span, |x| x.span);
                let detail = if a.path.len() == 1 {
                    "setting"
                } else {
                    "override"
                };
                at.symbol(
                    name.join("."),
                    Some(detail.into()),
                    SymbolKind::PROPERTY,
                    a.span,
                    first.to(last),
                    None,
                )
            }
            PipeItem::Stage(s) => {
                let phases: Vec<DocumentSymbol> = s
                    .block
                    .iter()
                    .flat_map(|b| &b.items)
                    .filter_map(|bi| match bi {
                        BlockItem::Phase { name, span, .. } => Some(at.symbol(
                            name.name.clone(),
                            Some("phase".into()),
                            SymbolKind::EVENT,
                            *span,
                            name.span,
                            None,
                        )),
                        _ => None,
                    })
                    .collect();
                at.symbol(
                    s.name.name.clone(),
                    Some(s.kind.name.clone()),
                    SymbolKind::CLASS,
                    s.span,
                    s.name.span,
                    (!phases.is_empty()).then_some(phases),
                )
            }
        })
        .collect();
    at.symbol(
        p.name.name.clone(),
        Some("pipeline".into()),
        SymbolKind::NAMESPACE,
        p.span,
        p.name.span,
        Some(children),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use nas_syntax::source::SourceId;

    #[test]
    fn pipelines_hold_their_stages_and_stages_their_phases() {
        let text = "import std.data\n/// A.\nlet a = 1\nop o = relu\npipeline p {\n  data = data.digits()\n  stage s: ssl_search { phase w { epochs = 1 } }\n  stage d: derive after s\n}\n";
        let (file, _) = nas_syntax::parse(SourceId(0), text);
        let file = file.expect("parses");
        let syms = outline(&file, text, &LineIndex::new(text));
        // a declaration ends where its text does, not at the next one's doc comment
        assert_eq!(syms[0].range.end, lsp_types::Position::new(0, 15));
        let names: Vec<(&str, SymbolKind)> =
            syms.iter().map(|s| (s.name.as_str(), s.kind)).collect();
        assert_eq!(
            names,
            [
                ("std.data", SymbolKind::MODULE),
                ("a", SymbolKind::CONSTANT),
                ("o", SymbolKind::OPERATOR),
                ("p", SymbolKind::NAMESPACE)
            ]
        );
        let p = &syms[3];
        assert_eq!(p.range.start.line, 4);
        assert_eq!(p.range.end.line, 8);
        let kids = p.children.as_ref().expect("children");
        let kid_names: Vec<&str> = kids.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(kid_names, ["data", "s", "d"]);
        assert_eq!(kids[1].detail.as_deref(), Some("ssl_search"));
        let phases = kids[1].children.as_ref().expect("phases");
        assert_eq!(phases[0].name, "w");
        assert_eq!(kids[2].selection_range.start.character, 8);
    }
}
