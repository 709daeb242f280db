//! The evaluator: expressions to values, with every problem reported once and located.
//!
//! Contract: `Err(Fail)` means "already reported"; callers carry on with other parts so
//! that all errors of a file come out together. Evaluation is bounded: calls nest at most
//! `MAX_CALL_DEPTH` deep and constants that refer to themselves are caught.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::builtins::{self, Dflt, Schema, METRICS, SYMBOLS};
use super::error::CheckError;
use super::size;
use super::value::*;
use crate::resolve::{Loaded, ModId, ResolveError};
use nas_syntax::ast::*;
use nas_syntax::diagnostics::{suggest, Diag};
use nas_syntax::source::Span;

/// Marker: the problem was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fail;
pub type R<T = Val> = Result<T, Fail>;

pub const MAX_CALL_DEPTH: usize = 48;

/// Names visible while evaluating: locals (innermost last), then the module.
#[derive(Debug, Clone)]
pub struct Env {
    pub module: ModId,
    pub locals: Vec<(String, Val)>,
    /// Inside `when`: metric names are values.
    pub metrics: bool,
    /// The pipeline being extended failed, so names it would have given are unknown:
    /// unknown names fail without a report of their own.
    pub lenient: bool,
}

impl Env {
    pub fn new(module: ModId) -> Self {
        Env {
            module,
            locals: Vec::new(),
            metrics: false,
            lenient: false,
        }
    }
    fn local(&self, name: &str) -> Option<&Val> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }
}

pub struct Eval<'a> {
    pub loaded: &'a Loaded,
    pub diags: Vec<Diag>,
    /// The definitions being called, outermost first (module, item, name).
    stack: Vec<(ModId, usize, String)>,
    /// Whether `call_depth` was reported: one report per file is enough.
    depth_reported: bool,
    cache: HashMap<(ModId, usize), R>,
    in_progress: HashSet<(ModId, usize)>,
    reported: HashSet<(&'static str, Span)>,
}

impl<'a> Eval<'a> {
    pub fn new(loaded: &'a Loaded, already: &[Diag]) -> Self {
        let reported = already
            .iter()
            .filter_map(|d| d.span.map(|s| (d.code, s)))
            .collect();
        Eval {
            loaded,
            diags: Vec::new(),
            stack: Vec::new(),
            depth_reported: false,
            cache: HashMap::new(),
            in_progress: HashSet::new(),
            reported,
        }
    }

    /// Report a problem once per (code, span).
    pub fn report(&mut self, d: Diag) -> Fail {
        if let Some(s) = d.span {
            if !self.reported.insert((d.code, s)) {
                return Fail;
            }
        }
        self.diags.push(d);
        Fail
    }

    pub fn err(&mut self, e: CheckError, span: Span, label: impl Into<String>) -> Fail {
        self.report(Diag::error(e, span, label))
    }

    pub fn err_help(
        &mut self,
        e: CheckError,
        span: Span,
        label: impl Into<String>,
        help: impl Into<String>,
    ) -> Fail {
        self.report(Diag::error(e, span, label).with_help(help))
    }

    pub fn eval(&mut self, e: &Expr, env: &Env) -> R {
        let span = e.span;
        let v = match &e.kind {
            ExprKind::Int(i) => V::Int(*i),
            ExprKind::Float(x) => V::Float(*x),
            ExprKind::Percent(p) => V::Frac(*p / 100.0),
            ExprKind::Str(s) => V::Str(s.clone()),
            ExprKind::Bool(b) => V::Bool(*b),
            ExprKind::None => V::None,
            ExprKind::Error => return Err(Fail),
            ExprKind::Name(n) => return self.name(n, span, env, true),
            ExprKind::Member(base, m) => return self.member(base, m, env),
            ExprKind::Call(f, args) => return self.call_expr(f, args, span, env),
            ExprKind::List(xs) => V::List(self.bounded(xs, span, env)?),
            ExprKind::Tuple(xs) => V::Tuple(self.bounded(xs, span, env)?),
            ExprKind::Neg(x) => {
                let x = self.eval(x, env)?;
                match x.v {
                    V::Int(i) => V::Int(
                        i.checked_neg()
                            .ok_or_else(|| self.arith("integer overflow", span))?,
                    ),
                    V::Float(f) => V::Float(-f),
                    V::Frac(f) => V::Frac(-f),
                    other => return Err(self.mismatch("a number", &other, x.span)),
                }
            }
            ExprKind::Binary(op, l, r) => return self.binary(*op, l, r, span, env),
        };
        Ok(Val { v, span })
    }

