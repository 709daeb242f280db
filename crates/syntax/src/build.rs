//! Pest pairs to AST and literal conversion (numbers, escapes). Pest's own errors become
//! diagnostics in `pest_error.rs`.

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::ast::*;
use super::error::ParseError;
use super::Rule;
use crate::diagnostics::Diag;
use crate::source::{SourceId, Span};

/// Most infix operators or postfix suffixes accepted in one expression.
const MAX_CHAIN: usize = 64;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::infix(Rule::of, Assoc::Left))
        .op(Op::prefix(Rule::neg))
});

struct Builder {
    src: SourceId,
    text_len: usize,
    diags: Vec<Diag>,
    text: std::sync::Arc<str>,
}

pub fn build_file(src: SourceId, file: Pair<'_, Rule>) -> (Option<File>, Vec<Diag>) {
    let text: std::sync::Arc<str> = file.get_input().into();
    let mut b = Builder {
        src,
        text_len: text.len(),
        diags: Vec::new(),
        text,
    };
    let mut items = Vec::new();
    for p in file.into_inner() {
        match p.as_rule() {
            Rule::import => items.push(Item::Import(b.import(p))),
            Rule::definition => items.push(Item::Def(b.definition(p))),
            Rule::pipeline => items.push(Item::Pipeline(b.pipeline(p))),
            _ => {}
        }
    }
    (Some(File { src, items }), b.diags)
}

