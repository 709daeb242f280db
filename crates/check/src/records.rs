//! Building records from arguments (binding, unknown/duplicate/missing fields, defaults)
//! and checking values against field types, ranges and parameter annotations.

use std::rc::Rc;

use super::builtins::{self, Dflt, Field, Kind, Range, Schema, Ty};
use super::error::CheckError;
use super::eval::{Env, Eval, Fail, R};
use super::value::*;
use crate::resolve::ModId;
use nas_syntax::ast::*;
use nas_syntax::diagnostics::{suggest, Diag};
use nas_syntax::source::Span;

/// One argument after evaluation: its name (if named) and value.
pub type Given = (Option<Named>, Val);

impl<'a> Eval<'a> {
    /// Call a constructor with source arguments.
    pub fn record(&mut self, s: &'static Schema, args: &[Arg], span: Span, env: &Env) -> R {
        let mut given = Vec::with_capacity(args.len());
        // a named argument that fails is absent but not missing; a positional one could be
        // any field, so then no field is reported missing
        let (mut failed, mut broken) = (false, Vec::new());
        for a in args {
            match self.eval(&a.value, env) {
                Ok(v) => given.push((
                    a.name.as_ref().map(|n| Named {
                        name: n.name.clone(),
                        span: n.span,
                    }),
                    v,
                )),
                Err(_) => match &a.name {
                    Some(n) => broken.push(n.name.clone()),
                    None => failed = true,
                },
            }
        }
        let rec = self.assemble_partial(s, given, span, failed, &broken)?;
        if s.name == "named" {
            // `named(name, op)` is an op value under a new name, not a primitive.
            let name = rec
                .get("name")
                .and_then(|v| v.v.as_str())
                .unwrap_or_default()
                .to_string();
            let body = match rec.get("op").map(|v| &v.v) {
                Some(V::Op(o)) => o.body.clone(),
                Some(_) => rec.get("op").cloned().ok_or(Fail)?,
                None => return Err(Fail),
            };
            return Ok(Val {
                v: V::Op(Rc::new(OpVal { name, body })),
                span,
            });
        }
        Ok(Val {
            v: V::Rec(Rc::new(rec)),
            span,
        })
    }

    /// Bind arguments to a schema's fields, check them and fill defaults. `failed` says an
    /// argument already failed (missing-field errors are then not reported for it).
    pub fn assemble(
        &mut self,
        s: &'static Schema,
        given: Vec<Given>,
        span: Span,
        failed: bool,
    ) -> R<Rec> {
        self.assemble_partial(s, given, span, failed, &[])
    }

    /// [`Self::assemble`] where the fields named in `broken` were given but failed (already
    /// reported): they are not missing, and the other fields are still checked.
    pub fn assemble_partial(
        &mut self,
        s: &'static Schema,
        given: Vec<Given>,
        span: Span,
        failed: bool,
        broken: &[String],
    ) -> R<Rec> {
        let names: Vec<&str> = s.fields.iter().map(|f| f.name).collect();
        let mut b = self.bind_slots(s.name, &names, given, s.variadic.is_some(), false);
        b.bad |= failed;
        let mut extra = Vec::with_capacity(b.extra.len());
        for v in b.extra {
            match s
                .variadic
                .map(|t| self.conform(v, t, Range::Min(1), "argument"))
            {
                Some(Ok(v)) => extra.push(v),
                _ => b.bad = true,
            }
        }
        let mut fields = Vec::with_capacity(s.fields.len());
        let mut absent = false;
        for (f, slot) in s.fields.iter().zip(b.slots) {
            let v = match slot {
                Some(v) => self.conform(v, f.ty, f.range, f.name),
                None if broken.iter().any(|n| n == f.name) => {
                    absent = true;
                    continue;
                }
                None => self.default(f, span).inspect_err(|_e| {
                    if !b.bad {
                        let help = format!("add `{} = <{}>`", f.name, f.ty.describe());
                        let e = CheckError::MissingField {
                            name: s.name.into(),
                            field: f.name.into(),
                        };
                        self.err_help(e, span, format!("`{}` is not given", f.name), help);
                    }
                }),
            };
            match v {
                Ok(v) => fields.push((f.name, v)),
                // a wrong value is no reason to hide a missing field after it
                Err(_) => absent = true,
            }
        }
        if b.bad || absent {
            return Err(Fail);
        }
        Ok(Rec {
            schema: s,
            fields,
            extra,
            span,
        })
    }