    /// The elements of a list or tuple, refused when the value would exceed
    /// `size::MAX_PARTS` parts (lists that nest copies of themselves double at every step).
    fn bounded(&mut self, xs: &[Expr], span: Span, env: &Env) -> R<Vec<Val>> {
        let items = self.all(xs, env)?;
        if size::parts(&items) > size::MAX_PARTS {
            return Err(self.err(
                CheckError::ValueTooLarge {
                    limit: size::MAX_PARTS,
                },
                span,
                "this list is too large",
            ));
        }
        Ok(items)
    }

    /// Evaluate all, reporting every failure; fail if any failed.
    fn all(&mut self, xs: &[Expr], env: &Env) -> R<Vec<Val>> {
        let mut out = Vec::with_capacity(xs.len());
        let mut failed = false;
        for x in xs {
            match self.eval(x, env) {
                Ok(v) => out.push(v),
                Err(_) => failed = true,
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(out)
        }
    }

    pub fn mismatch(&mut self, expected: &str, found: &V, span: Span) -> Fail {
        self.err(
            CheckError::TypeMismatch {
                expected: expected.to_string(),
                found: found.describe(),
            },
            span,
            format!("this is {}", found.describe()),
        )
    }

    pub(crate) fn arith(&mut self, reason: &str, span: Span) -> Fail {
        self.err(
            CheckError::Arithmetic {
                reason: reason.to_string(),
            },
            span,
            "here",
        )
    }

    /// A name; `instantiate` turns an argument-free constructor into its record.
    fn name(&mut self, n: &str, span: Span, env: &Env, instantiate: bool) -> R {
        if let Some(v) = env.local(n) {
            // Keep where the value was written: errors about it point at the caller's text.
            return Ok(v.clone());
        }
        let m = self.loaded.module(env.module).ok_or(Fail)?;
        if let Some(&idx) = m.items.get(n) {
            let v = self.item(env.module, idx, span)?;
            return Ok(Val { v: v.v, span });
        }
        if let Some(&id) = m.imports.get(n) {
            return Ok(Val {
                v: V::Module(id),
                span,
            });
        }
        if let Some(s) = builtins::constructor(n) {
            if instantiate && s.variadic.is_none() && s.fields.iter().all(|f| f.dflt != Dflt::Req) {
                return self.record(s, &[], span, env);
            }
            return Ok(Val {
                v: V::Builtin(s),
                span,
            });
        }
        if let Some(s) = SYMBOLS.iter().find(|s| **s == n) {
            return Ok(Val { v: V::Sym(s), span });
        }
        if env.metrics {
            if let Some(s) = METRICS.iter().find(|s| **s == n) {
                return Ok(Val { v: V::Sym(s), span });
            }
            let help = suggest(n, METRICS.iter().copied());
            return Err(self.err_help(
                CheckError::UnknownMetric {
                    name: n.to_string(),
                },
                span,
                "not a metric",
                help,
            ));
        }
        if env.lenient {
            return Err(Fail);
        }
        if let Some(d) = crate::resolve::stdlib::missing_import(n, None, span) {
            return Err(self.report(d));
        }
        let mut user: Vec<&str> = env.locals.iter().map(|(n, _)| n.as_str()).collect();
        user.extend(m.items.keys().map(String::as_str));
        user.extend(m.imports.keys().map(String::as_str));
        let members = crate::resolve::scope::imported_members(self.loaded, m, n);
        let help = crate::resolve::scope::unknown_name_help(n, user, &members);
        Err(self.report(
            Diag::error(
                ResolveError::UnknownName {
                    name: n.to_string(),
                },
                span,
                "not defined",
            )
            .with_help(help),
        ))
    }

    fn member(&mut self, base: &Expr, m: &Ident, env: &Env) -> R {
        let b = self.eval(base, env)?;
        let span = base.span.to(m.span);
        if let Some(d) = self.unimported_module(base, &b.v, m, env) {
            return Err(self.report(d));
        }
        let found = match &b.v {
            V::Module(id) => return self.module_member(*id, base, m, span),
            V::Rec(r) => r.get(&m.name).cloned().ok_or_else(|| {
                let cands: Vec<&str> = r.schema.fields.iter().map(|f| f.name).collect();
                self.no_field(r.schema.name, m, &cands, "no such field")
            }),
            V::Pipeline(p) if p.binding(&m.name).is_none() && p.broken.contains(&m.name) => {
                Err(Fail)
            }
            V::Pipeline(p) => p.binding(&m.name).cloned().ok_or_else(|| {
                let cands: Vec<&str> = p.bindings.iter().map(|(n, _, _)| n.as_str()).collect();
                self.no_field(&p.name, m, &cands, "no such setting")
            }),
            V::Op(op) if m.name == "name" => Ok(Val {
                v: V::Str(op.name.clone()),
                span,
            }),
            other => {
                let e = CheckError::TypeMismatch {
                    expected: "a record, module or pipeline".into(),
                    found: other.describe(),
                };
                Err(self.err(e, b.span, "this has no fields"))
            }
        }?;
        Ok(Val { v: found.v, span })
    }

    /// `darts.cifar` without `import std.spaces.darts`: `darts` is then the built-in sampler,
    /// which has no such field. When a standard module of that name defines the member and
    /// the name is nothing of the user's, the import is what is missing.
    fn unimported_module(&self, base: &Expr, b: &V, m: &Ident, env: &Env) -> Option<Diag> {
        let ExprKind::Name(n) = &base.kind else {
            return None;
        };
        let builtin = match b {
            V::Rec(r) => r.get(&m.name).is_none() && r.schema.name == n.as_str(),
            V::Builtin(s) => s.name == n.as_str(),
            _ => false,
        };
        let module = self.loaded.module(env.module)?;
        let users = env.local(n).is_some()
            || module.items.contains_key(n.as_str())
            || module.imports.contains_key(n.as_str());
        if !builtin || users {
            return None;
        }
        let d = crate::resolve::stdlib::missing_import(n, Some(&m.name), base.span)?;
        let ctor = builtins::constructor(n)
            .map(|c| c.kind.name())
            .unwrap_or("constructor");
        Some(d.with_note(
            m.span,
            format!(
                "without the import, `{n}` is the built-in {ctor}, which has no `{}`",
                m.name
            ),
        ))
    }

    fn no_field(&mut self, owner: &str, m: &Ident, cands: &[&str], label: &str) -> Fail {
        let help = suggest(&m.name, cands.iter().copied());
        self.err_help(
            CheckError::UnknownField {
                name: owner.into(),
                field: m.name.clone(),
            },
            m.span,
            label,
            help,
        )
    }

    /// `module.name`: a definition or pipeline of an imported module.
    fn module_member(&mut self, id: ModId, base: &Expr, m: &Ident, span: Span) -> R {
        let module = self.loaded.module(id).ok_or(Fail)?;
        if module.broken {
            return Err(Fail);
        }
        if let Some(&idx) = module.items.get(&m.name) {
            let v = self.item(id, idx, span)?;
            return Ok(Val { v: v.v, span });
        }
        let module_name = match &base.kind {
            ExprKind::Name(n) => n.clone(),
            _ => self.loaded.sources.name(module.src).to_string(),
        };
        let help = suggest(&m.name, module.items.keys().map(String::as_str));
        let e = ResolveError::UnknownMember {
            module: module_name,
            name: m.name.clone(),
        };
        Err(self.report(Diag::error(e, m.span, "not in that module").with_help(help)))
    }

    fn call_expr(&mut self, f: &Expr, args: &[Arg], span: Span, env: &Env) -> R {
        let callee = match &f.kind {
            ExprKind::Name(n) => {
                let v = self.name(n, f.span, env, false)?;
                // In call position a value that cannot be called does not hide a
                // constructor of the same name (`cells(forward)` beside a `cells` parameter).
                match (&v.v, builtins::constructor(n)) {
                    (V::Builtin(_) | V::Func { .. }, _) | (_, None) => v,
                    (_, Some(s)) => Val {
                        v: V::Builtin(s),
                        span: f.span,
                    },
                }
            }
            _ => self.eval(f, env)?,
        };
        match &callee.v {
            V::Builtin(s) => self.record(s, args, span, env),
            V::Func { module, item } => self.call_item(*module, *item, args, span, env),
            other => {
                let what = other.describe();
                Err(self.err_help(
                    CheckError::NotCallable { what: what.clone() },
                    f.span,
                    format!("this is {what}"),
                    "only constructors and definitions with parameters take arguments",
                ))
            }
        }
    }

    /// The value of a top-level item (constants cached; parameterised items as functions).
    pub fn item(&mut self, module: ModId, idx: usize, use_span: Span) -> R {
        let m = self.loaded.module(module).ok_or(Fail)?;
        let item = m.file.items.get(idx).ok_or(Fail)?;
        let (name, takes_args) = match item {
            Item::Def(d) => (d.name.clone(), d.params.is_some()),
            Item::Pipeline(p) => (
                p.name.clone(),
                p.params.as_ref().is_some_and(|ps| !ps.is_empty()),
            ),
            Item::Import(_) => return Err(Fail),
        };
        if takes_args {
            return Ok(Val {
                v: V::Func { module, item: idx },
                span: name.span,
            });
        }
        if let Some(r) = self.cache.get(&(module, idx)) {
            return r.clone();
        }
        if !self.in_progress.insert((module, idx)) {
            return Err(self.err_help(
                CheckError::Recursion {
                    chain: format!("`{}` depends on itself", name.name),
                },
                use_span,
                "used while it is being defined",
                "a constant cannot depend on itself",
            ));
        }
        let r = match item {
            Item::Def(d) => self.def_body(module, d, Env::new(module)),
            Item::Pipeline(p) => self.pipeline(module, p, Vec::new()).map(|pv| Val {
                v: V::Pipeline(Rc::new(pv)),
                span: p.name.span,
            }),
            Item::Import(_) => Err(Fail),
        };
        self.in_progress.remove(&(module, idx));
        self.cache.insert((module, idx), r.clone());
        r
    }

    /// Evaluate a definition's body in `env`, check its declared type, name ops.
    fn def_body(&mut self, module: ModId, d: &Def, env: Env) -> R {
        let _ = module;
        let v = self.eval(&d.body, &env)?;
        let v = match &d.ty {
            Some(t) => self.conform_ann(v, t)?,
            None => v,
        };
        if d.kind == DefKind::Op {
            let body = match v.v {
                V::Op(inner) => inner.body.clone(),
                V::Rec(ref r) if r.kind() == builtins::Kind::Op => v.clone(),
                other => return Err(self.mismatch("an op", &other, d.body.span)),
            };
            return Ok(Val {
                v: V::Op(Rc::new(OpVal {
                    name: d.name.name.clone(),
                    body,
                })),
                span: d.name.span,
            });
        }
        Ok(v)
    }

    /// Call a definition or pipeline with no arguments (its defaults).
    pub fn call_defaults(&mut self, module: ModId, idx: usize, span: Span, env: &Env) -> R {
        self.call_item(module, idx, &[], span, env)
    }

    /// Call a user definition or pipeline.
    fn call_item(&mut self, module: ModId, idx: usize, args: &[Arg], span: Span, env: &Env) -> R {
        let loaded = self.loaded;
        let item = loaded
            .module(module)
            .and_then(|m| m.file.items.get(idx))
            .ok_or(Fail)?;
        let (name, params) = match item {
            Item::Def(d) => (&d.name, d.params.as_deref().unwrap_or(&[])),
            Item::Pipeline(p) => (&p.name, p.params.as_deref().unwrap_or(&[])),
            Item::Import(_) => return Err(Fail),
        };
        if let Some(at) = self
            .stack
            .iter()
            .position(|(m, i, _)| (*m, *i) == (module, idx))
        {
            let mut names: Vec<String> = self.stack[at..]
                .iter()
                .map(|(_, _, n)| format!("`{n}`"))
                .collect();
            names.push(format!("`{}`", name.name));
            return Err(self.err_help(
                CheckError::Recursion {
                    chain: names.join(" -> "),
                },
                span,
                "this call starts the cycle again",
                "a definition must not call itself, directly or through others",
            ));
        }
        if self.stack.len() >= MAX_CALL_DEPTH {
            if self.depth_reported {
                return Err(Fail);
            }
            self.depth_reported = true;
            return Err(self.err_help(
                CheckError::CallDepth {
                    limit: MAX_CALL_DEPTH,
                },
                span,
                format!("calls nest more than {MAX_CALL_DEPTH} deep here"),
                "flatten the chain of definitions; the language has no recursion and no deep call chains",
            ));
        }
        let bound = self.bind_params(module, &name.name, params, args, span, env)?;
        self.stack.push((module, idx, name.name.clone()));
        let r = match item {
            Item::Def(d) => {
                let env = Env {
                    module,
                    locals: bound.clone(),
                    metrics: false,
                    lenient: false,
                };
                self.def_body(module, d, env).map(|mut v| {
                    if let V::Op(op) = &v.v {
                        let shown: Vec<String> = bound.iter().map(|(_, a)| show(&a.v)).collect();
                        v.v = V::Op(Rc::new(OpVal {
                            name: format!("{}({})", op.name, shown.join(", ")),
                            body: op.body.clone(),
                        }));
                    }
                    v
                })
            }
            Item::Pipeline(p) => self.pipeline(module, p, bound).map(|pv| Val {
                v: V::Pipeline(Rc::new(pv)),
                span,
            }),
            Item::Import(_) => Err(Fail),
        };
        self.stack.pop();
        r.map(|v| Val { v: v.v, span })
    }
}

/// A short rendering of a value, for names of parameterised ops: `sep_conv(3)`.
pub fn show(v: &V) -> String {
    match v {
        V::Int(i) => i.to_string(),
        V::Float(x) => x.to_string(),
        V::Frac(x) => format!("{}%", x * 100.0),
        V::Str(s) => format!("{s:?}"),
        V::Bool(b) => b.to_string(),
        V::Sym(s) => s.to_string(),
        V::Op(o) => o.name.clone(),
        V::None => "none".into(),
        other => other.describe(),
    }
}

/// Candidates for "did you mean" over a schema's fields.
pub fn field_names(s: &Schema) -> impl Iterator<Item = &'static str> {
    s.fields.iter().map(|f| f.name)
}
