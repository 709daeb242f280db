//! Top-level items, pipelines, stages and blocks: one item per line, one blank line between
//! top-level items (consecutive imports keep the author's choice), at most one blank line
//! where the author left some inside a body.
//!
//! Contract: a block without phases and a pipeline body with at most one setting stay on one
//! line when they fit (`{ epochs = 2, arch = frozen }`); otherwise each field, stage or phase
//! has a line of its own and separating commas are dropped.

use crate::ast::*;

use super::expr::{param_end, width};
use super::flat::Flat;
use super::printer::Printer;

impl Printer<'_> {
    pub fn file(&mut self, f: &File) {
        let mut prev: Option<&Item> = None;
        for item in &f.items {
            if let Some(p) = prev {
                self.blank_due = !(is_import(p) && is_import(item));
            }
            self.start_line(item_start(item));
            match item {
                Item::Import(i) => self.import(i),
                Item::Def(d) => self.def(d),
                Item::Pipeline(p) => self.pipeline(p),
            }
            prev = Some(item);
        }
    }

    fn import(&mut self, i: &Import) {
        self.text("import");
        self.space();
        match &i.target {
            ImportTarget::Module(parts) => {
                if let Some(first) = parts.first() {
                    self.comments_before(first.span.start);
                }
                let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
                self.text(&names.join("."));
            }
            ImportTarget::Path(_, span) => {
                self.comments_before(span.start);
                self.text(&self.src[span.start..span.end]);
            }
        }
        if let Some(a) = &i.alias {
            self.space();
            self.comments_before(a.span.start);
            self.text("as");
            self.space();
            self.text(&a.name);
        }
    }

    fn def(&mut self, d: &Def) {
        self.text(match d.kind {
            DefKind::Let => "let",
            DefKind::Def => "def",
            DefKind::Op => "op",
        });
        self.space();
        self.comments_before(d.name.span.start);
        self.text(&d.name.name);
        if let Some(ps) = &d.params {
            let ty = d.ty.as_ref().map_or(0, |t| 2 + self.ty_width(t));
            let from = ps.last().map_or(d.name.span.end, param_end);
            let close = self.closing(from, b'(', b')');
            self.params(ps, close, ty + 2);
        }
        if let Some(t) = &d.ty {
            self.comments_before(t.span.start);
            self.text(":");
            self.space();
            self.ty(t);
        }
        self.space();
        self.text("=");
        self.space();
        self.value(&d.body, 0);
    }

    fn ty_width(&self, t: &TypeExpr) -> usize {
        let mut f = Flat::new(self);
        let r = f.ty(t);
        f.done(r).map_or(0, |s| width(&s))
    }

    fn pipeline(&mut self, p: &PipelineDef) {
        self.text("pipeline");
        self.space();
        self.comments_before(p.name.span.start);
        self.text(&p.name.name);
        if let Some(ps) = &p.params {
            let from = ps.last().map_or(p.name.span.end, param_end);
            let close = self.closing(from, b'(', b')');
            // ` =` before a base, else ` {`
            self.params(ps, close, 2);
        }
        if let Some(base) = &p.base {
            self.space();
            self.text("=");
            self.space();
            self.value(base, 2);
        }
        self.space();
        let close = p.span.end.saturating_sub(1);
        let flat = match p.items.as_slice() {
            [] => Some("{}".to_string()),
            [PipeItem::Assign(a)] => {
                let mut f = Flat::new(self);
                let r = f
                    .push("{ ")
                    .and_then(|()| f.assign(a))
                    .and_then(|()| f.push(" }"));
                f.done(r)
            }
            _ => None,
        };
        if let Some(s) = flat.filter(|s| self.clean(p.span.end) && self.fits(width(s), 0)) {
            self.text(&s);
            return;
        }
        self.open("{");
        for item in &p.items {
            match item {
                PipeItem::Stage(s) => {
                    self.start_line(s.span.start);
                    self.stage(s);
                }
                PipeItem::Assign(a) => {
                    self.start_line(a.span.start);
                    self.assign(a);
                }
            }
        }
        self.close("}", close);
    }

    fn stage(&mut self, s: &StageDecl) {
        self.text("stage");
        self.space();
        self.comments_before(s.name.span.start);
        self.text(&s.name.name);
        self.comments_before(s.kind.span.start);
        self.text(":");
        self.space();
        self.text(&s.kind.name);
        let after: Vec<&str> = s.after.iter().map(|a| a.name.as_str()).collect();
        let after_width = if after.is_empty() {
            0
        } else {
            " after ".len() + width(&after.join(", "))
        };
        if let Some(last) = s.args.last() {
            let close = self.closing(last.value.span.end, b'(', b')');
            let tail = if s.block.is_some() { 2 } else { after_width };
            self.call_args(&s.args, close, tail);
        }
        if let Some(b) = &s.block {
            self.space();
            self.block(b, after_width);
        }
        if let Some((first, rest)) = s.after.split_first() {
            self.space();
            self.comments_before(first.span.start);
            self.text("after");
            self.space();
            self.text(&first.name);
            for a in rest {
                self.text(",");
                self.space();
                self.comments_before(a.span.start);
                self.text(&a.name);
            }
        }
    }

    /// `{ fields, phases, when }`; `tail` columns must stay free after the `}`.
    fn block(&mut self, b: &Block, tail: usize) {
        self.comments_before(b.span.start);
        let has_phase = b.items.iter().any(|i| matches!(i, BlockItem::Phase { .. }));
        if !has_phase {
            let mut f = Flat::new(self);
            let r = f.block(b);
            if let Some(s) = f.done(r) {
                if self.clean(b.span.end) && self.fits(width(&s), tail) {
                    self.text(&s);
                    return;
                }
            }
        }
        self.open("{");
        for item in &b.items {
            match item {
                BlockItem::Assign(a) => {
                    self.start_line(a.span.start);
                    self.assign(a);
                }
                BlockItem::Phase { name, block, span } => {
                    self.start_line(span.start);
                    self.text("phase");
                    self.space();
                    self.comments_before(name.span.start);
                    self.text(&name.name);
                    self.space();
                    self.block(block, 0);
                }
                BlockItem::When { cond, span } => {
                    self.start_line(span.start);
                    self.text("when");
                    self.space();
                    self.expr(cond, 0);
                }
            }
        }
        self.close("}", b.span.end.saturating_sub(1));
    }

    /// `path = value`.
    fn assign(&mut self, a: &Assign) {
        for (i, part) in a.path.iter().enumerate() {
            if i > 0 {
                self.comments_before(part.span.start);
                self.text(".");
            }
            self.text(&part.name);
        }
        self.space();
        self.text("=");
        self.space();
        self.value(&a.value, 0);
    }
}

fn is_import(i: &Item) -> bool {
    matches!(i, Item::Import(_))
}

fn item_start(i: &Item) -> usize {
    match i {
        Item::Import(i) => i.span.start,
        Item::Def(d) => d.span.start,
        Item::Pipeline(p) => p.span.start,
    }
}