    /// Bind positional then named arguments to `names`; reports unknown names, extra
    /// positional arguments and duplicates. `params` says the names are parameters of a
    /// definition (not fields of a constructor).
    fn bind_slots(
        &mut self,
        owner: &str,
        names: &[&str],
        given: Vec<Given>,
        variadic: bool,
        params: bool,
    ) -> Bound {
        let mut b = Bound {
            slots: vec![None; names.len()],
            extra: Vec::new(),
            bad: false,
        };
        let mut next = 0usize;
        for (name, v) in given {
            let idx = match &name {
                Some(n) => names.iter().position(|f| *f == n.name),
                None if variadic => {
                    b.extra.push(v);
                    continue;
                }
                None if next < names.len() => {
                    next += 1;
                    Some(next - 1)
                }
                None => {
                    let e = CheckError::TooManyArguments {
                        name: owner.into(),
                        max: names.len(),
                    };
                    self.err(e, v.span, "one too many");
                    b.bad = true;
                    continue;
                }
            };
            let Some(idx) = idx else {
                let n = name
                    .as_ref()
                    .map(|n| (n.name.clone(), n.span))
                    .unwrap_or_default();
                let help = suggest(&n.0, names.iter().copied());
                let (e, label) = if params {
                    (
                        CheckError::UnknownArgument {
                            name: owner.into(),
                            param: n.0,
                        },
                        "no such parameter",
                    )
                } else {
                    (
                        CheckError::UnknownField {
                            name: owner.into(),
                            field: n.0,
                        },
                        "unknown field",
                    )
                };
                self.err_help(e, n.1, label, help);
                b.bad = true;
                continue;
            };
            if b.slots[idx].is_some() {
                let at = name.as_ref().map(|n| n.span).unwrap_or(v.span);
                self.err_help(
                    CheckError::DuplicateField {
                        field: names[idx].into(),
                    },
                    at,
                    "given again here",
                    "remove one of them",
                );
                b.bad = true;
                continue;
            }
            b.slots[idx] = Some(v);
        }
        b
    }

    /// A field's default; `Err` when it is required.
    pub fn default(&mut self, f: &Field, span: Span) -> R {
        let v = match f.dflt {
            Dflt::Req => return Err(Fail),
            Dflt::Nothing | Dflt::Computed => V::None,
            Dflt::Int(i) => V::Int(i),
            Dflt::Float(x) if f.ty == Ty::Frac => V::Frac(x),
            Dflt::Float(x) => V::Float(x),
            Dflt::Bool(b) => V::Bool(b),
            Dflt::Sym(s) => V::Sym(s),
            Dflt::Pair(a, b) => V::Tuple(vec![
                Val {
                    v: V::Float(a),
                    span,
                },
                Val {
                    v: V::Float(b),
                    span,
                },
            ]),
            Dflt::Ctor(c) => {
                let s = builtins::constructor(c).ok_or(Fail)?;
                return self.assemble(s, Vec::new(), span, false).map(|r| Val {
                    v: V::Rec(Rc::new(r)),
                    span,
                });
            }
        };
        Ok(Val { v, span })
    }

    fn range(&mut self, x: f64, range: Range, field: &str, span: Span) -> R<()> {
        range.check(x).map_err(|expected| {
            let found = if x.fract() == 0.0 && x.abs() < 1e15 {
                format!("{}", x as i64)
            } else {
                format!("{x}")
            };
            let help = match range {
                Range::Frac | Range::Prob | Range::Below1 => {
                    "fractions are written as a percentage (`10%`) or a number in [0, 1]"
                        .to_string()
                }
                Range::Odd => "use an odd size such as 3 or 5 so that padding keeps the image size"
                    .to_string(),
                _ => format!("use a value {expected}"),
            };
            let e = CheckError::OutOfRange {
                field: field.into(),
                expected: expected.clone(),
                found,
            };
            if range == Range::Odd && x >= 1.0 {
                return self.err_help(
                    CheckError::EvenKernel { kernel: x as i64 },
                    span,
                    "even size",
                    help,
                );
            }
            self.err_help(e, span, "out of range", help)
        })
    }

