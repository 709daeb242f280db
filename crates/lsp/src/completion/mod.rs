//! Completion: what may be written at the cursor, from the context `context::detect` finds
//! and the document's modules.
//!
//! Contract: stage kinds after `stage NAME:`; the fields of the stage, phase, pipeline or
//! constructor (or a definition's parameters) whose brackets hold the cursor, less those
//! already given; for a value, what the field accepts first (its symbols, the constructors
//! of its kind) and then the names in scope; members after `module.` (or a record's fields);
//! metric names in `when`; op names of the imported spaces inside a string (stage names for
//! `from`); stages after `after`; keywords at the start of a top-level line. Every item
//! carries its type or summary and, where there is one, its documentation.

pub mod context;
mod tokens;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Documentation, InsertTextFormat,
    MarkupContent, MarkupKind, Range, TextEdit,
};

use nas_check::builtins::{self, Field, Kind, Schema, Ty, PHASE};
use nas_check::resolve::ModId;
use nas_syntax::ast::*;

use crate::analysis::{Analysis, Scope, Target};
use crate::hover;
use context::{Context, Detected, Owner};

const TOP_KEYWORDS: &[&str] = &["import", "let", "def", "op", "pipeline"];

/// The completion items for `detected` (the word being typed is replaced through `range`).
pub fn items(an: &Analysis, detected: &Detected, range: Range) -> Vec<CompletionItem> {
    let mut out = Items {
        an,
        range,
        list: Vec::new(),
    };
    let item = detected.item.as_deref().and_then(|n| item_index(an, n));
    match &detected.context {
        Context::Nothing => {}
        Context::TopLevel => {
            for k in TOP_KEYWORDS {
                out.keyword(k);
            }
        }
        Context::StageKind => {
            for s in builtins::STAGES {
                out.schema(s, CompletionItemKind::CLASS);
            }
        }
        Context::Member(names) => out.members(item, names),
        Context::Field { owner, given } => out.fields(item, owner, given),
        Context::Value { owner, field } => {
            let ty = owner
                .as_ref()
                .zip(field.as_deref())
                .and_then(|(o, f)| field_type(an, item, o, f));
            out.values(item, ty);
        }
        Context::Metric => {
            for m in builtins::METRICS {
                out.push(
                    m,
                    CompletionItemKind::VARIABLE,
                    "metric",
                    hover::metric_doc(m),
                );
            }
            if let Some(s) = builtins::constructor("arch_stable") {
                out.schema(s, CompletionItemKind::FUNCTION);
            }
        }
        Context::Str { field } if field.as_deref() == Some("from") => out.stages(item),
        Context::Str { .. } => out.op_names(),
        Context::Stage => out.stages(item),
    }
    out.list
}

/// The index of the entry module's top-level item called `name`.
fn item_index(an: &Analysis, name: &str) -> Option<usize> {
    an.entry_module()?.items.get(name).copied()
}

/// The type a field of `owner` accepts.
fn field_type(an: &Analysis, item: Option<usize>, owner: &Owner, field: &str) -> Option<Ty> {
    Some(owner_schema(an, item, owner)?.field(field)?.ty)
}

/// The built-in schema of an owner (none for a user definition's call).
fn owner_schema(an: &Analysis, item: Option<usize>, owner: &Owner) -> Option<&'static Schema> {
    match owner {
        Owner::Stage(kind) => builtins::stage_kind(kind),
        Owner::Phase => Some(&PHASE),
        Owner::Pipeline => None,
        Owner::Call(names) => match callee(an, item, names)? {
            Target::Builtin(s) => Some(s),
            _ => None,
        },
    }
}

/// What a dotted callee names, as seen from the entry module.
fn callee(an: &Analysis, item: Option<usize>, names: &[String]) -> Option<Target> {
    let m = an.entry_module()?;
    let first = names.first()?;
    if names.len() == 1 {
        if let Some(i) = m.items.get(first) {
            return Some(Target::Item {
                module: an.entry,
                item: *i,
            });
        }
        if let Some(s) = builtins::constructor(first) {
            return Some(Target::Builtin(s));
        }
        return local(an, item, first);
    }
    let id = *m.imports.get(first)?;
    let target = an.module(id)?;
    let i = *target.items.get(names.get(1)?)?;
    Some(Target::Item {
        module: id,
        item: i,
    })
}

