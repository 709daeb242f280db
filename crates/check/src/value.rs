//! Values of the language: what expressions evaluate to during checking.
//!
//! Contract: a `Rec` built by a constructor has every field of its schema, in schema order,
//! already type- and range-checked (absent optional fields hold `V::None`; `Computed`
//! fields that were not given also hold `V::None` and are worked out from context later).

use std::rc::Rc;

use super::builtins::{Kind, Schema};
use crate::resolve::ModId;
use nas_syntax::ast::BinOp;
use nas_syntax::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub struct Val {
    pub v: V,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Int(i64),
    Float(f64),
    /// A percentage, in [0, 1] units (`10%` is 0.1).
    Frac(f64),
    Str(String),
    Bool(bool),
    None,
    Sym(&'static str),
    List(Vec<Val>),
    Tuple(Vec<Val>),
    Rec(Rc<Rec>),
    /// A named op (`op sep_conv_3x3 = ...`).
    Op(Rc<OpVal>),
    /// A user definition with parameters, not yet called.
    Func {
        module: ModId,
        item: usize,
    },
    /// A built-in constructor, not yet called.
    Builtin(&'static Schema),
    Module(ModId),
    /// A metric comparison: `loss < 0.5`.
    Cmp {
        metric: String,
        op: BinOp,
        value: f64,
    },
    Pipeline(Rc<PipeVal>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub schema: &'static Schema,
    pub fields: Vec<(&'static str, Val)>,
    /// Variadic positional arguments.
    pub extra: Vec<Val>,
    pub span: Span,
}

impl Rec {
    pub fn get(&self, name: &str) -> Option<&Val> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    pub fn kind(&self) -> Kind {
        self.schema.kind
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpVal {
    pub name: String,
    pub body: Val,
}

/// An evaluated pipeline: its bindings and stages, before defaults and checks.
#[derive(Debug, Clone, PartialEq)]
pub struct PipeVal {
    pub name: String,
    pub bindings: Vec<(String, Val, Span)>,
    pub stages: Vec<StageVal>,
    pub span: Span,
    /// The call of the pipeline this one extends (`sswp.recipe(...)`), if any.
    pub call: Option<Span>,
    /// Settings whose value failed (already reported): absent, but not missing.
    pub broken: Vec<String>,
    /// Something of the pipeline failed (already reported): it is checked as far as it
    /// can be, never lowered.
    pub failed: bool,
    /// The pipeline it extends failed: its settings and stages are unknown.
    pub base_failed: bool,
}

impl PipeVal {
    pub fn binding(&self, name: &str) -> Option<&Val> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, v, _)| v)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageVal {
    pub name: Named,
    pub kind: Named,
    /// Fields as written (name, name span, value).
    pub fields: Vec<(Named, Val)>,
    pub phases: Vec<PhaseVal>,
    pub after: Vec<Named>,
    pub span: Span,
    /// Fields whose value failed (already reported): absent, but not missing.
    pub broken: Vec<String>,
    /// A field or phase failed: the stage is checked as far as it can be.
    pub failed: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PhaseVal {
    pub name: Named,
    pub fields: Vec<(Named, Val)>,
    pub when: Option<Val>,
    pub span: Span,
    /// Fields whose value failed (already reported).
    pub broken: Vec<String>,
    pub failed: bool,
}

impl V {
    /// The kind of value, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            V::Int(_) => "an integer".into(),
            V::Float(_) => "a number".into(),
            V::Frac(_) => "a percentage".into(),
            V::Str(_) => "a string".into(),
            V::Bool(_) => "a boolean".into(),
            V::None => "`none`".into(),
            V::Sym(s) => format!("the symbol `{s}`"),
            V::List(_) => "a list".into(),
            V::Tuple(_) => "a tuple".into(),
            V::Rec(r) => format!("{} (`{}`)", r.schema.kind.a_name(), r.schema.name),
            V::Op(_) => "an op".into(),
            V::Func { .. } => "a definition that needs arguments".into(),
            V::Builtin(s) => format!("the constructor `{}` (needs arguments)", s.name),
            V::Module(_) => "a module".into(),
            V::Cmp { .. } => "a condition".into(),
            V::Pipeline(_) => "a pipeline".into(),
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Float(x) | V::Frac(x) => Some(*x),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            V::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            V::Sym(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, V::None)
    }
}