    /// Check `v` against a field type and range, converting where the language allows
    /// (integers as numbers, numbers as fractions, argument-free constructors as records).
    pub fn conform(&mut self, v: Val, ty: Ty, range: Range, field: &str) -> R {
        let span = v.span;
        let out = match (ty, &v.v) {
            (Ty::Any, _) => v.v.clone(),
            (Ty::Opt(_), V::None) => V::None,
            (Ty::Opt(t), _) => return self.conform(v, *t, range, field),
            (Ty::Int | Ty::Float | Ty::Frac, _) => self.conform_number(&v, ty, range, field)?,
            (Ty::Str, V::Str(_)) | (Ty::Bool, V::Bool(_)) => v.v.clone(),
            (Ty::Sym(allowed), _) => self.conform_symbol(&v, allowed, ty, field)?,
            (Ty::List(t), V::List(items)) => {
                let mut out = Vec::with_capacity(items.len());
                let mut bad = false;
                for it in items.clone() {
                    match self.conform(it, *t, range, field) {
                        Ok(x) => out.push(x),
                        Err(_) => bad = true,
                    }
                }
                if bad {
                    return Err(Fail);
                }
                V::List(out)
            }
            (Ty::Pair, V::Tuple(items) | V::List(items)) if items.len() == 2 => {
                let a = self.conform(items[0].clone(), Ty::Float, range, field);
                let b = self.conform(items[1].clone(), Ty::Float, range, field);
                V::Tuple(vec![a?, b?])
            }
            (Ty::Edge, V::Tuple(items)) if items.len() == 2 => self.conform_edge(items)?,
            (Ty::Rec(Kind::Op), V::Op(_)) => v.v.clone(),
            (Ty::Rec(k), V::Rec(r)) if r.kind() == k => v.v.clone(),
            (Ty::Rec(Kind::Condition), V::Cmp { .. }) => v.v.clone(),
            (_, other) => return Err(self.wrong_type(ty, other, span, field)),
        };
        Ok(Val { v: out, span })
    }

    fn wrong_type(&mut self, ty: Ty, found: &V, span: Span, field: &str) -> Fail {
        let e = CheckError::TypeMismatch {
            expected: ty.describe(),
            found: found.describe(),
        };
        let d = Diag::error(e, span, format!("`{field}` expects {}", ty.describe()));
        // An import named like a constructor hides it (`import std.spaces.darts` and the
        // `darts` sampler): say how to reach the constructor.
        let hidden = match (ty, found) {
            (Ty::Rec(k), V::Module(id)) => self.loaded.module(*id).and_then(|m| {
                let stem = std::path::Path::new(self.loaded.sources.name(m.src))
                    .file_stem()?
                    .to_str()?
                    .to_string();
                builtins::constructor(&stem)
                    .filter(|c| c.kind == k)
                    .map(|c| c.name)
            }),
            _ => None,
        };
        let d = match (hidden, ty, found) {
            (None, Ty::Int, V::Frac(_)) => d.with_help(format!(
                "`{field}` takes a whole number; a share of a count is written `20% of epochs`"
            )),
            (None, Ty::Float, V::Frac(x)) => {
                let plain = (x * 1e6).round() / 1e6;
                d.with_help(format!(
                    "a percentage is a fraction of something (`20% of epochs`); `{field}` takes a \
                     plain number: `{field} = {plain}`"
                ))
            }
            (Some(c), _, _) => d.with_help(format!("`{c}` names an imported module here; write `{c}()` for the {}, or import the module `as` another name", ty.describe().trim_start_matches("a "))),
            _ => d,
        };
        self.report(d)
    }

    /// Integers, numbers (integers accepted) and fractions (numbers accepted), ranged.
    fn conform_number(&mut self, v: &Val, ty: Ty, range: Range, field: &str) -> R<V> {
        let x = match (ty, &v.v) {
            (Ty::Int, V::Int(i)) => *i as f64,
            (Ty::Float, V::Int(_) | V::Float(_))
            | (Ty::Frac, V::Int(_) | V::Float(_) | V::Frac(_)) => v.v.as_f64().unwrap_or(0.0),
            (_, other) => return Err(self.wrong_type(ty, other, v.span, field)),
        };
        self.range(x, range, field, v.span)?;
        Ok(match (ty, &v.v) {
            (Ty::Int, V::Int(i)) => V::Int(*i),
            (Ty::Frac, _) => V::Frac(x),
            _ => V::Float(x),
        })
    }

