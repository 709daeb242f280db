//! Building records from arguments (binding, unknown/duplicate/missing fields, defaults)
//! and checking values against field types, ranges and parameter annotations.

use std::rc::Rc;

use super::builtins::{self, Dflt, Field, Kind, Range, Schema, Ty};
use super::error::CheckError;
use super::eval::{Env, Eval, Fail, R};
use super::value::*;
use crate::diagnostics::suggest;
use crate::resolve::ModId;
use crate::source::Span;
use crate::syntax::ast::*;

/// One argument after evaluation: its name (if named) and value.
pub type Given = (Option<Named>, Val);

impl<'a> Eval<'a> {
    /// Call a constructor with source arguments.
    pub fn record(&mut self, s: &'static Schema, args: &[Arg], span: Span, env: &Env) -> R {
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
        let rec = self.assemble(s, given, span, failed)?;
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
        let mut slots: Vec<Option<Val>> = vec![None; s.fields.len()];
        let mut extra = Vec::new();
        let mut bad = failed;
        let mut next_pos = 0usize;
        for (name, v) in given {
            let idx = match &name {
                Some(n) => match s.fields.iter().position(|f| f.name == n.name) {
                    Some(i) => i,
                    None => {
                        let help = suggest(&n.name, s.fields.iter().map(|f| f.name));
                        self.err_help(
                            CheckError::UnknownField {
                                name: s.name.into(),
                                field: n.name.clone(),
                            },
                            n.span,
                            "unknown field",
                            help,
                        );
                        bad = true;
                        continue;
                    }
                },
                None if s.variadic.is_some() => {
                    match s
                        .variadic
                        .map(|t| self.conform(v, t, Range::Any, "argument"))
                    {
                        Some(Ok(v)) => extra.push(v),
                        _ => bad = true,
                    }
                    continue;
                }
                None if next_pos < s.fields.len() => {
                    next_pos += 1;
                    next_pos - 1
                }
                None => {
                    self.err(
                        CheckError::TooManyArguments {
                            name: s.name.into(),
                            max: s.fields.len(),
                        },
                        v.span,
                        "one too many",
                    );
                    bad = true;
                    continue;
                }
            };
            if slots[idx].is_some() {
                let at = name.as_ref().map(|n| n.span).unwrap_or(v.span);
                self.err_help(
                    CheckError::DuplicateField {
                        field: s.fields[idx].name.into(),
                    },
                    at,
                    "given again here",
                    "remove one of them",
                );
                bad = true;
                continue;
            }
            let f = &s.fields[idx];
            match self.conform(v, f.ty, f.range, f.name) {
                Ok(v) => slots[idx] = Some(v),
                Err(_) => bad = true,
            }
        }
        let mut fields = Vec::with_capacity(s.fields.len());
        for (f, slot) in s.fields.iter().zip(slots) {
            match slot {
                Some(v) => fields.push((f.name, v)),
                None => match self.default(f, span) {
                    Ok(v) => fields.push((f.name, v)),
                    Err(_) if bad => return Err(Fail),
                    Err(_) => {
                        self.err_help(
                            CheckError::MissingField {
                                name: s.name.into(),
                                field: f.name.into(),
                            },
                            span,
                            format!("`{}` is not given", f.name),
                            format!("add `{} = <{}>`", f.name, f.ty.describe()),
                        );
                        bad = true;
                    }
                },
            }
        }
        if bad {
            return Err(Fail);
        }
        Ok(Rec {
            schema: s,
            fields,
            extra,
            span,
        })
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
            (Ty::Int, V::Int(i)) => {
                self.range(*i as f64, range, field, span)?;
                V::Int(*i)
            }
            (Ty::Float, V::Int(_) | V::Float(_)) => {
                let x = v.v.as_f64().unwrap_or(0.0);
                self.range(x, range, field, span)?;
                V::Float(x)
            }
            (Ty::Frac, V::Int(_) | V::Float(_) | V::Frac(_)) => {
                let x = v.v.as_f64().unwrap_or(0.0);
                self.range(x, range, field, span)?;
                V::Frac(x)
            }
            (Ty::Str, V::Str(_)) | (Ty::Bool, V::Bool(_)) => v.v.clone(),
            (Ty::Sym(allowed), V::Sym(s)) if allowed.contains(s) => v.v.clone(),
            (Ty::Sym(allowed), V::Str(s)) if allowed.contains(&s.as_str()) => V::Sym(
                allowed
                    .iter()
                    .find(|a| **a == s.as_str())
                    .copied()
                    .unwrap_or_default(),
            ),
            (Ty::Sym(allowed), other) => {
                let name = match other {
                    V::Sym(s) => s.to_string(),
                    V::Str(s) => s.clone(),
                    o => o.describe(),
                };
                let help = suggest(&name, allowed.iter().copied());
                return Err(self.err_help(
                    CheckError::TypeMismatch {
                        expected: ty.describe(),
                        found: other.describe(),
                    },
                    span,
                    format!("`{field}` does not accept this"),
                    help,
                ));
            }
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
            (Ty::Edge, V::Tuple(items)) if items.len() == 2 => {
                let op = match &items[0].v {
                    V::Str(s) => s.clone(),
                    V::Op(o) => o.name.clone(),
                    V::Rec(r) if r.kind() == Kind::Op => r.schema.name.to_string(),
                    other => {
                        return Err(self.mismatch(
                            "an op or an op name",
                            &other.clone(),
                            items[0].span,
                        ))
                    }
                };
                let input = self.conform(items[1].clone(), Ty::Int, Range::Min(0), "input")?;
                V::Tuple(vec![
                    Val {
                        v: V::Str(op),
                        span: items[0].span,
                    },
                    input,
                ])
            }
            (Ty::Rec(Kind::Op), V::Op(_)) => v.v.clone(),
            (Ty::Rec(k), V::Rec(r)) if r.kind() == k => v.v.clone(),
            (Ty::Rec(Kind::Condition), V::Cmp { .. }) => v.v.clone(),
            (_, other) => {
                return Err(self.err(
                    CheckError::TypeMismatch {
                        expected: ty.describe(),
                        found: other.describe(),
                    },
                    span,
                    format!("`{field}` expects {}", ty.describe()),
                ))
            }
        };
        Ok(Val { v: out, span })
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
        let mut slots: Vec<Option<Val>> = vec![None; params.len()];
        let mut bad = false;
        let mut pos = 0usize;
        for a in args {
            let Ok(v) = self.eval(&a.value, env) else {
                bad = true;
                continue;
            };
            let idx = match &a.name {
                Some(n) => match params.iter().position(|p| p.name.name == n.name) {
                    Some(i) => i,
                    None => {
                        let help = suggest(&n.name, params.iter().map(|p| p.name.name.as_str()));
                        self.err_help(
                            CheckError::UnknownArgument {
                                name: name.into(),
                                param: n.name.clone(),
                            },
                            n.span,
                            "no such parameter",
                            help,
                        );
                        bad = true;
                        continue;
                    }
                },
                None if pos < params.len() => {
                    pos += 1;
                    pos - 1
                }
                None => {
                    self.err(
                        CheckError::TooManyArguments {
                            name: name.into(),
                            max: params.len(),
                        },
                        v.span,
                        "one too many",
                    );
                    bad = true;
                    continue;
                }
            };
            if slots[idx].is_some() {
                let at = a.name.as_ref().map(|n| n.span).unwrap_or(v.span);
                self.err_help(
                    CheckError::DuplicateField {
                        field: params[idx].name.name.clone(),
                    },
                    at,
                    "given again here",
                    "remove one of them",
                );
                bad = true;
                continue;
            }
            let v = match &params[idx].ty {
                Some(t) => match self.conform_ann(v, t) {
                    Ok(v) => v,
                    Err(_) => {
                        bad = true;
                        continue;
                    }
                },
                None => v,
            };
            slots[idx] = Some(v);
        }
        let mut bound: Vec<(String, Val)> = Vec::with_capacity(params.len());
        for (p, slot) in params.iter().zip(slots) {
            let v = match (slot, &p.default) {
                (Some(v), _) => v,
                (None, Some(d)) => {
                    let denv = Env {
                        module,
                        locals: bound.clone(),
                        metrics: false,
                    };
                    match self.eval(d, &denv).and_then(|v| match &p.ty {
                        Some(t) => self.conform_ann(v, t),
                        None => Ok(v),
                    }) {
                        Ok(v) => v,
                        Err(_) => {
                            bad = true;
                            continue;
                        }
                    }
                }
                (None, None) => {
                    if !bad {
                        self.err_help(
                            CheckError::MissingArgument {
                                name: name.into(),
                                param: p.name.name.clone(),
                            },
                            span,
                            format!("`{}` is not given", p.name.name),
                            format!("pass `{} = ...`", p.name.name),
                        );
                    }
                    bad = true;
                    continue;
                }
            };
            bound.push((p.name.name.clone(), v));
        }
        if bad {
            Err(Fail)
        } else {
            Ok(bound)
        }
    }
}
