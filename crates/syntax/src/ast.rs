//! The abstract syntax tree of a `.nas` file. Every node carries its source span.
//!
//! Contract: the tree is exactly what was written (no names resolved, no defaults
//! filled); `ExprKind::Error` marks a node whose text was already reported as an error.

use crate::source::{SourceId, Span};

/// A parsed file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub src: SourceId,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Import),
    Def(Def),
    Pipeline(PipelineDef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub target: ImportTarget,
    pub alias: Option<Ident>,
    pub span: Span,
}

impl Import {
    /// The name the import binds: the alias, else the last path segment / file stem.
    pub fn binding(&self) -> Option<Ident> {
        if let Some(a) = &self.alias {
            return Some(a.clone());
        }
        match &self.target {
            ImportTarget::Module(parts) => parts.last().cloned(),
            ImportTarget::Path(p, span) => {
                let stem = std::path::Path::new(p).file_stem()?.to_str()?.to_string();
                Some(Ident {
                    name: stem,
                    span: *span,
                })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ImportTarget {
    /// `std.spaces.darts`, `models.mine`
    Module(Vec<Ident>),
    /// `"../shared/x.nas"`
    Path(String, Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefKind {
    Let,
    Def,
    Op,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Def {
    pub kind: DefKind,
    pub name: Ident,
    /// `None` for `let x = ...` (a constant), `Some` for `def f(...)`.
    pub params: Option<Vec<Param>>,
    pub ty: Option<TypeExpr>,
    pub body: Expr,
    /// The `///` lines right above the definition.
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub name: Ident,
    pub arg: Option<Box<TypeExpr>>,
    pub optional: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineDef {
    pub name: Ident,
    pub params: Option<Vec<Param>>,
    /// `pipeline q = base(...) { ... }`: the pipeline this one extends.
    pub base: Option<Expr>,
    pub items: Vec<PipeItem>,
    pub doc: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PipeItem {
    Stage(StageDecl),
    Assign(Assign),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageDecl {
    pub name: Ident,
    pub kind: Ident,
    pub args: Vec<Arg>,
    pub block: Option<Block>,
    pub after: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub items: Vec<BlockItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BlockItem {
    Assign(Assign),
    Phase {
        name: Ident,
        block: Block,
        span: Span,
    },
    When {
        cond: Expr,
        span: Span,
    },
}

/// `path = value`; a path of one name is a field, a longer one an override.
#[derive(Debug, Clone, PartialEq)]
pub struct Assign {
    pub path: Vec<Ident>,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Of,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Of => "of",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    /// `10%` is stored as 10.0.
    Percent(f64),
    Str(String),
    Bool(bool),
    None,
    Name(String),
    Member(Box<Expr>, Ident),
    Call(Box<Expr>, Vec<Arg>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Neg(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// Already reported; evaluates to nothing, silently.
    Error,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    pub name: Option<Ident>,
    pub value: Expr,
}
