//! The formatter's own check that it changed nothing but layout: the formatted text parses
//! to the same tree as the original (spans aside; doc comments included) and holds the same
//! comments in the same order.
//!
//! Contract: `unchanged` is true only when both hold; the formatter refuses to return a text
//! for which it is false.

use crate::ast::*;
use crate::source::Span;

use super::comments;

/// Whether `after` (formatted) means exactly what `before` meant, comments included.
pub fn unchanged(before: &File, before_text: &str, after: &File, after_text: &str) -> bool {
    let (mut a, mut b) = (before.clone(), after.clone());
    file(&mut a);
    file(&mut b);
    a == b && comment_texts(before_text) == comment_texts(after_text)
}

fn comment_texts(text: &str) -> Vec<&str> {
    comments::scan(text)
        .iter()
        .map(|c| &text[c.start..c.end])
        .collect()
}

/// Every span of the tree set to the default, so that trees compare by content.
fn file(f: &mut File) {
    f.src = Default::default();
    for item in &mut f.items {
        match item {
            Item::Import(i) => {
                i.span = Span::default();
                match &mut i.target {
                    ImportTarget::Module(parts) => parts.iter_mut().for_each(ident),
                    ImportTarget::Path(_, s) => *s = Span::default(),
                }
                i.alias.iter_mut().for_each(ident);
            }
            Item::Def(d) => {
                d.span = Span::default();
                ident(&mut d.name);
                d.params.iter_mut().flatten().for_each(param);
                d.ty.iter_mut().for_each(ty);
                expr(&mut d.body);
            }
            Item::Pipeline(p) => {
                p.span = Span::default();
                ident(&mut p.name);
                p.params.iter_mut().flatten().for_each(param);
                p.base.iter_mut().for_each(expr);
                for it in &mut p.items {
                    match it {
                        PipeItem::Stage(s) => stage(s),
                        PipeItem::Assign(a) => assign(a),
                    }
                }
            }
        }
    }
}

fn ident(i: &mut Ident) {
    i.span = Span::default();
}

fn param(p: &mut Param) {
    ident(&mut p.name);
    p.ty.iter_mut().for_each(ty);
    p.default.iter_mut().for_each(expr);
}

fn ty(t: &mut TypeExpr) {
    t.span = Span::default();
    ident(&mut t.name);
    if let Some(a) = &mut t.arg {
        ty(a);
    }
}

fn stage(s: &mut StageDecl) {
    s.span = Span::default();
    ident(&mut s.name);
    ident(&mut s.kind);
    s.args.iter_mut().for_each(arg);
    s.block.iter_mut().for_each(block);
    s.after.iter_mut().for_each(ident);
}

fn block(b: &mut Block) {
    b.span = Span::default();
    for item in &mut b.items {
        match item {
            BlockItem::Assign(a) => assign(a),
            BlockItem::Phase {
                name,
                block: inner,
                span,
            } => {
                *span = Span::default();
                ident(name);
                block(inner);
            }
            BlockItem::When { cond, span } => {
                *span = Span::default();
                expr(cond);
            }
        }
    }
}

fn assign(a: &mut Assign) {
    a.span = Span::default();
    a.path.iter_mut().for_each(ident);
    expr(&mut a.value);
}

fn arg(a: &mut Arg) {
    a.name.iter_mut().for_each(ident);
    expr(&mut a.value);
}

fn expr(e: &mut Expr) {
    e.span = Span::default();
    match &mut e.kind {
        ExprKind::Member(base, name) => {
            expr(base);
            ident(name);
        }
        ExprKind::Call(callee, args) => {
            expr(callee);
            args.iter_mut().for_each(arg);
        }
        ExprKind::List(items) | ExprKind::Tuple(items) => items.iter_mut().for_each(expr),
        ExprKind::Neg(x) => expr(x),
        ExprKind::Binary(_, l, r) => {
            expr(l);
            expr(r);
        }
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Percent(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name(_)
        | ExprKind::Error => {}
    }
}