    /// A symbol of the allowed set (a string naming one is accepted too).
    fn conform_symbol(
        &mut self,
        v: &Val,
        allowed: &'static [&'static str],
        ty: Ty,
        field: &str,
    ) -> R<V> {
        let name = match &v.v {
            V::Sym(s) => s.to_string(),
            V::Str(s) => s.clone(),
            o => o.describe(),
        };
        if let Some(s) = allowed.iter().find(|a| **a == name) {
            if matches!(v.v, V::Sym(_) | V::Str(_)) {
                return Ok(V::Sym(s));
            }
        }
        let help = suggest(&name, allowed.iter().copied());
        let e = CheckError::TypeMismatch {
            expected: ty.describe(),
            found: v.v.describe(),
        };
        Err(self.err_help(e, v.span, format!("`{field}` does not accept this"), help))
    }

    /// A genotype edge `(op, input)`; the op may be written as an op value or its name.
    fn conform_edge(&mut self, items: &[Val]) -> R<V> {
        let op = match &items[0].v {
            V::Str(s) => s.clone(),
            V::Op(o) => o.name.clone(),
            V::Rec(r) if r.kind() == Kind::Op => r.schema.name.to_string(),
            other => {
                return Err(self.mismatch("an op or an op name", &other.clone(), items[0].span))
            }
        };
        let input = self.conform(items[1].clone(), Ty::Int, Range::Min(0), "input")?;
        Ok(V::Tuple(vec![
            Val {
                v: V::Str(op),
                span: items[0].span,
            },
            input,
        ]))
    }

    /// Check a value against a parameter annotation such as `int`, `list[op]`, `dataset?`.
    pub fn conform_ann(&mut self, v: Val, t: &TypeExpr) -> R {
        if t.optional && v.v.is_none() {
            return Ok(v);
        }
        let kind = |k| Ty::Rec(k);
        let ty = match t.name.name.as_str() {
            "any" => return Ok(v),
            "pipeline" if matches!(v.v, V::Pipeline(_)) => return Ok(v),
            "int" => Ty::Int,
            "float" => Ty::Float,
            "fraction" => Ty::Frac,
            "str" => Ty::Str,
            "bool" => Ty::Bool,
            "pair" => Ty::Pair,
            "list" => {
                let V::List(items) = &v.v else {
                    return Err(self.mismatch("a list", &v.v, v.span));
                };
                if let Some(inner) = &t.arg {
                    let mut out = Vec::new();
                    for it in items.clone() {
                        out.push(self.conform_ann(it, inner)?);
                    }
                    return Ok(Val {
                        v: V::List(out),
                        span: v.span,
                    });
                }
                return Ok(v);
            }
            "op" => kind(Kind::Op),
            "network" => kind(Kind::Network),
            "dataset" => kind(Kind::Dataset),
            "source" => kind(Kind::Source),
            "augmentation" => kind(Kind::Augment),
            "step" => kind(Kind::Step),
            "objective" => kind(Kind::Objective),
            "head" => kind(Kind::Head),
            "sampler" => kind(Kind::Sampler),
            "optimiser" => kind(Kind::Optim),
            "schedule" => kind(Kind::Schedule),
            "genotype" => kind(Kind::Genotype),
            "condition" => kind(Kind::Condition),
            "init" => kind(Kind::Init),
            "pipeline" => return Err(self.mismatch("a pipeline", &v.v, v.span)),
            _ => return Ok(v),
        };
        self.conform(v, ty, Range::Any, &t.name.name)
    }

    /// Bind call arguments to a definition's parameters (defaults evaluated in order).
    pub fn bind_params(
        &mut self,
        module: ModId,
        name: &str,
        params: &[Param],
        args: &[Arg],
        span: Span,
        env: &Env,
    ) -> R<Vec<(String, Val)>> {
        let mut given = Vec::with_capacity(args.len());
        let mut failed = false;
        for a in args {
            match self.eval(&a.value, env) {
                Ok(v) => given.push((
                    a.name.as_ref().map(|n| Named {
                        name: n.name.clone(),
                        span: n.span,
                    }),
                    v,
                )),
                Err(_) => failed = true,
            }
        }
        let names: Vec<&str> = params.iter().map(|p| p.name.name.as_str()).collect();
        let b = self.bind_slots(name, &names, given, false, true);
        let mut bad = b.bad || failed;
        let mut bound: Vec<(String, Val)> = Vec::with_capacity(params.len());
        for (p, slot) in params.iter().zip(b.slots) {
            let v = match (slot, &p.default) {
                (Some(v), _) => Ok(v),
                (None, Some(d)) => self.eval(
                    d,
                    &Env {
                        module,
                        locals: bound.clone(),
                        metrics: false,
                        lenient: false,
                    },
                ),
                (None, None) => {
                    if !bad {
                        let e = CheckError::MissingArgument {
                            name: name.into(),
                            param: p.name.name.clone(),
                        };
                        self.err_help(
                            e,
                            span,
                            format!("`{}` is not given", p.name.name),
                            format!("pass `{} = ...`", p.name.name),
                        );
                    }
                    Err(Fail)
                }
            };
            let v = v.and_then(|v| match &p.ty {
                Some(t) => self.conform_ann(v, t),
                None => Ok(v),
            });
            match v {
                Ok(v) => bound.push((p.name.name.clone(), v)),
                Err(_) => bad = true,
            }
        }
        if bad {
            Err(Fail)
        } else {
            Ok(bound)
        }
    }
}

/// Arguments bound to slots.
struct Bound {
    slots: Vec<Option<Val>>,
    extra: Vec<Val>,
    bad: bool,
}
