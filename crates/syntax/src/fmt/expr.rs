//! Expressions, argument and parameter lists, and values after `=`: one line when they fit,
//! else broken one element per line with a trailing comma; a call whose last argument is a
//! long list keeps its other arguments on the first line and breaks only the list.
//!
//! Contract: the tree is written back exactly (parentheses where precedence needs them or
//! where the author put them around an operand; literals as spelled); only line breaks,
//! indentation, spaces and separators change.

use crate::ast::*;

use super::flat::{Flat, TooWide};
use super::printer::{Printer, INDENT};

/// Which operand of its parent an expression is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Left of a binary operator, or before a member access or call.
    Left,
    /// Right of a binary operator, or after unary minus.
    Right,
}

/// Binding strength: comparisons 1, `+ -` 2, `* /` 3, `of` 4, unary minus 5, the rest 6.
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => match op {
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => 1,
            BinOp::Add | BinOp::Sub => 2,
            BinOp::Mul | BinOp::Div => 3,
            BinOp::Of => 4,
        },
        ExprKind::Neg(_) => 5,
        _ => 6,
    }
}

/// Whether `child` needs parentheses as the `side` operand of `parent` (binary operators
/// associate to the left).
pub fn needs_parens(parent: &Expr, child: &Expr, side: Side) -> bool {
    let (p, c) = (prec(parent), prec(child));
    match (&parent.kind, side) {
        (ExprKind::Binary(..), Side::Left) => c < p,
        (ExprKind::Binary(..), Side::Right) => c <= p,
        (ExprKind::Neg(_), _) => c < p,
        _ => c < 6,
    }
}

/// Whether the operand `x` of a unary minus starts with a minus of its own (`- -1`, written
/// with a space so that it does not read as one `--`).
pub fn double_minus(p: &Printer<'_>, x: &Expr) -> bool {
    matches!(x.kind, ExprKind::Neg(_)) && p.grouped(x).is_none()
}

/// A literal or name as the author spelled it (`1_000`, `4e-5`, `10%`, `"a\tb"`).
pub fn literal<'a>(src: &'a str, e: &'a Expr) -> &'a str {
    match &e.kind {
        ExprKind::Name(n) => n,
        _ => src.get(e.span.start..e.span.end).unwrap_or(""),
    }
}