impl Builder {
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.src, s.start(), s.end())
    }

    fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    /// The `///` lines directly above byte offset `start`.
    fn doc_above(&self, start: usize) -> Option<String> {
        let before = &self.text[..start.min(self.text_len)];
        let mut lines: Vec<&str> = Vec::new();
        for line in before
            .lines()
            .rev()
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| l.trim_start().starts_with("///"))
        {
            lines.push(line.trim_start().trim_start_matches("///").trim());
        }
        if lines.is_empty() {
            return None;
        }
        lines.reverse();
        Some(lines.join("\n"))
    }

    fn import(&mut self, p: Pair<'_, Rule>) -> Import {
        let span = self.span(&p);
        let mut target = ImportTarget::Module(Vec::new());
        let mut alias = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::string => target = ImportTarget::Path(self.string(&c), self.span(&c)),
                Rule::module_path => {
                    target = ImportTarget::Module(c.into_inner().map(|i| self.ident(i)).collect())
                }
                Rule::ident => alias = Some(self.ident(c)),
                _ => {}
            }
        }
        Import {
            target,
            alias,
            span,
        }
    }

    fn definition(&mut self, p: Pair<'_, Rule>) -> Def {
        let span = self.span(&p);
        let doc = self.doc_above(span.start);
        let mut kind = DefKind::Let;
        let mut name = None;
        let mut params = None;
        let mut ty = None;
        let mut body = None;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::def_kw => {
                    kind = match c.into_inner().next().map(|k| k.as_rule()) {
                        Some(Rule::kw_def) => DefKind::Def,
                        Some(Rule::kw_op) => DefKind::Op,
                        _ => DefKind::Let,
                    }
                }
                Rule::ident => name = Some(self.ident(c)),
                Rule::params => params = Some(self.params(c)),
                Rule::type_expr => ty = Some(self.type_expr(c)),
                Rule::expr => body = Some(self.expr(c)),
                _ => {}
            }
        }
        let name = name.unwrap_or(Ident {
            name: String::new(),
            span,
        });
        let body = body.unwrap_or(Expr {
            kind: ExprKind::Error,
            span,
        });
        Def {
            kind,
            name,
            params,
            ty,
            body,
            doc,
            span,
        }
    }

    fn params(&mut self, p: Pair<'_, Rule>) -> Vec<Param> {
        p.into_inner()
            .map(|param| {
                let mut it = param.into_inner();
                let name = it.next().map(|i| self.ident(i)).unwrap_or(Ident {
                    name: String::new(),
                    span: Span::default(),
                });
                let mut ty = None;
                let mut default = None;
                for c in it {
                    match c.as_rule() {
                        Rule::type_expr => ty = Some(self.type_expr(c)),
                        _ => default = Some(self.expr(c)),
                    }
                }
                Param { name, ty, default }
            })
            .collect()
    }

    fn type_expr(&mut self, p: Pair<'_, Rule>) -> TypeExpr {
        let span = self.span(&p);
        let mut name = Ident {
            name: String::new(),
            span,
        };
        let mut arg = None;
        let mut optional = false;
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::type_name => name = self.ident(c),
                Rule::type_expr => arg = Some(Box::new(self.type_expr(c))),
                _ => optional = true,
            }
        }
        TypeExpr {
            name,
            arg,
            optional,
            span,
        }
    }

    fn pipeline(&mut self, p: Pair<'_, Rule>) -> PipelineDef {
        let span = self.span(&p);
        let doc = self.doc_above(span.start);
        let mut name = Ident {
            name: String::new(),
            span,
        };
        let (mut params, mut base, mut items) = (None, None, Vec::new());
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => name = self.ident(c),
                Rule::params => params = Some(self.params(c)),
                Rule::expr => base = Some(self.expr(c)),
                Rule::pipeline_body => {
                    for it in c.into_inner() {
                        match it.as_rule() {
                            Rule::stage => items.push(PipeItem::Stage(self.stage(it))),
                            Rule::assign => items.push(PipeItem::Assign(self.assign(it))),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        PipelineDef {
            name,
            params,
            base,
            items,
            doc,
            span,
        }
    }

    fn stage(&mut self, p: Pair<'_, Rule>) -> StageDecl {
        let span = self.span(&p);
        let mut idents = Vec::new();
        let (mut args, mut block, mut after) = (Vec::new(), None, Vec::new());
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::ident => idents.push(self.ident(c)),
                Rule::args => {
                    if let Some(ca) = c.into_inner().next() {
                        args = self.call_args(ca);
                    }
                }
                Rule::block => block = Some(self.block(c)),
                Rule::after => {
                    after = c
                        .into_inner()
                        .filter(|i| i.as_rule() == Rule::ident)
                        .map(|i| self.ident(i))
                        .collect()
                }
                _ => {}
            }
        }
        let mut it = idents.into_iter();
        let blank = Ident {
            name: String::new(),
            span,
        };
        let name = it.next().unwrap_or_else(|| blank.clone());
        let kind = it.next().unwrap_or(blank);
        StageDecl {
            name,
            kind,
            args,
            block,
            after,
            span,
        }
    }

    fn block(&mut self, p: Pair<'_, Rule>) -> Block {
        let span = self.span(&p);
        let mut items = Vec::new();
        for c in p.into_inner() {
            let cspan = self.span(&c);
            match c.as_rule() {
                Rule::assign => items.push(BlockItem::Assign(self.assign(c))),
                Rule::phase => {
                    let mut it = c
                        .into_inner()
                        .filter(|i| matches!(i.as_rule(), Rule::ident | Rule::block));
                    let name = it.next().map(|i| self.ident(i));
                    let block = it.next().map(|b| self.block(b));
                    if let (Some(name), Some(block)) = (name, block) {
                        items.push(BlockItem::Phase {
                            name,
                            block,
                            span: cspan,
                        });
                    }
                }
                Rule::when_clause => {
                    if let Some(e) = c.into_inner().find(|i| i.as_rule() == Rule::expr) {
                        items.push(BlockItem::When {
                            cond: self.expr(e),
                            span: cspan,
                        });
                    }
                }
                _ => {}
            }
        }
        Block { items, span }
    }

    fn assign(&mut self, p: Pair<'_, Rule>) -> Assign {
        let span = self.span(&p);
        let mut path = Vec::new();
        let mut value = Expr {
            kind: ExprKind::Error,
            span,
        };
        for c in p.into_inner() {
            match c.as_rule() {
                Rule::dotted => path = c.into_inner().map(|i| self.ident(i)).collect(),
                _ => value = self.expr(c),
            }
        }
        Assign { path, value, span }
    }

    fn call_args(&mut self, p: Pair<'_, Rule>) -> Vec<Arg> {
        p.into_inner()
            .filter_map(|arg| arg.into_inner().next())
            .map(|a| match a.as_rule() {
                Rule::named_arg => {
                    let mut it = a.into_inner();
                    let name = it.next().map(|i| self.ident(i));
                    let value = match it.next() {
                        Some(e) => self.expr(e),
                        None => Expr {
                            kind: ExprKind::Error,
                            span: Span::default(),
                        },
                    };
                    Arg { name, value }
                }
                _ => Arg {
                    name: None,
                    value: self.expr(a),
                },
            })
            .collect()
    }

    fn expr(&mut self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        if let Some(op) = p
            .clone()
            .into_inner()
            .filter(|c| c.as_rule() != Rule::postfixed)
            .nth(MAX_CHAIN)
        {
            let at = self.span(&op);
            self.diags.push(
                Diag::error(
                    ParseError::TooComplex { limit: MAX_CHAIN },
                    at,
                    "one operator too many",
                )
                .with_help("split it into smaller named parts with `let`"),
            );
            return Expr {
                kind: ExprKind::Error,
                span,
            };
        }
        let cell = std::cell::RefCell::new(&mut *self);
        let out = PRATT
            .map_primary(|prim| cell.borrow_mut().postfixed(prim))
            .map_prefix(|op, rhs| {
                let span = cell.borrow().span(&op).to(rhs.span);
                Expr {
                    kind: ExprKind::Neg(Box::new(rhs)),
                    span,
                }
            })
            .map_infix(|lhs, op, rhs| {
                let bop = match op.as_rule() {
                    Rule::add => BinOp::Add,
                    Rule::sub => BinOp::Sub,
                    Rule::mul => BinOp::Mul,
                    Rule::div => BinOp::Div,
                    Rule::of => BinOp::Of,
                    Rule::lt => BinOp::Lt,
                    Rule::le => BinOp::Le,
                    Rule::gt => BinOp::Gt,
                    Rule::ge => BinOp::Ge,
                    Rule::eq => BinOp::Eq,
                    _ => BinOp::Ne,
                };
                let span = lhs.span.to(rhs.span);
                Expr {
                    kind: ExprKind::Binary(bop, Box::new(lhs), Box::new(rhs)),
                    span,
                }
            })
            .parse(p.into_inner());
        out
    }

    fn postfixed(&mut self, p: Pair<'_, Rule>) -> Expr {
        let mut it = p.into_inner();
        let Some(first) = it.next() else {
            return Expr {
                kind: ExprKind::Error,
                span: Span::default(),
            };
        };
        let mut e = self.primary(first);
        for (n, suffix) in it.enumerate() {
            let sspan = self.span(&suffix);
            if n >= MAX_CHAIN {
                self.diags.push(Diag::error(
                    ParseError::TooComplex { limit: MAX_CHAIN },
                    sspan,
                    "too many suffixes",
                ));
                return Expr {
                    kind: ExprKind::Error,
                    span: sspan,
                };
            }
            let span = e.span.to(sspan);
            e = match suffix.as_rule() {
                Rule::member => match suffix.into_inner().next() {
                    Some(i) => Expr {
                        kind: ExprKind::Member(Box::new(e), self.ident(i)),
                        span,
                    },
                    None => e,
                },
                _ => Expr {
                    kind: ExprKind::Call(Box::new(e), self.call_args(suffix)),
                    span,
                },
            };
        }
        e
    }

    fn primary(&mut self, p: Pair<'_, Rule>) -> Expr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::int => self.int(p.as_str(), span),
            Rule::float => self
                .float(p.as_str(), span)
                .map(ExprKind::Float)
                .unwrap_or(ExprKind::Error),
            Rule::percent => {
                let t = p.as_str().trim_end_matches('%');
                self.float(t, span)
                    .map(ExprKind::Percent)
                    .unwrap_or(ExprKind::Error)
            }
            Rule::string => ExprKind::Str(self.string(&p)),
            Rule::kw_true => ExprKind::Bool(true),
            Rule::kw_false => ExprKind::Bool(false),
            Rule::kw_none => ExprKind::None,
            Rule::ident => ExprKind::Name(p.as_str().to_string()),
            Rule::list => ExprKind::List(p.into_inner().map(|e| self.expr(e)).collect()),
            Rule::paren => {
                let mut items: Vec<Expr> = p.clone().into_inner().map(|e| self.expr(e)).collect();
                let trailing_comma = p.as_str().trim_end_matches(')').trim_end().ends_with(',');
                if items.len() == 1 && !trailing_comma {
                    return items.remove(0);
                }
                ExprKind::Tuple(items)
            }
            _ => ExprKind::Error,
        };
        Expr { kind, span }
    }

    fn int(&mut self, text: &str, span: Span) -> ExprKind {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        match clean.parse::<i64>() {
            Ok(v) => ExprKind::Int(v),
            Err(_) => {
                self.diags.push(
                    Diag::error(
                        ParseError::IntOutOfRange {
                            text: text.to_string(),
                        },
                        span,
                        "too large",
                    )
                    .with_help(format!("integers must be at most {}", i64::MAX)),
                );
                ExprKind::Error
            }
        }
    }

    fn float(&mut self, text: &str, span: Span) -> Option<f64> {
        let clean: String = text.chars().filter(|c| *c != '_').collect();
        match clean.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => {
                self.diags.push(
                    Diag::error(
                        ParseError::FloatOutOfRange {
                            text: text.to_string(),
                        },
                        span,
                        "not a finite 64-bit number",
                    )
                    .with_help(format!(
                        "numbers must be at most {:e} in magnitude",
                        f64::MAX
                    )),
                );
                None
            }
        }
    }

    /// The value of a string literal (pair `string`), escapes decoded.
    fn string(&mut self, p: &Pair<'_, Rule>) -> String {
        let span = self.span(p);
        let raw = p.as_str();
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, '"')) => out.push('"'),
                Some((j, other)) => {
                    let at = Span::new(
                        self.src,
                        span.start + 1 + i,
                        span.start + 1 + j + other.len_utf8(),
                    );
                    self.diags.push(
                        Diag::error(
                            ParseError::BadEscape { escape: other },
                            at,
                            "unknown escape",
                        )
                        .with_help("known escapes are `\\n`, `\\t`, `\\\\` and `\\\"`"),
                    );
                }
                None => {}
            }
        }
        out
    }
}
