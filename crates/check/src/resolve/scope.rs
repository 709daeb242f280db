//! Static name resolution: every name used in a definition or pipeline must be a
//! parameter, a pipeline binding, a top-level definition, an import, a built-in or a
//! symbol; `module.member` must name a definition of that module. Pipelines that extend
//! another pipeline may use its bindings, which are only known when evaluated, so their
//! plain names are left to the evaluator.

use std::collections::HashSet;

use super::error::ResolveError;
use super::loader::{Loaded, Module};
use crate::builtins::{global_names, METRICS, TYPE_NAMES};
use nas_syntax::ast::*;
use nas_syntax::diagnostics::{suggest, Diag};

struct Scope<'a> {
    loaded: &'a Loaded,
    module: &'a Module,
    locals: HashSet<&'a str>,
    /// Unknown plain names are not reported (extension pipelines).
    lenient: bool,
    diags: &'a mut Vec<Diag>,
}

/// Check every name in every loaded module.
pub fn check_names(loaded: &Loaded) -> Vec<Diag> {
    let mut diags = Vec::new();
    for m in &loaded.modules {
        for item in &m.file.items {
            match item {
                Item::Def(d) => {
                    let mut s = Scope {
                        loaded,
                        module: m,
                        locals: HashSet::new(),
                        lenient: false,
                        diags: &mut diags,
                    };
                    s.params(d.params.as_deref().unwrap_or(&[]));
                    if let Some(t) = &d.ty {
                        s.ty(t);
                    }
                    s.expr(&d.body, false);
                }
                Item::Pipeline(p) => {
                    let mut s = Scope {
                        loaded,
                        module: m,
                        locals: HashSet::new(),
                        lenient: p.base.is_some(),
                        diags: &mut diags,
                    };
                    s.pipeline(p);
                }
                Item::Import(_) => {}
            }
        }
    }
    diags
}

impl<'a> Scope<'a> {
    fn params(&mut self, params: &'a [Param]) {
        for p in params {
            if let Some(t) = &p.ty {
                self.ty(t);
            }
            if let Some(d) = &p.default {
                self.expr(d, false);
            }
            if !self.locals.insert(&p.name.name) {
                self.diags.push(
                    Diag::error(
                        ResolveError::DuplicateParam {
                            name: p.name.name.clone(),
                        },
                        p.name.span,
                        "declared again here",
                    )
                    .with_help("give each parameter its own name"),
                );
            }
        }
    }

    fn ty(&mut self, t: &TypeExpr) {
        if !TYPE_NAMES.contains(&t.name.name.as_str()) {
            self.diags.push(
                Diag::error(
                    ResolveError::UnknownType {
                        name: t.name.name.clone(),
                    },
                    t.name.span,
                    "not a type",
                )
                .with_help(suggest(&t.name.name, TYPE_NAMES.iter().copied())),
            );
        }
        if let Some(a) = &t.arg {
            self.ty(a);
        }
    }

    fn pipeline(&mut self, p: &'a PipelineDef) {
        self.params(p.params.as_deref().unwrap_or(&[]));
        if let Some(b) = &p.base {
            self.expr(b, false);
        }
        for item in &p.items {
            if let PipeItem::Assign(a) = item {
                if a.path.len() == 1 {
                    self.locals.insert(&a.path[0].name);
                }
            }
        }
        for item in &p.items {
            match item {
                PipeItem::Assign(a) => self.expr(&a.value, false),
                PipeItem::Stage(s) => {
                    for arg in &s.args {
                        self.expr(&arg.value, false);
                    }
                    if let Some(b) = &s.block {
                        self.block(b);
                    }
                }
            }
        }
    }

    fn block(&mut self, b: &'a Block) {
        for it in &b.items {
            match it {
                BlockItem::Assign(a) => self.expr(&a.value, false),
                BlockItem::Phase { block, .. } => self.block(block),
                BlockItem::When { cond, .. } => self.expr(cond, true),
            }
        }
    }

    fn known(&self, name: &str, metrics: bool) -> bool {
        self.locals.contains(name)
            || self.module.items.contains_key(name)
            || self.module.imports.contains_key(name)
            || global_names().any(|g| g == name)
            || (metrics && METRICS.contains(&name))
    }

