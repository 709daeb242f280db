//! Hover: what a name is, as Markdown: its type or signature and its `///` documentation
//! for definitions (the document's, imported modules', the standard library's), the fields
//! of built-in constructors and stage kinds with their types, ranges and defaults (from the
//! checker's table of builtins, the single source of truth), parameters, settings, stages,
//! symbols, metrics, and op names inside genotype strings (their `named(...)` or `op`).
//!
//! Contract: [`markdown`] never fails; a target it knows little about still gets a line.
//! The type of a constant is what the checker's evaluator makes of it (`a list of 8 ops`).

use nas_check::builtins::{self, Dflt, Field, Schema, Ty, PHASE};
use nas_check::eval::Eval;
use nas_check::resolve::{ModId, ModKey};
use nas_check::value::V;
use nas_syntax::ast::*;
use nas_syntax::source::Span;

use crate::analysis::{Analysis, Target};

/// Longest definition shown whole (a longer one shows its header).
const SHORT: usize = 100;

/// The hover text of `target`.
pub fn markdown(an: &Analysis, target: Target) -> String {
    match target {
        Target::Item { module, item } => item_text(an, module, item),
        Target::Param {
            module,
            item,
            param,
        } => param_text(an, module, item, param),
        Target::Setting {
            module,
            item,
            index,
        } => setting_text(an, module, item, index),
        Target::KnownSetting(s) => format!(
            "pipeline setting `{s}` (inherited from the base pipeline)\n\n{}",
            setting_doc(s)
        ),
        Target::Module(id) => module_text(an, id),
        Target::Builtin(s) => schema_text(s, "constructor"),
        Target::StageKind(s) => schema_text(s, "stage kind"),
        Target::Field { owner, field } => field_text(owner, field),
        Target::Stage {
            module,
            item,
            index,
        } => stage_text(an, module, item, index),
        Target::Symbol(s) => symbol_text(s),
        Target::Metric(m) => format!(
            "metric `{m}`: {}\n\nCompared in a phase's `when` condition: `when {m} < 0.5`.",
            metric_doc(m)
        ),
        Target::Type(t) => format!("type `{t}`"),
        Target::NamedOp { module, item, call } => named_op_text(an, module, item, call),
    }
}

fn code(text: &str) -> String {
    format!("```nas\n{}\n```", text.trim_end())
}

/// The module's name as a user imports it.
pub fn module_name(an: &Analysis, id: ModId) -> String {
    match an.module(id).map(|m| &m.key) {
        Some(ModKey::Std(p)) => format!("std.{p}"),
        Some(ModKey::File(p)) => p.display().to_string(),
        Some(ModKey::Text(n)) => n.clone(),
        None => "?".into(),
    }
}

fn source_text(an: &Analysis, module: ModId) -> &str {
    an.module(module)
        .map(|m| an.loaded.sources.text(m.src))
        .unwrap_or("")
}

/// `text[start..end]`, or nothing when the span does not fit.
fn slice(text: &str, start: usize, end: usize) -> &str {
    text.get(start..end.max(start)).unwrap_or("")
}

fn item_text(an: &Analysis, module: ModId, item: usize) -> String {
    let text = source_text(an, module);
    let from = module_name(an, module);
    match an.item(module, item) {
        Some(Item::Def(d)) => {
            // a span runs on over the comments after it: end at the body's end
            let whole = slice(text, d.span.start, d.body.span.end);
            let mut out = if whole.len() <= SHORT && !whole.contains('\n') {
                code(whole)
            } else {
                let head = slice(text, d.span.start, d.body.span.start).trim_end();
                code(head.strip_suffix('=').unwrap_or(head).trim_end())
            };
            if d.kind == DefKind::Let && d.params.is_none() && d.ty.is_none() {
                if let Some(t) = value_type(an, module, item, d) {
                    out.push_str(&format!("\n\n*{t}*"));
                }
            }
            if let Some(doc) = &d.doc {
                out.push_str(&format!("\n\n{doc}"));
            }
            out.push_str(&format!("\n\n{} in `{from}`", kind_word(d.kind)));
            out
        }
        Some(Item::Pipeline(p)) => {
            let head = pipeline_head(text, p);
            let mut out = code(head);
            if let Some(doc) = &p.doc {
                out.push_str(&format!("\n\n{doc}"));
            }
            let stages: Vec<String> = p
                .items
                .iter()
                .filter_map(|it| match it {
                    PipeItem::Stage(s) => Some(format!("`{}` ({})", s.name.name, s.kind.name)),
                    PipeItem::Assign(_) => None,
                })
                .collect();
            if !stages.is_empty() {
                out.push_str(&format!("\n\nstages: {}", stages.join(", ")));
            }
            out.push_str(&format!("\n\npipeline in `{from}`"));
            out
        }
        _ => String::new(),
    }
}

fn named_op_text(an: &Analysis, module: ModId, item: usize, call: Span) -> String {
    let text = source_text(an, module);
    let mut out = code(slice(text, call.start, call.end));
    if let Some(Item::Def(d)) = an.item(module, item) {
        out.push_str(&format!(
            "\n\nan op of `{}` in `{}`",
            d.name.name,
            module_name(an, module)
        ));
        if let Some(doc) = &d.doc {
            out.push_str(&format!("\n\n{doc}"));
        }
    }
    out
}

