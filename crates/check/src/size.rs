//! A bound on the size of values. Lists are copied when they are used, so a list that
//! holds two copies of the previous one (`def a1 = [a0, a0]`) doubles at every step: forty
//! such lines would need a trillion parts. Every list and tuple is measured when it is built
//! and refused past `MAX_PARTS`, so no input can exhaust the checker's memory or time.
//!
//! Contract: `parts` counts every value reachable through lists, tuples, record fields and
//! op bodies (scalars count 1), stops counting once the total passes `MAX_PARTS`, and so
//! costs at most `MAX_PARTS` steps.

use super::value::{Val, V};

/// The most parts one list or tuple may hold.
pub const MAX_PARTS: usize = 65_536;

/// The parts of `items`, or some number above `MAX_PARTS`.
pub fn parts(items: &[Val]) -> usize {
    let mut count = 0;
    let mut todo: Vec<&V> = items.iter().map(|x| &x.v).collect();
    while let Some(v) = todo.pop() {
        count += 1;
        if count > MAX_PARTS {
            break;
        }
        match v {
            V::List(xs) | V::Tuple(xs) => todo.extend(xs.iter().map(|x| &x.v)),
            V::Rec(r) => {
                todo.extend(r.fields.iter().map(|(_, x)| &x.v));
                todo.extend(r.extra.iter().map(|x| &x.v));
            }
            V::Op(op) => todo.push(&op.body.v),
            _ => {}
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;
    use nas_syntax::source::Span;

    fn val(v: V) -> Val {
        Val {
            v,
            span: Span::default(),
        }
    }

    #[test]
    fn counts_nested_parts_and_stops_past_the_limit() {
        let inner = val(V::List(vec![val(V::Int(1)), val(V::Int(2))]));
        assert_eq!(parts(&[inner.clone(), val(V::Bool(true))]), 4);
        let wide = val(V::List(vec![val(V::Int(0)); MAX_PARTS]));
        assert_eq!(parts(&[wide.clone(), wide]), MAX_PARTS + 1);
    }
}