/// A parameter or setting of the entry's item `item` called `name`.
fn local(an: &Analysis, item: Option<usize>, name: &str) -> Option<Target> {
    let item = item?;
    if let Some(param) = an
        .params(an.entry, item)
        .and_then(|ps| ps.iter().position(|p| p.name.name == name))
    {
        return Some(Target::Param {
            module: an.entry,
            item,
            param,
        });
    }
    let Some(Item::Pipeline(p)) = an.item(an.entry, item) else {
        return None;
    };
    p.items
        .iter()
        .position(
            |it| matches!(it, PipeItem::Assign(a) if a.path.len() == 1 && a.path[0].name == name),
        )
        .map(|index| Target::Setting {
            module: an.entry,
            item,
            index,
        })
}

struct Items<'a> {
    an: &'a Analysis,
    range: Range,
    list: Vec<CompletionItem>,
}

impl Items<'_> {
    fn push(&mut self, label: &str, kind: CompletionItemKind, detail: &str, doc: &str) {
        self.push_insert(label, kind, detail, doc, label);
    }

    fn push_insert(
        &mut self,
        label: &str,
        kind: CompletionItemKind,
        detail: &str,
        doc: &str,
        insert: &str,
    ) {
        if self.list.iter().any(|i| i.label == label) {
            return;
        }
        self.list.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: (!detail.is_empty()).then(|| detail.to_string()),
            documentation: (!doc.is_empty()).then(|| {
                Documentation::MarkupContent(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: doc.to_string(),
                })
            }),
            insert_text_format: Some(InsertTextFormat::PLAIN_TEXT),
            text_edit: Some(CompletionTextEdit::Edit(TextEdit {
                range: self.range,
                new_text: insert.to_string(),
            })),
            ..CompletionItem::default()
        });
    }

    fn keyword(&mut self, k: &str) {
        self.push(k, CompletionItemKind::KEYWORD, "keyword", "");
    }

    fn schema(&mut self, s: &'static Schema, kind: CompletionItemKind) {
        let what = if builtins::stage_kind(s.name).is_some_and(|k| std::ptr::eq(k, s)) {
            "stage kind"
        } else {
            "constructor"
        };
        let doc = hover::markdown(self.an, Target::Builtin(s));
        let detail = if what == "stage kind" {
            format!("stage kind: {}", s.doc)
        } else {
            format!("{}: {}", s.kind.name(), s.doc)
        };
        self.push(s.name, kind, &detail, &doc);
    }

    fn field(&mut self, f: &'static Field) {
        let insert = format!("{} = ", f.name);
        let summary = hover::field_summary(f);
        self.push_insert(f.name, CompletionItemKind::FIELD, &summary, "", &insert);
    }

    fn fields(&mut self, item: Option<usize>, owner: &Owner, given: &[String]) {
        if let Owner::Pipeline = owner {
            for s in builtins::PIPELINE_SETTINGS {
                if !given.iter().any(|g| g == s) {
                    let insert = format!("{s} = ");
                    self.push_insert(
                        s,
                        CompletionItemKind::PROPERTY,
                        "pipeline setting",
                        hover::setting_doc(s),
                        &insert,
                    );
                }
            }
            self.keyword("stage");
            return;
        }
        if let Some(schema) = owner_schema(self.an, item, owner) {
            for f in schema
                .fields
                .iter()
                .filter(|f| !given.iter().any(|g| g == f.name))
            {
                self.field(f);
            }
            match owner {
                Owner::Stage(_) if schema.name == "ssl_search" => self.keyword("phase"),
                Owner::Phase => self.keyword("when"),
                _ => {}
            }
            if let Some(v) = schema.variadic {
                self.values(item, Some(v));
            }
            return;
        }
        // a user definition's parameters
        if let Owner::Call(names) = owner {
            if let Some(Target::Item { module, item: i }) = callee(self.an, item, names) {
                let params = self.an.params(module, i).unwrap_or(&[]);
                for (n, p) in params.iter().enumerate() {
                    if given.contains(&p.name.name) {
                        continue;
                    }
                    let doc = hover::markdown(
                        self.an,
                        Target::Param {
                            module,
                            item: i,
                            param: n,
                        },
                    );
                    let insert = format!("{} = ", p.name.name);
                    let ty = p.ty.as_ref().map(|t| t.name.name.as_str()).unwrap_or("any");
                    self.push_insert(&p.name.name, CompletionItemKind::FIELD, ty, &doc, &insert);
                }
            }
        }
    }

    /// Values: what `ty` accepts first, then every name in scope.
    fn values(&mut self, item: Option<usize>, ty: Option<Ty>) {
        if let Some(ty) = ty {
            self.typed(ty);
        }
        // parameters and settings of the item the cursor is in
        if let Some(i) = item {
            for (n, p) in self
                .an
                .params(self.an.entry, i)
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let doc = hover::markdown(
                    self.an,
                    Target::Param {
                        module: self.an.entry,
                        item: i,
                        param: n,
                    },
                );
                self.push(
                    &p.name.name,
                    CompletionItemKind::VARIABLE,
                    "parameter",
                    &doc,
                );
            }
            if let Some(Item::Pipeline(p)) = self.an.item(self.an.entry, i) {
                for it in &p.items {
                    if let PipeItem::Assign(a) = it {
                        if a.path.len() == 1 {
                            self.push(&a.path[0].name, CompletionItemKind::VARIABLE, "setting", "");
                        }
                    }
                }
            }
        }
        let Some(m) = self.an.entry_module() else {
            return;
        };
        let mut names: Vec<(&String, &usize)> = m.items.iter().collect();
        names.sort();
        for (name, i) in names {
            self.definition(self.an.entry, *i, name);
        }
        let mut imports: Vec<(&String, &ModId)> = m.imports.iter().collect();
        imports.sort();
        for (name, id) in imports {
            let doc = hover::markdown(self.an, Target::Module(*id));
            self.push(name, CompletionItemKind::MODULE, "module", &doc);
        }
        for s in builtins::CONSTRUCTORS {
            self.schema(s, CompletionItemKind::FUNCTION);
        }
        for k in ["true", "false", "none"] {
            self.keyword(k);
        }
    }

    /// What a field of type `ty` accepts: its symbols, or the constructors of its kind.
    fn typed(&mut self, ty: Ty) {
        match ty {
            Ty::Sym(names) => {
                for s in names {
                    self.push(s, CompletionItemKind::ENUM_MEMBER, "symbol", "");
                }
            }
            Ty::Bool => {
                self.keyword("true");
                self.keyword("false");
            }
            Ty::Opt(inner) => {
                self.typed(*inner);
                self.keyword("none");
            }
            Ty::List(inner) => self.typed(*inner),
            Ty::Rec(kind) => self.constructors_of(kind),
            _ => {}
        }
    }

    fn constructors_of(&mut self, kind: Kind) {
        for s in builtins::CONSTRUCTORS.iter().filter(|s| s.kind == kind) {
            self.schema(s, CompletionItemKind::FUNCTION);
        }
    }

    /// A top-level definition `name` (item `i` of `module`).
    fn definition(&mut self, module: ModId, i: usize, name: &str) {
        let (kind, detail, doc) = match self.an.item(module, i) {
            Some(Item::Def(d)) => {
                let kind = match (d.kind, d.params.is_some()) {
                    (DefKind::Op, _) => CompletionItemKind::OPERATOR,
                    (_, true) => CompletionItemKind::FUNCTION,
                    _ => CompletionItemKind::CONSTANT,
                };
                let word = match d.kind {
                    DefKind::Let => "let",
                    DefKind::Def => "def",
                    DefKind::Op => "op",
                };
                (kind, word, d.doc.clone().unwrap_or_default())
            }
            Some(Item::Pipeline(p)) => (
                CompletionItemKind::MODULE,
                "pipeline",
                p.doc.clone().unwrap_or_default(),
            ),
            _ => return,
        };
        self.push(name, kind, detail, &doc);
    }

    fn members(&mut self, item: Option<usize>, names: &[String]) {
        let Some(m) = self.an.entry_module() else {
            return;
        };
        if names.len() == 1 {
            let module = m.imports.get(&names[0]).copied();
            let shadowed =
                local(self.an, item, &names[0]).is_some() || m.items.contains_key(&names[0]);
            if let (Some(id), false) = (module, shadowed) {
                let Some(target) = self.an.module(id) else {
                    return;
                };
                let mut members: Vec<(&String, &usize)> = target.items.iter().collect();
                members.sort();
                for (name, i) in members {
                    self.definition(id, *i, name);
                }
                return;
            }
        }
        // an override in a pipeline: `search.` (a stage's fields and phases), `search.warm.`
        if let Some(Target::Stage {
            module,
            item: p,
            index,
        }) = item.and_then(|i| self.an.stage(self.an.entry, i, &names[0]))
        {
            if let Some(Item::Pipeline(pipe)) = self.an.item(module, p) {
                if let Some(PipeItem::Stage(s)) = pipe.items.get(index) {
                    self.stage_members(s, &names[1..]);
                }
            }
            return;
        }
        // a record's fields: `data.size`
        let base = names.iter().skip(1).fold(
            Expr {
                kind: ExprKind::Name(names[0].clone()),
                span: Default::default(),
            },
            |e, n| Expr {
                kind: ExprKind::Member(
                    Box::new(e),
                    Ident {
                        name: n.clone(),
                        span: Default::default(),
                    },
                ),
                span: Default::default(),
            },
        );
        let scope = Scope {
            module: self.an.entry,
            item,
            at: usize::MAX,
        };
        if let Some(schema) = self.an.schema_of(&scope, &base, 0) {
            for f in schema.fields {
                self.push(
                    f.name,
                    CompletionItemKind::FIELD,
                    &hover::field_summary(f),
                    "",
                );
            }
        }
    }

    /// After `stage.`: the stage kind's fields and the stage's phases; after
    /// `stage.phase.`: the phase's fields.
    fn stage_members(&mut self, s: &StageDecl, rest: &[String]) {
        let phases = s
            .block
            .iter()
            .flat_map(|b| &b.items)
            .filter_map(|bi| match bi {
                BlockItem::Phase { name, .. } => Some(name.name.as_str()),
                _ => None,
            });
        match rest {
            [] => {
                if let Some(kind) = builtins::stage_kind(&s.kind.name) {
                    for f in kind.fields {
                        self.field(f);
                    }
                }
                for p in phases {
                    self.push(p, CompletionItemKind::EVENT, "phase", "");
                }
            }
            [phase] if phases.clone().any(|p| p == phase) => {
                for f in PHASE.fields {
                    self.field(f);
                }
            }
            _ => {}
        }
    }

    /// The stages of the pipeline the cursor is in (and of the pipeline it extends).
    fn stages(&mut self, item: Option<usize>) {
        let Some(i) = item else {
            return;
        };
        let Some(Item::Pipeline(p)) = self.an.item(self.an.entry, i) else {
            return;
        };
        for it in &p.items {
            if let PipeItem::Stage(s) = it {
                let detail = format!("stage: {}", s.kind.name);
                self.push(&s.name.name, CompletionItemKind::CLASS, &detail, "");
            }
        }
    }

    /// Op names of the imported modules (`op` definitions and `named("x", ...)`), for
    /// genotype strings.
    fn op_names(&mut self) {
        let Some(m) = self.an.entry_module() else {
            return;
        };
        let mut ids: Vec<ModId> = m.imports.values().copied().collect();
        ids.push(self.an.entry);
        ids.sort();
        ids.dedup();
        for id in ids {
            let Some(module) = self.an.module(id) else {
                continue;
            };
            let from = hover::module_name(self.an, id);
            let detail = format!("op of `{from}`");
            let mut found = Vec::new();
            for it in &module.file.items {
                if let Item::Def(d) = it {
                    if d.kind == DefKind::Op && d.params.is_none() {
                        found.push((d.name.name.clone(), d.doc.clone().unwrap_or_default()));
                    }
                    named_ops(&d.body, &mut found);
                }
            }
            for (name, doc) in found {
                self.push(&name, CompletionItemKind::ENUM_MEMBER, &detail, &doc);
            }
        }
    }
}

/// The names given by `named("x", op)` inside `e`.
fn named_ops(e: &Expr, out: &mut Vec<(String, String)>) {
    match &e.kind {
        ExprKind::Call(f, args) => {
            if matches!(&f.kind, ExprKind::Name(n) if n == "named") {
                if let Some(ExprKind::Str(s)) = args.first().map(|a| &a.value.kind) {
                    out.push((s.clone(), String::new()));
                }
            }
            args.iter().for_each(|a| named_ops(&a.value, out));
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) => xs.iter().for_each(|x| named_ops(x, out)),
        _ => {}
    }
}
