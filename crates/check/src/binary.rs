//! Binary expressions: arithmetic on numbers (`16 * channels`, `20% of epochs`) and the
//! metric comparisons of `when` conditions (`loss < 0.5`, or `0.5 > loss`).

use super::builtins::METRICS;
use super::error::CheckError;
use super::eval::{Env, Eval, R};
use super::value::*;
use nas_syntax::ast::*;
use nas_syntax::diagnostics::suggest;
use nas_syntax::source::Span;

impl<'a> Eval<'a> {
    pub(crate) fn binary(&mut self, op: BinOp, l: &Expr, r: &Expr, span: Span, env: &Env) -> R {
        let lv = self.eval(l, env);
        let rv = self.eval(r, env);
        let (lv, rv) = (lv?, rv?);
        if matches!(
            op,
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne
        ) {
            return self.comparison(op, lv, rv, span, env);
        }
        let v = match (op, &lv.v, &rv.v) {
            (BinOp::Of, V::Frac(p), V::Int(n)) => V::Int((p * *n as f64 + 1e-9).floor() as i64),
            (BinOp::Of, V::Frac(p), V::Float(x)) => V::Float(p * x),
            (BinOp::Of, V::Frac(_), other) => return Err(self.mismatch("a number", other, rv.span)),
            (BinOp::Of, other, _) => return Err(self.mismatch("a percentage", other, lv.span)),
            (_, V::Int(a), V::Int(b)) => {
                let res = match op {
                    BinOp::Add => a.checked_add(*b),
                    BinOp::Sub => a.checked_sub(*b),
                    BinOp::Mul => a.checked_mul(*b),
                    _ if *b == 0 => return Err(self.arith("division by zero", span)),
                    _ => a.checked_div(*b),
                };
                V::Int(res.ok_or_else(|| self.arith("integer overflow", span))?)
            }
            (_, a, b) => {
                let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
                    let bad = if a.as_f64().is_none() { &lv } else { &rv };
                    return Err(self.mismatch("a number", &bad.v.clone(), bad.span));
                };
                let res = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ if y == 0.0 => return Err(self.arith("division by zero", span)),
                    _ => x / y,
                };
                if !res.is_finite() {
                    return Err(self.arith("the result is not a finite number", span));
                }
                if matches!((a, b), (V::Frac(_), V::Frac(_))) {
                    V::Frac(res)
                } else {
                    V::Float(res)
                }
            }
        };
        Ok(Val { v, span })
    }

    fn comparison(&mut self, op: BinOp, lv: Val, rv: Val, span: Span, env: &Env) -> R {
        let is_metric = |v: &V| matches!(v, V::Sym(s) if METRICS.contains(s));
        // `4.0 > loss` is `loss < 4.0`: the metric may be on either side
        let (op, lv, rv) = if env.metrics && !is_metric(&lv.v) && is_metric(&rv.v) {
            let flipped = match op {
                BinOp::Lt => BinOp::Gt,
                BinOp::Le => BinOp::Ge,
                BinOp::Gt => BinOp::Lt,
                BinOp::Ge => BinOp::Le,
                other => other,
            };
            (flipped, rv, lv)
        } else {
            (op, lv, rv)
        };
        let metric = match &lv.v {
            V::Sym(s) if env.metrics && METRICS.contains(s) => s.to_string(),
            _ if !env.metrics => {
                return Err(self.err_help(
                    CheckError::TypeMismatch {
                        expected: "a value".into(),
                        found: "a comparison".into(),
                    },
                    span,
                    "comparisons are conditions",
                    "compare metrics only in `when`, e.g. `when loss < 0.5`",
                ))
            }
            V::Sym(s) => {
                return Err(self.err_help(
                    CheckError::UnknownMetric {
                        name: s.to_string(),
                    },
                    lv.span,
                    "not a metric",
                    suggest(s, METRICS.iter().copied()),
                ));
            }
            other => {
                let metrics: Vec<String> = METRICS.iter().map(|m| format!("`{m}`")).collect();
                return Err(self.err_help(
                    CheckError::TypeMismatch {
                        expected: "a metric".into(),
                        found: other.describe(),
                    },
                    lv.span,
                    "a condition compares a metric with a number",
                    format!(
                        "write `METRIC < NUMBER`, e.g. `when loss < 0.5`; the metrics are {}",
                        metrics.join(", ")
                    ),
                ));
            }
        };
        let Some(value) = rv.v.as_f64() else {
            return Err(self.mismatch("a number", &rv.v, rv.span));
        };
        if matches!(op, BinOp::Eq | BinOp::Ne) {
            return Err(self.err_help(
                CheckError::TypeMismatch {
                    expected: "`<`, `<=`, `>` or `>=`".into(),
                    found: format!("`{}`", op.symbol()),
                },
                span,
                "metrics are compared with an inequality",
                "metrics are real numbers; use `<`, `<=`, `>` or `>=`",
            ));
        }
        Ok(Val {
            v: V::Cmp { metric, op, value },
            span,
        })
    }
}
