//! What is at a byte offset of a parsed file: the innermost named thing under the cursor
//! (a name, a member, an argument's or field's name, a stage kind, a definition's name...),
//! with the top-level item it sits in (its parameters and settings are in scope there).
//!
//! Contract: only the syntax tree is read; what a hit refers to is `names`' job. An offset at
//! either end of a name is on it (the cursor right after `sgd` is on `sgd`).

use nas_syntax::ast::*;
use nas_syntax::source::Span;

/// The thing under the cursor.
#[derive(Debug, Clone, Copy)]
pub enum Hit<'a> {
    /// A plain name in an expression; `callee` when it is called, `metric` inside `when`.
    Name {
        name: &'a str,
        span: Span,
        callee: bool,
        metric: bool,
    },
    /// `base.member`, on the member.
    Member {
        base: &'a Expr,
        member: &'a Ident,
    },
    /// The name of a named argument: `lr` in `sgd(lr = 0.1)`.
    ArgName {
        callee: &'a Expr,
        name: &'a Ident,
    },
    /// The kind of a stage: `ssl_search` in `stage search: ssl_search { ... }`.
    StageKind(&'a Ident),
    /// The name of a stage where it is declared.
    StageName(&'a StageDecl),
    /// A stage named after `after`.
    After(&'a Ident),
    /// A field of a stage, as an argument or in its block: `batch` in `ssl_search { batch = 32 }`.
    StageField {
        kind: &'a Ident,
        field: &'a Ident,
    },
    /// A field of a phase block.
    PhaseField(&'a Ident),
    /// The name of a pipeline setting where it is assigned: `seed` in `seed = 7`.
    Setting(&'a Ident),
    /// A part of an override path: `search.steps_per_epoch = 10`.
    Override {
        path: &'a [Ident],
        index: usize,
    },
    DefName(&'a Def),
    PipelineName(&'a PipelineDef),
    Param(&'a Param),
    /// An import statement (on its path or its `as` name).
    Import(&'a Import),
    /// A type in an annotation: `int` in `cells: int`.
    Type(&'a Ident),
    /// A string literal (op names in genotype strings).
    Str {
        text: &'a str,
        span: Span,
    },
}

/// A hit and the index of the top-level item holding it.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    pub hit: Hit<'a>,
    pub item: usize,
}

fn on(span: Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end
}

/// The innermost hit at `offset` in `file`.
pub fn at(file: &File, offset: usize) -> Option<Found<'_>> {
    file.items.iter().enumerate().find_map(|(i, item)| {
        let hit = match item {
            Item::Import(imp) if on(imp.span, offset) => Some(Hit::Import(imp)),
            Item::Def(d) if on(d.span, offset) => def(d, offset),
            Item::Pipeline(p) if on(p.span, offset) => pipeline(p, offset),
            _ => None,
        };
        hit.map(|hit| Found { hit, item: i })
    })
}

fn def(d: &Def, offset: usize) -> Option<Hit<'_>> {
    if on(d.name.span, offset) {
        return Some(Hit::DefName(d));
    }
    params(d.params.as_deref().unwrap_or(&[]), offset)
        .or_else(|| d.ty.as_ref().and_then(|t| ty(t, offset)))
        .or_else(|| expr(&d.body, offset, false, false))
}

fn params(ps: &[Param], offset: usize) -> Option<Hit<'_>> {
    ps.iter().find_map(|p| {
        if on(p.name.span, offset) {
            return Some(Hit::Param(p));
        }
        p.ty.as_ref().and_then(|t| ty(t, offset)).or_else(|| {
            p.default
                .as_ref()
                .and_then(|e| expr(e, offset, false, false))
        })
    })
}

fn ty(t: &TypeExpr, offset: usize) -> Option<Hit<'_>> {
    if on(t.name.span, offset) {
        return Some(Hit::Type(&t.name));
    }
    t.arg.as_deref().and_then(|a| ty(a, offset))
}

fn pipeline(p: &PipelineDef, offset: usize) -> Option<Hit<'_>> {
    if on(p.name.span, offset) {
        return Some(Hit::PipelineName(p));
    }
    if let Some(h) = params(p.params.as_deref().unwrap_or(&[]), offset) {
        return Some(h);
    }
    if let Some(h) = p.base.as_ref().and_then(|b| expr(b, offset, false, false)) {
        return Some(h);
    }
    p.items.iter().find_map(|it| match it {
        PipeItem::Assign(a) if on(a.span, offset) => {
            if let Some(i) = a.path.iter().position(|x| on(x.span, offset)) {
                return Some(if a.path.len() == 1 {
                    Hit::Setting(&a.path[0])
                } else {
                    Hit::Override {
                        path: &a.path,
                        index: i,
                    }
                });
            }
            expr(&a.value, offset, false, false)
        }
        PipeItem::Stage(s) if on(s.span, offset) => stage(s, offset),
        _ => None,
    })
}

fn stage(s: &StageDecl, offset: usize) -> Option<Hit<'_>> {
    if on(s.name.span, offset) {
        return Some(Hit::StageName(s));
    }
    if on(s.kind.span, offset) {
        return Some(Hit::StageKind(&s.kind));
    }
    if let Some(a) = s.after.iter().find(|a| on(a.span, offset)) {
        return Some(Hit::After(a));
    }
    for arg in &s.args {
        if let Some(n) = arg.name.as_ref().filter(|n| on(n.span, offset)) {
            return Some(Hit::StageField {
                kind: &s.kind,
                field: n,
            });
        }
        if let Some(h) = expr(&arg.value, offset, false, false) {
            return Some(h);
        }
    }
    s.block
        .as_ref()
        .and_then(|b| block(b, Some(&s.kind), offset))
}

/// A stage's block (`kind` given) or a phase's (`kind` none).
fn block<'a>(b: &'a Block, kind: Option<&'a Ident>, offset: usize) -> Option<Hit<'a>> {
    if !on(b.span, offset) {
        return None;
    }
    b.items.iter().find_map(|it| match it {
        BlockItem::Assign(a) if on(a.span, offset) => {
            if let Some(first) = a.path.first().filter(|x| on(x.span, offset)) {
                return Some(match kind {
                    Some(kind) => Hit::StageField { kind, field: first },
                    None => Hit::PhaseField(first),
                });
            }
            expr(&a.value, offset, false, false)
        }
        BlockItem::Phase {
            block: pb, span, ..
        } if on(*span, offset) => block(pb, None, offset),
        BlockItem::When { cond, span } if on(*span, offset) => expr(cond, offset, false, true),
        _ => None,
    })
}

fn expr(e: &Expr, offset: usize, callee: bool, metric: bool) -> Option<Hit<'_>> {
    if !on(e.span, offset) {
        return None;
    }
    match &e.kind {
        ExprKind::Name(name) => Some(Hit::Name {
            name,
            span: e.span,
            callee,
            metric,
        }),
        ExprKind::Str(text) => Some(Hit::Str { text, span: e.span }),
        ExprKind::Member(base, member) => {
            if on(member.span, offset) {
                Some(Hit::Member { base, member })
            } else {
                expr(base, offset, false, metric)
            }
        }
        ExprKind::Call(f, args) => {
            if let Some(h) = expr(f, offset, true, metric) {
                return Some(h);
            }
            args.iter().find_map(|a| {
                if let Some(n) = a.name.as_ref().filter(|n| on(n.span, offset)) {
                    return Some(Hit::ArgName { callee: f, name: n });
                }
                expr(&a.value, offset, false, metric)
            })
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) => {
            xs.iter().find_map(|x| expr(x, offset, false, metric))
        }
        ExprKind::Neg(x) => expr(x, offset, false, metric),
        ExprKind::Binary(_, l, r) => {
            expr(l, offset, false, metric).or_else(|| expr(r, offset, false, metric))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nas_syntax::source::SourceId;

    fn hit_at(text: &str, marker: &str) -> String {
        let (file, _) = nas_syntax::parse(SourceId(0), text);
        let file = file.expect("parses");
        let offset = text.find(marker).expect("marker") + 1;
        match at(&file, offset).map(|f| f.hit) {
            Some(Hit::Name {
                name,
                callee,
                metric,
                ..
            }) => {
                format!("name {name} callee={callee} metric={metric}")
            }
            Some(Hit::Member { member, .. }) => format!("member {}", member.name),
            Some(Hit::ArgName { name, .. }) => format!("arg {}", name.name),
            Some(Hit::StageKind(k)) => format!("kind {}", k.name),
            Some(Hit::StageField { kind, field }) => format!("field {}.{}", kind.name, field.name),
            Some(Hit::PhaseField(f)) => format!("phase field {}", f.name),
            Some(Hit::Setting(s)) => format!("setting {}", s.name),
            Some(Hit::After(a)) => format!("after {}", a.name),
            Some(Hit::DefName(d)) => format!("def {}", d.name.name),
            Some(Hit::Param(p)) => format!("param {}", p.name.name),
            Some(Hit::Import(_)) => "import".into(),
            Some(Hit::Type(t)) => format!("type {}", t.name),
            Some(other) => format!("{other:?}"),
            None => "nothing".into(),
        }
    }

    const P: &str = "import std.spaces.darts\n\
        def f(cells: int = 4) = darts.cifar(cells = cells)\n\
        pipeline p {\n\
          data = digits_files\n\
          stage search: ssl_search {\n\
            weights = sgd(lr = 0.1)\n\
            phase warm { epochs = 1, arch = frozen }\n\
            phase go { max_epochs = 3, when loss < 0.5 }\n\
          }\n\
          stage d: derive after search\n\
        }\n";

    #[test]
    fn finds_the_innermost_thing() {
        assert_eq!(hit_at(P, "mport"), "import");
        assert_eq!(hit_at(P, " f("), "def f");
        assert_eq!(hit_at(P, "(cells"), "param cells");
        assert_eq!(hit_at(P, " int"), "type int");
        assert_eq!(hit_at(P, ".cifar"), "member cifar");
        assert_eq!(
            hit_at(P, " darts.cifar"),
            "name darts callee=false metric=false"
        );
        assert_eq!(hit_at(P, "(cells = cells)"), "arg cells");
        assert_eq!(hit_at(P, "\ndata ="), "setting data");
        assert_eq!(hit_at(P, " ssl_search"), "kind ssl_search");
        assert_eq!(hit_at(P, "\nweights"), "field ssl_search.weights");
        assert_eq!(hit_at(P, " sgd("), "name sgd callee=true metric=false");
        assert_eq!(hit_at(P, "(lr"), "arg lr");
        assert_eq!(hit_at(P, " arch ="), "phase field arch");
        assert_eq!(
            hit_at(P, " frozen"),
            "name frozen callee=false metric=false"
        );
        assert_eq!(hit_at(P, " loss"), "name loss callee=false metric=true");
        assert_eq!(hit_at(P, " search\n"), "after search");
    }
}