fn kind_word(k: DefKind) -> &'static str {
    match k {
        DefKind::Let => "constant",
        DefKind::Def => "definition",
        DefKind::Op => "op",
    }
}

/// `pipeline p(epochs: int = 6) = base(...)`: the text before the body's `{`.
fn pipeline_head<'t>(text: &'t str, p: &PipelineDef) -> &'t str {
    let from = p.span.start.min(text.len());
    let mut depth = 0i32;
    let mut in_str = false;
    for (i, c) in text[from..p.span.end.min(text.len())].char_indices() {
        match c {
            '"' => in_str = !in_str,
            '(' | '[' if !in_str => depth += 1,
            ')' | ']' if !in_str => depth -= 1,
            '{' if !in_str && depth == 0 => return text[from..from + i].trim_end(),
            _ => {}
        }
    }
    slice(text, from, p.span.end)
}

/// What the checker's evaluator makes of a constant, in words.
fn value_type(an: &Analysis, module: ModId, item: usize, d: &Def) -> Option<String> {
    let mut ev = Eval::new(&an.loaded, &[]);
    let v = ev.item(module, item, d.name.span).ok()?;
    Some(describe(&v.v))
}

fn describe(v: &V) -> String {
    match v {
        V::List(xs) if !xs.is_empty() => {
            let first = plural(&xs[0].v);
            if xs.iter().all(|x| plural(&x.v) == first) {
                format!("a list of {} {first}", xs.len())
            } else {
                format!("a list of {} values", xs.len())
            }
        }
        V::List(_) => "an empty list".into(),
        V::Op(o) => format!("an op (`{}`)", o.name),
        V::Rec(r) => format!("{} (`{}`)", a(r.kind().name()), r.schema.name),
        other => other.describe(),
    }
}

/// `word` with its indefinite article: "an augmentation", "a network".
fn a(word: &str) -> String {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

fn plural(v: &V) -> String {
    match v {
        V::Op(_) => "ops".into(),
        V::Rec(r) if r.kind() == builtins::Kind::Op => "ops".into(),
        V::Rec(r) => format!("{}s", r.kind().name()),
        V::Int(_) => "integers".into(),
        V::Float(_) | V::Frac(_) => "numbers".into(),
        V::Str(_) => "strings".into(),
        V::Tuple(_) => "tuples".into(),
        V::List(_) => "lists".into(),
        _ => "values".into(),
    }
}

fn param_text(an: &Analysis, module: ModId, item: usize, param: usize) -> String {
    let text = source_text(an, module);
    let Some(p) = an.params(module, item).and_then(|ps| ps.get(param)) else {
        return String::new();
    };
    let end = p
        .default
        .as_ref()
        .map(|d| d.span.end)
        .or(p.ty.as_ref().map(|t| t.span.end))
        .unwrap_or(p.name.span.end);
    let owner = match an.item(module, item) {
        Some(Item::Def(d)) => d.name.name.as_str(),
        Some(Item::Pipeline(pl)) => pl.name.name.as_str(),
        _ => "?",
    };
    let mut out = code(slice(text, p.name.span.start, end));
    out.push_str(&format!("\n\nparameter of `{owner}`"));
    if p.default.is_none() {
        out.push_str(" (required)");
    }
    out
}

fn setting_text(an: &Analysis, module: ModId, item: usize, index: usize) -> String {
    let text = source_text(an, module);
    let Some(Item::Pipeline(p)) = an.item(module, item) else {
        return String::new();
    };
    let Some(PipeItem::Assign(a)) = p.items.get(index) else {
        return String::new();
    };
    let whole = slice(text, a.span.start, a.value.span.end);
    let mut out = if whole.len() <= SHORT && !whole.contains('\n') {
        code(whole)
    } else {
        code(&format!("{} = ...", a.path[0].name))
    };
    let name = a.path[0].name.as_str();
    out.push_str(&format!("\n\nsetting of pipeline `{}`", p.name.name));
    if builtins::PIPELINE_SETTINGS.contains(&name) {
        out.push_str(&format!("\n\n{}", setting_doc(name)));
    }
    out
}

/// What a pipeline setting with a meaning does (grammar/README.md, "Pipelines").
pub fn setting_doc(name: &str) -> &'static str {
    match name {
        "data" => "The dataset every stage reads (required).",
        "seed" => "The seed of every random stream of the run (default 0).",
        "space" => "The search space; stages with a `space` field that do not set it use this one.",
        "views" => "The augmentation of the self-supervised views; stages with a `views` field that do not set it use this one.",
        "augment" => "The supervised augmentation; stages with an `augment` field that do not set it use this one.",
        _ => "",
    }
}

