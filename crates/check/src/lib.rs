//! Check: evaluate a program's definitions and pipelines, validate them (types, ranges,
//! fields, stage graph, space structure) and lower every pipeline to the IR.
//!
//! Contract: `compile_*` never panics and reports every problem of a file at once; the
//! whole front end runs on a thread with a large stack, so that no input can overflow it
//! (nesting is also bounded by the parser). `Compiled::programs` holds one IR program per
//! checked pipeline (none when there are errors).

mod binary;
pub mod builtins;
pub mod checked;
pub mod codes;
mod datacheck;
pub mod dataprobe;
mod done;
pub mod error;
pub mod eval;
mod lookup;
pub mod lower;
mod netcheck;
mod pipes;
mod records;
pub mod resolve;
mod semantics;
mod size;
pub mod space;
mod stages;
pub mod value;

use std::path::Path;
use std::rc::Rc;

pub use error::CheckError;

use crate::resolve::{LoadOptions, Loaded, ModId};
use eval::{Env, Eval};
use nas_ir::Program;
use nas_syntax::ast::Item;
use nas_syntax::diagnostics::{suggest, Diag};
use nas_syntax::source::SourceMap;
use value::V;

/// The result of checking one file.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub sources: SourceMap,
    /// Errors and warnings, in the order found.
    pub diags: Vec<Diag>,
    /// The IR of every checked pipeline (or of the selected one).
    pub programs: Vec<Program>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(Diag::is_error)
    }
}

/// Which pipelines to lower.
#[derive(Debug, Clone, Default)]
pub struct Select {
    pub pipeline: Option<String>,
}

const STACK: usize = 256 * 1024 * 1024;

fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(STACK)
            .spawn_scoped(s, f)
            .ok()?
            .join()
            .ok()
    })
}

fn failed_thread() -> Compiled {
    let d = Diag::unlocated(CheckError::Internal {
        reason: "the checker stopped unexpectedly".into(),
    });
    Compiled {
        sources: SourceMap::new(),
        diags: vec![d],
        programs: Vec::new(),
    }
}

/// Check a file and everything it imports.
pub fn compile_file(path: &Path, opts: &LoadOptions, select: &Select) -> Compiled {
    on_big_stack(|| {
        let (loaded, diags) = resolve::load_file(path, opts);
        run(loaded, diags, select, opts.no_data)
    })
    .unwrap_or_else(failed_thread)
}

/// Check source text; relative imports resolve against `dir`.
pub fn compile_text(
    name: &str,
    text: &str,
    dir: &Path,
    opts: &LoadOptions,
    select: &Select,
) -> Compiled {
    on_big_stack(|| {
        let (loaded, diags) = resolve::load_text(name, text, dir, opts);
        run(loaded, diags, select, opts.no_data)
    })
    .unwrap_or_else(failed_thread)
}

/// Check the standard module `std.<path>`, as a library: without data-aware checks (the
/// default datasets of its recipes name conventional places, not this machine's folders).
pub fn compile_std(path: &str, opts: &LoadOptions) -> Compiled {
    on_big_stack(|| {
        let (loaded, diags) = resolve::load_std(path, opts);
        run(loaded, diags, &Select::default(), true)
    })
    .unwrap_or_else(failed_thread)
}

fn run(loaded: Loaded, mut diags: Vec<Diag>, select: &Select, no_data: bool) -> Compiled {
    diags.extend(resolve::scope::check_names(&loaded));
    let mut programs = Vec::new();
    if let Some(entry) = loaded.entry {
        let mut ev = Eval::new(&loaded, &diags);
        let pipelines = check_entry(&mut ev, entry, select);
        let lowered: Vec<_> = pipelines
            .iter()
            .map(|p| lower::lower(p, &loaded.sources))
            .collect();
        diags.append(&mut ev.diags);
        if !diags.iter().any(Diag::is_error) {
            for (checked, l) in pipelines.iter().zip(lowered) {
                match l {
                    Ok(p) => {
                        diags.extend(netcheck::check(checked, &p));
                        if !no_data {
                            diags.extend(datacheck::check(checked, &p));
                        }
                        programs.push(p);
                    }
                    Err(e) => diags.push(Diag::unlocated(CheckError::Internal {
                        reason: e.to_string(),
                    })),
                }
            }
        }
    }
    if diags.iter().any(Diag::is_error) {
        programs.clear();
    }
    at_user_lines(&mut diags, &loaded);
    sort_diags(&mut diags);
    Compiled {
        sources: loaded.sources,
        diags,
        programs,
    }
}