    fn expr(&mut self, e: &'a Expr, metrics: bool) {
        match &e.kind {
            // In `when`, unknown names are reported as unknown metrics by the evaluator.
            ExprKind::Name(n) if !self.lenient && !metrics => self.name_ref(n, e.span, None),
            ExprKind::Member(base, member) => {
                if let ExprKind::Name(n) = &base.kind {
                    if self.lenient || self.module_member(n, member) {
                        return;
                    }
                    if !metrics {
                        self.name_ref(n, base.span, Some(&member.name));
                        return;
                    }
                }
                self.expr(base, metrics);
            }
            ExprKind::Call(f, args) => {
                self.expr(f, metrics);
                for a in args {
                    self.expr(&a.value, metrics);
                }
            }
            ExprKind::List(xs) | ExprKind::Tuple(xs) => {
                xs.iter().for_each(|x| self.expr(x, metrics))
            }
            ExprKind::Neg(x) => self.expr(x, metrics),
            ExprKind::Binary(_, l, r) => {
                self.expr(l, metrics);
                self.expr(r, metrics);
            }
            _ => {}
        }
    }

    /// A plain name, or the base of `n.member`.
    fn name_ref(&mut self, n: &str, span: nas_syntax::source::Span, member: Option<&str>) {
        if self.known(n, false) || self.module.broken {
            return;
        }
        if let Some(d) = super::stdlib::missing_import(n, member, span) {
            self.diags.push(d);
            return;
        }
        let mut user: Vec<&str> = self.locals.iter().copied().collect();
        user.extend(self.module.items.keys().map(String::as_str));
        user.extend(self.module.imports.keys().map(String::as_str));
        let d = Diag::error(
            ResolveError::UnknownName {
                name: n.to_string(),
            },
            span,
            "not defined",
        );
        let members = imported_members(self.loaded, self.module, n);
        self.diags
            .push(d.with_help(unknown_name_help(n, user, &members)));
    }

    /// `module.member` where `module` is an import (not shadowed): check the member.
    /// Returns whether the expression was an import's member.
    fn module_member(&mut self, n: &str, member: &Ident) -> bool {
        if self.locals.contains(n) || self.module.items.contains_key(n) {
            return false;
        }
        let Some(target) = self
            .module
            .imports
            .get(n)
            .and_then(|id| self.loaded.module(*id))
        else {
            return false;
        };
        if !target.broken && !target.items.contains_key(&member.name) {
            let e = ResolveError::UnknownMember {
                module: n.to_string(),
                name: member.name.clone(),
            };
            let help = suggest(&member.name, target.items.keys().map(String::as_str));
            self.diags
                .push(Diag::error(e, member.span, "not in that module").with_help(help));
        }
        true
    }
}

/// Help for an unknown name: did-you-mean over the names defined where it is used and the
/// built-in ones; when nothing is close, the names defined there (the built-ins are too many
/// to list usefully), and the reminder that text is written in quotes.
pub fn unknown_name_help(n: &str, mut user: Vec<&str>, members: &[String]) -> String {
    if let Some(m) = members.first() {
        return format!("did you mean `{m}`? (a definition of an imported module)");
    }
    let mut all: Vec<String> = user.iter().map(|u| u.to_string()).collect();
    all.extend(global_names().map(String::from));
    if let Some(c) = nas_syntax::diagnostics::closest(n, all.iter().map(String::as_str)) {
        return format!("did you mean `{c}`?");
    }
    user.sort_unstable();
    user.dedup();
    let quoted = format!("a string is written in quotes: `\"{n}\"`");
    if user.is_empty() || user.len() > 24 {
        return format!("no definition, parameter or built-in is named like it; {quoted}");
    }
    let shown: Vec<String> = user.iter().map(|u| format!("`{u}`")).collect();
    format!(
        "nothing built in is named like it; defined here: {}; {quoted}",
        shown.join(", ")
    )
}

/// `alias.n` for every import of `module` that defines `n`.
pub fn imported_members(loaded: &Loaded, module: &Module, n: &str) -> Vec<String> {
    let mut out: Vec<String> = module
        .imports
        .iter()
        .filter(|(_, id)| loaded.module(**id).is_some_and(|m| m.items.contains_key(n)))
        .map(|(alias, _)| format!("{alias}.{n}"))
        .collect();
    out.sort();
    out
}
