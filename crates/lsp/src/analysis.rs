//! One document's modules as the checker loads them (the document and everything it
//! imports, the standard library included), and what a name in it refers to.
//!
//! Contract: [`Analysis::load`] runs the checker's loader on the in-memory text (relative
//! imports against the document's folder, other files from disk); [`Analysis::target_at`]
//! says what the name under the cursor refers to, following the checker's lookup order:
//! parameters and pipeline settings, top-level definitions, imports, built-in constructors,
//! symbols (and metrics inside `when`). A pipeline setting is visible after its assignment,
//! as the checker evaluates them in order; an extending pipeline sees its base's settings.

use std::path::Path;

use nas_check::builtins::{self, Field, Schema, PHASE};
use nas_check::resolve::{self, LoadOptions, Loaded, ModId, Module};
use nas_syntax::ast::*;
use nas_syntax::source::Span;

use crate::find::{self, Hit};

/// What a name refers to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// A top-level definition or pipeline of a module.
    Item {
        module: ModId,
        item: usize,
    },
    /// A parameter of a definition or pipeline.
    Param {
        module: ModId,
        item: usize,
        param: usize,
    },
    /// A setting assigned in a pipeline (`data = ...`): the pipeline and the item's index.
    Setting {
        module: ModId,
        item: usize,
        index: usize,
    },
    /// A pipeline setting with a meaning that is not assigned where it is used.
    KnownSetting(&'static str),
    /// An imported module.
    Module(ModId),
    Builtin(&'static Schema),
    Field {
        owner: &'static Schema,
        field: &'static Field,
    },
    StageKind(&'static Schema),
    /// A stage of a pipeline: the pipeline and the index of the stage among its items.
    Stage {
        module: ModId,
        item: usize,
        index: usize,
    },
    Symbol(&'static str),
    Metric(&'static str),
    Type(&'static str),
    /// An op given a name by `named("nor_conv_3x3", ...)` in a definition (item `item` of
    /// `module`); `call` is the `named(...)` call.
    NamedOp {
        module: ModId,
        item: usize,
        call: Span,
    },
}

/// A document's loaded modules.
#[derive(Debug)]
pub struct Analysis {
    pub loaded: Loaded,
    pub entry: ModId,
}

/// How deep `schema_of` follows definitions (a chain of constants).
const MAX_FOLLOW: usize = 16;

impl Analysis {
    /// Load `text` (named `name`) and its imports; relative imports resolve against `dir`.
    pub fn load(name: &str, text: &str, dir: &Path, opts: &LoadOptions) -> Self {
        let (loaded, _) = resolve::load_text(name, text, dir, opts);
        let entry = loaded.entry.unwrap_or(ModId(0));
        Analysis { loaded, entry }
    }

    pub fn module(&self, id: ModId) -> Option<&Module> {
        self.loaded.module(id)
    }

    pub fn entry_module(&self) -> Option<&Module> {
        self.module(self.entry)
    }

    /// Whether the document parsed (its tree is whole).
    pub fn parsed(&self) -> bool {
        self.entry_module().is_some_and(|m| !m.broken)
    }

    pub fn item(&self, module: ModId, item: usize) -> Option<&Item> {
        self.module(module)?.file.items.get(item)
    }

    /// What the thing at byte `offset` of the document refers to.
    pub fn target_at(&self, offset: usize) -> Option<Target> {
        let m = self.entry_module()?;
        let found = find::at(&m.file, offset)?;
        self.target_of(self.entry, found.item, found.hit, offset)
    }

    /// What `hit`, in item `item` of `module`, refers to.
    pub fn target_of(&self, module: ModId, item: usize, hit: Hit, at: usize) -> Option<Target> {
        let scope = Scope {
            module,
            item: Some(item),
            at,
        };
        match hit {
            Hit::Name {
                name,
                callee,
                metric,
                ..
            } => self.lookup(&scope, name, callee, metric),
            Hit::Member { base, member } => self.member(&scope, base, &member.name),
            Hit::ArgName { callee, name } => self.argument(&scope, callee, &name.name),
            Hit::StageKind(k) => builtins::stage_kind(&k.name).map(Target::StageKind),
            Hit::StageName(s) => self.stage(module, item, &s.name.name),
            Hit::After(a) => self.stage(module, item, &a.name),
            Hit::StageField { kind, field } => {
                let owner = builtins::stage_kind(&kind.name)?;
                owner
                    .field(&field.name)
                    .map(|field| Target::Field { owner, field })
            }
            Hit::PhaseField(f) => PHASE.field(&f.name).map(|field| Target::Field {
                owner: &PHASE,
                field,
            }),
            Hit::Setting(ident) => {
                let index = self.pipeline(module, item)?.items.iter().position(
                    |it| matches!(it, PipeItem::Assign(a) if a.path.first() == Some(ident)),
                )?;
                Some(Target::Setting {
                    module,
                    item,
                    index,
                })
            }
            Hit::Override { path, index } => self.override_path(module, item, path, index),
            Hit::DefName(_) | Hit::PipelineName(_) => Some(Target::Item { module, item }),
            Hit::Param(p) => {
                let param = self
                    .params(module, item)?
                    .iter()
                    .position(|q| std::ptr::eq(q, p))?;
                Some(Target::Param {
                    module,
                    item,
                    param,
                })
            }
            Hit::Import(imp) => {
                let bind = imp.binding()?.name;
                self.module(module)?
                    .imports
                    .get(&bind)
                    .map(|id| Target::Module(*id))
            }
            Hit::Type(t) => builtins::TYPE_NAMES
                .iter()
                .find(|n| **n == t.name)
                .map(|n| Target::Type(n)),
            Hit::Str { span, .. } => self.op_in_string(module, span, at),
        }
    }

    /// Where `target` is defined, when it is written somewhere.
    pub fn definition_span(&self, target: Target) -> Option<Span> {
        match target {
            Target::Item { module, item } => match self.item(module, item)? {
                Item::Def(d) => Some(d.name.span),
                Item::Pipeline(p) => Some(p.name.span),
                Item::Import(_) => None,
            },
            Target::Param {
                module,
                item,
                param,
            } => Some(self.params(module, item)?.get(param)?.name.span),
            Target::Setting {
                module,
                item,
                index,
            }
            | Target::Stage {
                module,
                item,
                index,
            } => match self.item(module, item)? {
                Item::Pipeline(p) => match p.items.get(index)? {
                    PipeItem::Assign(a) => a.path.first().map(|x| x.span),
                    PipeItem::Stage(s) => Some(s.name.span),
                },
                _ => None,
            },
            Target::Module(id) => Some(Span::new(self.module(id)?.src, 0, 0)),
            Target::NamedOp { call, .. } => Some(call),
            _ => None,
        }
    }

    /// The op whose name is under the cursor inside a string (`"|nor_conv_3x3~0|..."`,
    /// `("sep_conv_3x3", 0)`): an `op` definition or a `named(...)` op of this module or of
    /// one it imports.
    fn op_in_string(&self, module: ModId, span: Span, at: usize) -> Option<Target> {
        let m = self.module(module)?;
        let text = self.loaded.sources.text(m.src);
        let inside = text.get(span.start..span.end)?;
        let rel = at.checked_sub(span.start)?.min(inside.len());
        let word_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let start = inside[..rel].rfind(|c| !word_char(c)).map_or(0, |i| i + 1);
        let end = rel
            + inside[rel..]
                .find(|c| !word_char(c))
                .unwrap_or(inside.len() - rel);
        let word = inside.get(start..end).filter(|w| !w.is_empty())?;
        let mut ids: Vec<ModId> = m.imports.values().copied().collect();
        ids.sort();
        ids.insert(0, module);
        ids.into_iter().find_map(|id| self.op_named(id, word))
    }

    /// The op called `name` in module `id`: an `op` definition or a `named("name", ...)`.
    fn op_named(&self, id: ModId, name: &str) -> Option<Target> {
        let m = self.module(id)?;
        if let Some(&item) = m.items.get(name) {
            if matches!(m.file.items.get(item), Some(Item::Def(d)) if d.kind == DefKind::Op) {
                return Some(Target::Item { module: id, item });
            }
        }
        m.file
            .items
            .iter()
            .enumerate()
            .find_map(|(item, it)| match it {
                Item::Def(d) => named_call(&d.body, name).map(|call| Target::NamedOp {
                    module: id,
                    item,
                    call,
                }),
                _ => None,
            })
    }

    fn pipeline(&self, module: ModId, item: usize) -> Option<&PipelineDef> {
        match self.item(module, item)? {
            Item::Pipeline(p) => Some(p),
            _ => None,
        }
    }

    /// The parameters of a definition or pipeline.
    pub fn params(&self, module: ModId, item: usize) -> Option<&[Param]> {
        match self.item(module, item)? {
            Item::Def(d) => d.params.as_deref(),
            Item::Pipeline(p) => p.params.as_deref(),
            Item::Import(_) => None,
        }
    }

    /// A plain name used at `scope`.
    fn lookup(&self, scope: &Scope, name: &str, callee: bool, metric: bool) -> Option<Target> {
        if metric {
            if let Some(m) = builtins::METRICS.iter().find(|m| **m == name) {
                return Some(Target::Metric(m));
            }
        }
        // in call position a value that cannot be called does not hide a constructor
        let local = || self.local(scope, name, 0);
        let global = || self.global(scope.module, name);
        if callee {
            global().or_else(local)
        } else {
            local().or_else(global)
        }
    }

    /// Parameters and settings of the item at `scope` (and of the pipeline it extends).
    fn local(&self, scope: &Scope, name: &str, depth: usize) -> Option<Target> {
        let (module, item) = (scope.module, scope.item?);
        if let Some(param) = self
            .params(module, item)
            .and_then(|ps| ps.iter().position(|p| p.name.name == name))
        {
            return Some(Target::Param {
                module,
                item,
                param,
            });
        }
        let p = self.pipeline(module, item)?;
        let setting = p.items.iter().enumerate().rev().find(|(_, it)| {
            matches!(it, PipeItem::Assign(a)
                if a.path.len() == 1 && a.path[0].name == name && a.value.span.end <= scope.at)
        });
        if let Some((index, _)) = setting {
            return Some(Target::Setting {
                module,
                item,
                index,
            });
        }
        // an extension sees its base's settings
        let base = p.base.as_ref()?;
        let callee = match &base.kind {
            ExprKind::Call(f, _) => f,
            _ => base,
        };
        if depth >= MAX_FOLLOW {
            return None;
        }
        // the base is evaluated before the pipeline's own names exist
        let outside = Scope {
            item: None,
            ..*scope
        };
        match self.expr_target(&outside, callee)? {
            Target::Item { module, item } => {
                let inner = Scope {
                    module,
                    item: Some(item),
                    at: usize::MAX,
                };
                self.local(&inner, name, depth + 1)
            }
            _ => None,
        }
        .or_else(|| {
            builtins::PIPELINE_SETTINGS
                .iter()
                .find(|s| **s == name)
                .map(|s| Target::KnownSetting(s))
        })
    }

    /// Top-level definitions, imports, constructors and symbols of `module`.
    fn global(&self, module: ModId, name: &str) -> Option<Target> {
        let m = self.module(module)?;
        if let Some(item) = m.items.get(name) {
            return Some(Target::Item {
                module,
                item: *item,
            });
        }
        if let Some(id) = m.imports.get(name) {
            return Some(Target::Module(*id));
        }
        if let Some(s) = builtins::constructor(name) {
            return Some(Target::Builtin(s));
        }
        builtins::SYMBOLS
            .iter()
            .find(|s| **s == name)
            .map(|s| Target::Symbol(s))
    }

    /// What an expression names, when it is a name or a module's member.
    fn expr_target(&self, scope: &Scope, e: &Expr) -> Option<Target> {
        match &e.kind {
            ExprKind::Name(n) => self.lookup(scope, n, false, false),
            ExprKind::Member(base, member) => self.member(scope, base, &member.name),
            _ => None,
        }
    }

    /// `base.member`: a module's definition, or a field of the record `base` builds.
    fn member(&self, scope: &Scope, base: &Expr, member: &str) -> Option<Target> {
        if let Some(Target::Module(id)) = self.expr_target(scope, base) {
            let item = *self.module(id)?.items.get(member)?;
            return Some(Target::Item { module: id, item });
        }
        let owner = self.schema_of(scope, base, 0)?;
        owner
            .field(member)
            .map(|field| Target::Field { owner, field })
    }

    /// The name of an argument of a call of `callee`.
    fn argument(&self, scope: &Scope, callee: &Expr, name: &str) -> Option<Target> {
        let target = match &callee.kind {
            ExprKind::Name(n) => self.lookup(scope, n, true, false)?,
            _ => self.expr_target(scope, callee)?,
        };
        match target {
            Target::Builtin(owner) => owner
                .field(name)
                .map(|field| Target::Field { owner, field }),
            Target::Item { module, item } => {
                let param = self
                    .params(module, item)?
                    .iter()
                    .position(|p| p.name.name == name)?;
                Some(Target::Param {
                    module,
                    item,
                    param,
                })
            }
            _ => None,
        }
    }

    /// The constructor whose record `e` evaluates to, when it can be seen without
    /// evaluating: a constructor call, or a name bound to one (through constants,
    /// settings, defaults and declared result types).
    pub fn schema_of(&self, scope: &Scope, e: &Expr, depth: usize) -> Option<&'static Schema> {
        if depth > MAX_FOLLOW {
            return None;
        }
        let callee = match &e.kind {
            ExprKind::Call(f, _) => f,
            _ => e,
        };
        match self.expr_target(scope, callee)? {
            Target::Builtin(s) => Some(s),
            Target::Item { module, item } => match self.item(module, item)? {
                Item::Def(d) => {
                    let inner = Scope {
                        module,
                        item: Some(item),
                        at: usize::MAX,
                    };
                    d.ty.as_ref()
                        .and_then(|t| schema_of_type(&t.name.name))
                        .or_else(|| self.schema_of(&inner, &d.body, depth + 1))
                }
                _ => None,
            },
            Target::Setting {
                module,
                item,
                index,
            } => match self.pipeline(module, item)?.items.get(index)? {
                PipeItem::Assign(a) => {
                    let inner = Scope {
                        module,
                        item: Some(item),
                        at: a.span.start,
                    };
                    self.schema_of(&inner, &a.value, depth + 1)
                }
                PipeItem::Stage(_) => None,
            },
            Target::Param {
                module,
                item,
                param,
            } => {
                let p = self.params(module, item)?.get(param)?;
                let inner = Scope {
                    module,
                    item: Some(item),
                    at: 0,
                };
                p.ty.as_ref()
                    .and_then(|t| schema_of_type(&t.name.name))
                    .or_else(|| {
                        p.default
                            .as_ref()
                            .and_then(|d| self.schema_of(&inner, d, depth + 1))
                    })
            }
            _ => None,
        }
    }

    /// The stage called `name` in pipeline `item` of `module`, or in the pipeline it extends.
    pub fn stage(&self, module: ModId, item: usize, name: &str) -> Option<Target> {
        let mut at = (module, item);
        for _ in 0..MAX_FOLLOW {
            let p = self.pipeline(at.0, at.1)?;
            if let Some(index) = p
                .items
                .iter()
                .position(|it| matches!(it, PipeItem::Stage(s) if s.name.name == name))
            {
                return Some(Target::Stage {
                    module: at.0,
                    item: at.1,
                    index,
                });
            }
            let base = p.base.as_ref()?;
            let callee = match &base.kind {
                ExprKind::Call(f, _) => f,
                _ => base,
            };
            let scope = Scope {
                module: at.0,
                item: None,
                at: 0,
            };
            match self.expr_target(&scope, callee)? {
                Target::Item { module, item } => at = (module, item),
                _ => return None,
            }
        }
        None
    }

    /// `stage.field = ...` or `stage.phase.field = ...` in an extending pipeline.
    fn override_path(
        &self,
        module: ModId,
        item: usize,
        path: &[Ident],
        index: usize,
    ) -> Option<Target> {
        let stage = self.stage(module, item, &path.first()?.name)?;
        if index == 0 {
            return Some(stage);
        }
        let Target::Stage {
            module,
            item,
            index: s,
        } = stage
        else {
            return None;
        };
        let Some(PipeItem::Stage(decl)) = self.pipeline(module, item)?.items.get(s) else {
            return None;
        };
        let owner = builtins::stage_kind(&decl.kind.name)?;
        let name = &path.get(index)?.name;
        if let Some(field) = owner.field(name).filter(|_| index == 1) {
            return Some(Target::Field { owner, field });
        }
        // a phase's field
        if index == 2 {
            return PHASE.field(name).map(|field| Target::Field {
                owner: &PHASE,
                field,
            });
        }
        None
    }
}

/// The span of the call `named("name", ...)` inside `e`.
fn named_call(e: &Expr, name: &str) -> Option<Span> {
    match &e.kind {
        ExprKind::Call(f, args) => {
            let named = matches!(&f.kind, ExprKind::Name(n) if n == "named")
                && matches!(args.first().map(|a| &a.value.kind), Some(ExprKind::Str(s)) if s == name);
            if named {
                return Some(e.span);
            }
            args.iter().find_map(|a| named_call(&a.value, name))
        }
        ExprKind::List(xs) | ExprKind::Tuple(xs) => xs.iter().find_map(|x| named_call(x, name)),
        _ => None,
    }
}

/// Where a name is looked up: a module, the top-level item it is in, and its byte offset
/// (settings assigned after it are not visible).
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    pub module: ModId,
    pub item: Option<usize>,
    pub at: usize,
}

/// The constructor of a declared result type, when only one builds that kind of record
/// (`dataset`; not `network`, which two constructors build).
fn schema_of_type(ty: &str) -> Option<&'static Schema> {
    let mut of_kind = builtins::CONSTRUCTORS
        .iter()
        .filter(|s| s.kind.name() == ty || (ty == "source" && s.kind.name() == "data source"));
    let first = of_kind.next()?;
    of_kind.next().is_none().then_some(first)
}

#[cfg(test)]
mod tests;