fn module_text(an: &Analysis, id: ModId) -> String {
    let text = source_text(an, id);
    let about: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with("//") && !l.starts_with("///"))
        .map(|l| l.trim_start_matches("//").trim())
        .collect();
    let mut out = format!("module `{}`", module_name(an, id));
    if !about.is_empty() {
        out.push_str(&format!("\n\n{}", about.join("\n")));
    }
    if let Some(m) = an.module(id) {
        let mut names: Vec<&str> = m.items.keys().map(String::as_str).collect();
        names.sort_unstable();
        if !names.is_empty() {
            let shown: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            out.push_str(&format!("\n\nmembers: {}", shown.join(", ")));
        }
    }
    out
}

fn schema_text(s: &Schema, what: &str) -> String {
    let mut out = format!("**{}**: {what}", s.name);
    if what == "constructor" {
        out.push_str(&format!(" of {}", a(s.kind.name())));
    }
    out.push_str(&format!("\n\n{}", s.doc));
    if let Some(v) = s.variadic {
        out.push_str(&format!(
            "\n\nTakes any number of positional arguments: {}.",
            v.describe()
        ));
    }
    if !s.fields.is_empty() {
        out.push_str("\n\nFields:\n");
        for f in s.fields {
            out.push_str(&format!("\n- {}", field_line(f)));
        }
    }
    out
}

/// `` `momentum`: a number, at least 0 and less than 1; default `0.9` ``
pub fn field_line(f: &Field) -> String {
    format!("`{}`: {}", f.name, field_summary(f))
}

/// A field's type, accepted values and default, in words.
pub fn field_summary(f: &Field) -> String {
    let mut out = f.ty.describe();
    if f.range != builtins::Range::Any {
        out.push_str(&format!(", {}", f.range.describe()));
    }
    out.push_str(&format!("; {}", default_text(f.dflt)));
    out
}

fn default_text(d: Dflt) -> String {
    match d {
        Dflt::Req => "required".into(),
        Dflt::Nothing => "default `none`".into(),
        Dflt::Computed => "default worked out from context".into(),
        Dflt::Int(i) => format!("default `{i}`"),
        Dflt::Float(x) => format!("default `{x:?}`"),
        Dflt::Bool(b) => format!("default `{b}`"),
        Dflt::Sym(s) | Dflt::Ctor(s) => format!("default `{s}`"),
        Dflt::Pair(a, b) => format!("default `({a:?}, {b:?})`"),
    }
}

fn field_text(owner: &Schema, f: &Field) -> String {
    let whose = if std::ptr::eq(owner, &PHASE) {
        "a phase".to_string()
    } else if builtins::stage_kind(owner.name).is_some_and(|s| std::ptr::eq(s, owner)) {
        format!("the stage kind `{}`", owner.name)
    } else {
        format!("`{}` ({})", owner.name, owner.kind.name())
    };
    format!("field `{}` of {whose}\n\n{}", f.name, field_summary(f))
}

fn stage_text(an: &Analysis, module: ModId, item: usize, index: usize) -> String {
    let Some(Item::Pipeline(p)) = an.item(module, item) else {
        return String::new();
    };
    let Some(PipeItem::Stage(s)) = p.items.get(index) else {
        return String::new();
    };
    let mut out = format!("stage `{}`: `{}`", s.name.name, s.kind.name);
    if let Some(k) = builtins::stage_kind(&s.kind.name) {
        out.push_str(&format!(" ({})", k.doc));
    }
    if !s.after.is_empty() {
        let after: Vec<String> = s.after.iter().map(|a| format!("`{}`", a.name)).collect();
        out.push_str(&format!(", after {}", after.join(", ")));
    }
    out.push_str(&format!("\n\nin pipeline `{}`", p.name.name));
    out
}

fn symbol_text(s: &str) -> String {
    let mut users = Vec::new();
    let schemas = builtins::CONSTRUCTORS
        .iter()
        .chain(builtins::STAGES.iter())
        .chain(std::iter::once(&PHASE));
    for schema in schemas {
        for f in schema.fields.iter().filter(|f| accepts_symbol(f.ty, s)) {
            users.push(format!("`{}` of `{}`", f.name, schema.name));
        }
    }
    let mut out = format!("symbol `{s}`: stands for itself");
    if !users.is_empty() {
        users.dedup();
        out.push_str(&format!("\n\naccepted by {}", users.join(", ")));
    }
    out
}

/// Whether a field of type `ty` accepts the symbol `s`.
pub fn accepts_symbol(ty: Ty, s: &str) -> bool {
    match ty {
        Ty::Sym(names) => names.contains(&s),
        Ty::Opt(inner) | Ty::List(inner) => accepts_symbol(*inner, s),
        _ => false,
    }
}

/// What a metric measures (grammar/README.md, phases).
pub fn metric_doc(m: &str) -> &'static str {
    match m {
        "loss" => "the epoch's mean training loss",
        "alpha_entropy" => "the mean entropy of the architecture weights (lower is more decided)",
        "ssl_acc" => "the self-supervised retrieval accuracy of the epoch",
        "feature_std" => "the standard deviation of the normalised features (a collapse monitor)",
        "val_acc" => "the validation accuracy",
        "lr" => "the learning rate of the weights",
        _ => "a run metric",
    }
}