/// One element of a bracketed list.
#[derive(Clone, Copy)]
pub enum Elem<'a> {
    Expr(&'a Expr),
    Arg(&'a Arg),
    Param(&'a Param),
}

impl Elem<'_> {
    fn start(&self, p: &Printer<'_>) -> usize {
        match self {
            Elem::Expr(e) => p.extent(e).0,
            Elem::Arg(a) => a
                .name
                .as_ref()
                .map_or_else(|| p.extent(&a.value).0, |n| n.span.start),
            Elem::Param(param) => param.name.span.start,
        }
    }
}

/// Offset just past a parameter's last part.
pub fn param_end(p: &Param) -> usize {
    let ty = p.ty.as_ref().map_or(0, |t| t.span.end);
    let default = p.default.as_ref().map_or(0, |d| d.span.end);
    p.name.span.end.max(ty).max(default)
}

impl Printer<'_> {
    /// The one-line form of `e`, if it is not wider than a line.
    pub fn flat_expr(&self, e: &Expr) -> Option<String> {
        let mut f = Flat::new(self);
        let r = f.expr(e);
        f.done(r)
    }

    fn flat_elem(&self, el: Elem<'_>) -> Option<String> {
        let mut f = Flat::new(self);
        let r = match el {
            Elem::Expr(e) => f.expr(e),
            Elem::Arg(a) => f.arg(a),
            Elem::Param(p) => f.param(p),
        };
        f.done(r)
    }

    /// `flat`, when it holds no comment (nothing waits before `end`) and fits with `tail`.
    fn fitting(&self, flat: Option<String>, end: usize, tail: usize) -> Option<String> {
        flat.filter(|s| self.clean(end) && self.fits(width(s), tail))
    }

    /// Where the author put parentheses around `e` (offsets of the outermost `(` and `)`),
    /// when `e` is an operand: an operand has an operator on one side, so a `(` right before
    /// it and a `)` right after can only be a grouping.
    pub fn grouped(&self, e: &Expr) -> Option<(usize, usize)> {
        let (start, end) = self.extent(e);
        self.grouped_at(start, end)
            .map(|(open, end)| (open, end - 1))
    }

    /// The source range of `e` without its own parentheses. A node's span leaves out the
    /// parentheses around its first and last operands (`(a) + (b)` spans `a) + (b`): they are
    /// added back here.
    pub fn extent(&self, e: &Expr) -> (usize, usize) {
        let outer = |x: &Expr| {
            let (s, t) = self.extent(x);
            self.grouped_at(s, t).unwrap_or((s, t))
        };
        match &e.kind {
            ExprKind::Binary(_, l, r) => (outer(l).0, outer(r).1),
            ExprKind::Neg(x) => (e.span.start, outer(x).1),
            ExprKind::Member(base, _) | ExprKind::Call(base, _) => (outer(base).0, e.span.end),
            _ => (e.span.start, e.span.end),
        }
    }

    /// The range `start..end` widened by every pair of parentheses right around it.
    fn grouped_at(&self, start: usize, end: usize) -> Option<(usize, usize)> {
        let b = self.src.as_bytes();
        let (mut found, mut s, mut t) = (None, start, end);
        while let Some(open) = self.prev_token(s).filter(|&o| b[o] == b'(') {
            let close = self.next_token(t);
            if b.get(close) != Some(&b')') {
                break;
            }
            (s, t) = (open, close + 1);
            found = Some((s, t));
        }
        found
    }

    /// Write `e`; `tail` columns must stay free after it on its last line.
    pub fn expr(&mut self, e: &Expr, tail: usize) {
        self.comments_before(e.span.start);
        let end = self.extent(e).1;
        if let Some(s) = self.fitting(self.flat_expr(e), end, tail) {
            self.text(&s);
            return;
        }
        match &e.kind {
            ExprKind::Binary(op, l, r) => {
                self.operand(e, l, Side::Left, 0);
                self.space();
                self.text(op.symbol());
                self.space();
                self.operand(e, r, Side::Right, tail);
            }
            ExprKind::Neg(x) => {
                self.text("-");
                if double_minus(self, x) {
                    self.space();
                }
                self.operand(e, x, Side::Right, tail);
            }
            ExprKind::Member(base, name) => {
                self.operand(e, base, Side::Left, 0);
                self.comments_before(name.span.start);
                self.text(".");
                self.text(&name.name);
            }
            ExprKind::Call(callee, args) => {
                self.operand(e, callee, Side::Left, 0);
                let close = e.span.end.saturating_sub(1);
                self.call_args(args, close, tail);
            }
            ExprKind::List(items) => self.list(items, e.span.end.saturating_sub(1)),
            ExprKind::Tuple(items) => {
                let elems: Vec<Elem> = items.iter().map(Elem::Expr).collect();
                self.broken("(", &elems, ")", e.span.end.saturating_sub(1));
            }
            _ => self.text(literal(self.src, e)),
        }
    }

    /// `child` of `parent`, in parentheses when precedence needs them or the author wrote them.
    fn operand(&mut self, parent: &Expr, child: &Expr, side: Side, tail: usize) {
        let grouped = self.grouped(child);
        if !needs_parens(parent, child, side) && grouped.is_none() {
            self.expr(child, tail);
            return;
        }
        if let Some((open, _)) = grouped {
            self.comments_before(open);
        }
        self.text("(");
        self.expr(child, tail + 1);
        if let Some((_, close)) = grouped {
            self.comments_before(close);
        }
        self.text(")");
    }

    /// The value after `=`: on the same line when it fits or when it is a call or list that
    /// can open there and break; else on the next line, indented, when it fits there or can
    /// break there; else where it is (a long string has nowhere to break).
    pub fn value(&mut self, e: &Expr, tail: usize) {
        self.comments_before(e.span.start);
        let (flat, end) = (self.flat_expr(e), self.extent(e).1);
        if let Some(s) = self.fitting(flat.clone(), end, tail) {
            self.text(&s);
            return;
        }
        if self.opens_here(e) {
            self.expr(e, tail);
            return;
        }
        let fits_below = flat.is_some_and(|s| self.clean(end) && self.fits_below(width(&s), tail));
        if fits_below || bracketed(e) {
            self.indent += INDENT;
            self.hard_break();
            self.expr(e, tail);
            self.indent -= INDENT;
            return;
        }
        self.expr(e, tail);
    }

    /// Whether `e` is a call or list whose first line (`name(` or `[`) fits here.
    fn opens_here(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Call(callee, _) if bracketed(e) => self
                .flat_expr(callee)
                .is_some_and(|s| self.clean(self.extent(callee).1) && self.fits(width(&s) + 1, 0)),
            _ => bracketed(e) && self.fits(1, 0),
        }
    }

    /// A call's `(arguments)`: on one line, else with a last list of calls or lists (or a
    /// list too long for a line) hugged, else one per line. `close` is the offset of the `)`.
    pub fn call_args(&mut self, args: &[Arg], close: usize, tail: usize) {
        let elems: Vec<Elem> = args.iter().map(Elem::Arg).collect();
        let mut f = Flat::new(self);
        let r = f.seq("(", args, ")", |f, a| f.arg(a));
        if let Some(s) = self.fitting(f.done(r), close + 1, tail) {
            self.text(&s);
            return;
        }
        if self.hug(args, close) {
            return;
        }
        self.broken("(", &elems, ")", close);
    }

    /// `(a, b, name = [` on this line, the list broken below, then `])`: when the last
    /// argument is a list of calls or lists, or one too long for a line of its own, and the
    /// others fit before it.
    fn hug(&mut self, args: &[Arg], close: usize) -> bool {
        let Some((last, before)) = args.split_last() else {
            return false;
        };
        let ExprKind::List(items) = &last.value.kind else {
            return false;
        };
        if items.is_empty() || !self.clean(last.value.span.start) {
            return false;
        }
        let mut f = Flat::new(self);
        let r: Result<(), TooWide> = (|| {
            f.seq("(", before, "", |f, a| f.arg(a))?;
            if !before.is_empty() {
                f.push(", ")?;
            }
            if let Some(n) = &last.name {
                f.push(&n.name)?;
                f.push(" = ")?;
            }
            Ok(())
        })();
        let Some(head) = f.done(r) else {
            return false;
        };
        // a short list of plain values reads better as one argument line of its own
        let own_line = self.flat_elem(Elem::Arg(last));
        let alone = own_line.is_some_and(|s| self.fits_below(width(&s), 1));
        if (alone && items.iter().all(plain)) || !self.fits(width(&head) + 1, 0) {
            return false;
        }
        self.text(&head);
        self.list(items, last.value.span.end.saturating_sub(1));
        self.comments_before(close);
        self.text(")");
        true
    }

    /// A list that does not fit on one line: plain values (numbers, strings, names, tuples of
    /// them) fill each line as far as the width allows, anything else gets a line per
    /// element. `close` is the offset of the `]`.
    fn list(&mut self, items: &[Expr], close: usize) {
        let filled: Option<Vec<String>> = if self.clean(close) && items.iter().all(plain) {
            items.iter().map(|e| self.flat_expr(e)).collect()
        } else {
            None
        };
        let Some(filled) = filled else {
            let elems: Vec<Elem> = items.iter().map(Elem::Expr).collect();
            self.broken("[", &elems, "]", close);
            return;
        };
        self.open("[");
        self.hard_break();
        for (i, s) in filled.iter().enumerate() {
            if i > 0 {
                self.space();
                if !self.fits(width(s) + 1, 0) {
                    self.hard_break();
                }
            }
            self.text(s);
            self.text(",");
        }
        self.close("]", close);
    }

    /// A list broken one element per line, each followed by a comma; `close` is the offset
    /// of the closing bracket.
    pub fn broken(&mut self, open: &str, elems: &[Elem<'_>], close_bracket: &str, close: usize) {
        self.open(open);
        for el in elems {
            self.start_line(el.start(self));
            self.elem(*el);
            self.text(",");
        }
        self.close(close_bracket, close);
    }

    fn elem(&mut self, el: Elem<'_>) {
        match el {
            Elem::Expr(e) => self.expr(e, 1),
            Elem::Arg(a) => {
                if let Some(n) = &a.name {
                    self.text(&n.name);
                    self.space();
                    self.text("=");
                    self.space();
                    self.value(&a.value, 1);
                } else {
                    self.expr(&a.value, 1);
                }
            }
            Elem::Param(p) => self.param(p, 1),
        }
    }

    /// `name: type = default`.
    fn param(&mut self, p: &Param, tail: usize) {
        self.text(&p.name.name);
        if let Some(t) = &p.ty {
            self.comments_before(t.span.start);
            self.text(":");
            self.space();
            self.ty(t);
        }
        if let Some(d) = &p.default {
            self.space();
            self.text("=");
            self.space();
            self.value(d, tail);
        }
    }

    pub fn ty(&mut self, t: &TypeExpr) {
        let mut f = Flat::new(self);
        let r = f.ty(t);
        let s = f.done(r).unwrap_or_else(|| t.name.name.clone());
        self.text(&s);
    }

    /// A parameter list `(a: int, b: int = 2)`; `close` is the offset of its `)`.
    pub fn params(&mut self, params: &[Param], close: usize, tail: usize) {
        let mut f = Flat::new(self);
        let r = f.seq("(", params, ")", |f, p| f.param(p));
        if let Some(s) = self.fitting(f.done(r), close + 1, tail) {
            self.text(&s);
            return;
        }
        let elems: Vec<Elem> = params.iter().map(Elem::Param).collect();
        self.broken("(", &elems, ")", close);
    }
}

/// A call with arguments, or a non-empty list or tuple: it can open on one line and break.
fn bracketed(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call(_, args) => !args.is_empty(),
        ExprKind::List(items) | ExprKind::Tuple(items) => !items.is_empty(),
        _ => false,
    }
}

/// A value that a filled list packs several to a line: a literal, a name, `a.b`, `-1`, or a
/// tuple of those.
fn plain(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Percent(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name(_) => true,
        ExprKind::Neg(x) => plain(x),
        ExprKind::Member(base, _) => {
            matches!(base.kind, ExprKind::Name(_) | ExprKind::Member(..)) && plain(base)
        }
        ExprKind::Tuple(items) => items
            .iter()
            .all(|x| !matches!(x.kind, ExprKind::Tuple(_)) && plain(x)),
        _ => false,
    }
}

/// Columns taken by a one-line text.
pub fn width(s: &str) -> usize {
    s.chars().count()
}