/// A problem found in the standard library's text while checking the user's file (a
/// recipe's default batch, a phase of a recipe the user's override broke, the cutout of
/// `augment.cifar_train` on small images) is shown at the user's line, where it is fixed: the
/// note at the user's side (the call of the recipe, the field that uses the library's value)
/// becomes the primary label, and the library's line a note. Problems in the user's own
/// modules stay where they are written, since that is where they are fixed.
fn at_user_lines(diags: &mut [Diag], loaded: &Loaded) {
    let Some(entry) = loaded.entry.and_then(|e| loaded.module(e)) else {
        return;
    };
    let library = |src| {
        loaded
            .modules
            .iter()
            .any(|m| m.src == src && matches!(m.key, resolve::ModKey::Std(_)))
    };
    if library(entry.src) {
        return;
    }
    for d in diags {
        let Some(span) = d.span.filter(|s| library(s.src)) else {
            continue;
        };
        let Some(i) = d.notes.iter().position(|(s, _)| s.src == entry.src) else {
            continue;
        };
        let (at, _) = d.notes.remove(i);
        d.span = Some(at);
        let note = match default_of(loaded, span) {
            // the value is a parameter's default: the user changes it by passing that
            // parameter, whose name the library line shows but the help may not
            Some((def, param)) => format!(
                "the default of `{param}` in `{def}` (pass `{param} = ...` to change it), written in the library"
            ),
            None => "written in the library".to_string(),
        };
        d.notes.insert(0, (span, note));
    }
}

/// (definition, parameter) when `span` is the default value of a parameter of a `def` or
/// pipeline template.
fn default_of(loaded: &Loaded, span: nas_syntax::source::Span) -> Option<(String, String)> {
    let module = loaded.modules.iter().find(|m| m.src == span.src)?;
    module.file.items.iter().find_map(|item| {
        let (name, params) = match item {
            Item::Def(d) => (&d.name, d.params.as_ref()?),
            Item::Pipeline(p) => (&p.name, p.params.as_ref()?),
            Item::Import(_) => return None,
        };
        let p = params.iter().find(|p| {
            p.default
                .as_ref()
                .is_some_and(|e| e.span.start <= span.start && span.end <= e.span.end)
        })?;
        Some((name.name.clone(), p.name.name.clone()))
    })
}

/// Stable order: by file, then position (unlocated ones first).
fn sort_diags(diags: &mut [Diag]) {
    diags.sort_by_key(|d| d.span.map(|s| (s.src, s.start)));
}

/// Evaluate the entry module's items; check its pipelines.
fn check_entry(ev: &mut Eval, entry: ModId, select: &Select) -> Vec<checked::CheckedPipeline> {
    let Some(m) = ev.loaded.module(entry) else {
        return Vec::new();
    };
    let items = &m.file.items;
    let mut names = Vec::new();
    let mut out = Vec::new();
    for (idx, item) in items.iter().enumerate() {
        let first_new = ev.diags.len();
        match item {
            Item::Def(d) => {
                let all_default = d
                    .params
                    .as_ref()
                    .is_none_or(|ps| ps.iter().all(|p| p.default.is_some()));
                if all_default {
                    let _ = call_with_defaults(ev, entry, idx, d.params.is_some(), d.name.span);
                }
            }
            Item::Pipeline(p) => {
                names.push(p.name.name.clone());
                if select.pipeline.as_ref().is_some_and(|s| *s != p.name.name) {
                    continue;
                }
                let all_default = p
                    .params
                    .as_ref()
                    .is_none_or(|ps| ps.iter().all(|q| q.default.is_some()));
                if !all_default {
                    if select.pipeline.is_some() {
                        ev.err(
                            CheckError::NeedsArguments {
                                name: p.name.name.clone(),
                            },
                            p.name.span,
                            "has required parameters",
                        );
                    }
                    continue;
                }
                let has_params = p.params.as_ref().is_some_and(|ps| !ps.is_empty());
                if let Ok(v) = call_with_defaults(ev, entry, idx, has_params, p.name.span) {
                    if let V::Pipeline(pv) = &v.v {
                        if let Ok(cp) = ev.finish_pipeline(&Rc::clone(pv)) {
                            out.push(cp);
                        }
                    }
                }
            }
            Item::Import(_) => {}
        }
        note_user_site(&mut ev.diags[first_new..], m.src, item);
    }
    if let Some(sel) = &select.pipeline {
        if !names.contains(sel) {
            let help = suggest(sel, names.iter().map(String::as_str));
            ev.report(
                Diag::unlocated(CheckError::UnknownPipeline { name: sel.clone() }).with_help(help),
            );
        }
    }
    out
}

/// Problems found in another file (a library recipe, a module's definition) while checking
/// an item of the entry file get a note at the user's side: the call of the recipe the
/// pipeline extends, or the item's name.
fn note_user_site(diags: &mut [Diag], entry: nas_syntax::source::SourceId, item: &Item) {
    let (at, text) = match item {
        Item::Pipeline(p) => match &p.base {
            Some(b) => (pipes::callee(b), "the recipe is used here"),
            None => (p.name.span, "while checking this pipeline"),
        },
        Item::Def(d) => (d.name.span, "while checking this definition"),
        Item::Import(_) => return,
    };
    for d in diags {
        let elsewhere = d.span.is_some_and(|s| s.src != entry);
        let noted = d.notes.iter().any(|(s, _)| s.src == entry);
        if elsewhere && !noted {
            d.notes.push((at, text.to_string()));
        }
    }
}

fn call_with_defaults(
    ev: &mut Eval,
    module: ModId,
    idx: usize,
    call: bool,
    span: nas_syntax::source::Span,
) -> eval::R {
    let v = ev.item(module, idx, span)?;
    if !call {
        return Ok(v);
    }
    match v.v {
        V::Func { module, item } => ev.call_defaults(module, item, span, &Env::new(module)),
        _ => Ok(v),
    }
}
