//! The one-line form of a construct: what the formatter writes when it fits in the width and
//! holds no comment.
//!
//! Contract: the text parses back to the same tree (parentheses where precedence needs them
//! or the author wrote them around an operand, a one-element tuple keeps its comma), uses the
//! source's own spelling of literals, and is built only up to a bound past the line width, so
//! trying the one-line form of a large construct costs no more than a line's worth of work.

use crate::ast::*;

use super::expr::{self, Side};
use super::printer::{Printer, WIDTH};

/// The construct is wider than any line: its one-line form is not wanted.
pub struct TooWide;

type Res = Result<(), TooWide>;

/// Builds one-line forms, reading literals and parentheses from the printer's source.
pub struct Flat<'p, 's> {
    p: &'p Printer<'s>,
    out: String,
}

/// Bytes past which a one-line form is abandoned (a character is at most 4 bytes).
const LIMIT: usize = 4 * WIDTH;

impl<'p, 's> Flat<'p, 's> {
    pub fn new(p: &'p Printer<'s>) -> Self {
        Flat {
            p,
            out: String::new(),
        }
    }

    /// The text built, or `None` when it grew past any line.
    pub fn done(self, built: Res) -> Option<String> {
        built.ok().map(|()| self.out)
    }

    pub fn push(&mut self, s: &str) -> Res {
        self.out.push_str(s);
        if self.out.len() > LIMIT {
            Err(TooWide)
        } else {
            Ok(())
        }
    }

    pub fn expr(&mut self, e: &Expr) -> Res {
        match &e.kind {
            ExprKind::Binary(op, l, r) => {
                self.operand(e, l, Side::Left)?;
                self.push(" ")?;
                self.push(op.symbol())?;
                self.push(" ")?;
                self.operand(e, r, Side::Right)
            }
            ExprKind::Neg(x) => {
                self.push("-")?;
                if expr::double_minus(self.p, x) {
                    self.push(" ")?;
                }
                self.operand(e, x, Side::Right)
            }
            ExprKind::Member(base, name) => {
                self.operand(e, base, Side::Left)?;
                self.push(".")?;
                self.push(&name.name)
            }
            ExprKind::Call(callee, args) => {
                self.operand(e, callee, Side::Left)?;
                self.seq("(", args, ")", |f, a| f.arg(a))
            }
            ExprKind::List(items) => self.seq("[", items, "]", |f, x| f.expr(x)),
            ExprKind::Tuple(items) => {
                self.seq("(", items, "", |f, x| f.expr(x))?;
                self.push(if items.len() == 1 { ",)" } else { ")" })
            }
            _ => self.push(expr::literal(self.p.src, e)),
        }
    }

    /// `child` of `parent`, in parentheses when precedence needs them or the author wrote them.
    fn operand(&mut self, parent: &Expr, child: &Expr, side: Side) -> Res {
        let parens = expr::needs_parens(parent, child, side) || self.p.grouped(child).is_some();
        if parens {
            self.push("(")?;
        }
        self.expr(child)?;
        if parens {
            self.push(")")?;
        }
        Ok(())
    }

    pub fn seq<T>(
        &mut self,
        open: &str,
        items: &[T],
        close: &str,
        mut each: impl FnMut(&mut Self, &T) -> Res,
    ) -> Res {
        self.push(open)?;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.push(", ")?;
            }
            each(self, item)?;
        }
        self.push(close)
    }

    pub fn arg(&mut self, a: &Arg) -> Res {
        if let Some(name) = &a.name {
            self.push(&name.name)?;
            self.push(" = ")?;
        }
        self.expr(&a.value)
    }

    pub fn param(&mut self, p: &Param) -> Res {
        self.push(&p.name.name)?;
        if let Some(t) = &p.ty {
            self.push(": ")?;
            self.ty(t)?;
        }
        if let Some(d) = &p.default {
            self.push(" = ")?;
            self.expr(d)?;
        }
        Ok(())
    }

    pub fn ty(&mut self, t: &TypeExpr) -> Res {
        self.push(&t.name.name)?;
        if let Some(a) = &t.arg {
            self.push("[")?;
            self.ty(a)?;
            self.push("]")?;
        }
        if t.optional {
            self.push("?")?;
        }
        Ok(())
    }

    pub fn block(&mut self, b: &Block) -> Res {
        if b.items.is_empty() {
            return self.push("{}");
        }
        self.push("{ ")?;
        for (i, item) in b.items.iter().enumerate() {
            if i > 0 {
                self.push(", ")?;
            }
            match item {
                BlockItem::Assign(a) => self.assign(a)?,
                BlockItem::When { cond, .. } => {
                    self.push("when ")?;
                    self.expr(cond)?;
                }
                BlockItem::Phase { name, block, .. } => {
                    self.push("phase ")?;
                    self.push(&name.name)?;
                    self.push(" ")?;
                    self.block(block)?;
                }
            }
        }
        self.push(" }")
    }

    pub fn assign(&mut self, a: &Assign) -> Res {
        self.path(&a.path)?;
        self.push(" = ")?;
        self.expr(&a.value)
    }

    pub fn path(&mut self, path: &[Ident]) -> Res {
        for (i, part) in path.iter().enumerate() {
            if i > 0 {
                self.push(".")?;
            }
            self.push(&part.name)?;
        }
        Ok(())
    }
}
