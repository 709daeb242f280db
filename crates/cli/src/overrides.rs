//! `--set PATH=VALUE`: every override is checked as written before anything is generated
//! from it. The path is dotted names whose first is a pipeline setting or a stage of the
//! pipeline; the value is one expression on one line. Checked overrides become one
//! `path = value` line each of a pipeline that extends the chosen one, so the checker sees
//! (and locates) the rest: a field that does not exist, a value of the wrong type.
//!
//! Contract: a value can never add a line, a stage or a pipeline to the generated source,
//! and every refusal is a located diagnostic with a code (`nas::cli::bad_set`, or
//! `nas::check::unknown_field` with did-you-mean for a path that names nothing).

use std::fmt;
use std::path::Path;

use nas_check::builtins::PIPELINE_SETTINGS;
use nas_check::CheckError;
use nas_ir::codes::{c, CodeInfo};
use nas_ir::Program;
use nas_syntax::ast::{DefKind, Item};
use nas_syntax::diagnostics::{suggest, Diag, Problem};
use nas_syntax::source::{SourceId, SourceMap, Span};

/// The codes of the CLI's own diagnostics, for `nas explain`.
pub static CODES: &[CodeInfo] = &[c(
    "nas::cli::bad_set",
    "a `--set` override is not `PATH=VALUE` with one expression as the value",
    "`--set PATH=VALUE` overrides one field of the pipeline. PATH is dotted names (`seed`, `search.batch`, `tune.optim.lr`) whose first is a pipeline setting or a stage; VALUE is one expression on one line, written as in a `.nas` file. A value that spans lines or holds more than one expression is refused, so that an override can only change the field it names.",
    "nas run x.nas --set search.batch=64        # ok\nnas run x.nas --set 'seed=7 stage x: derive'   # refused",
)];

/// A malformed `--set` argument.
#[derive(Debug)]
pub struct BadSet {
    pub reason: String,
}

impl fmt::Display for BadSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad `--set`: {}", self.reason)
    }
}

impl Problem for BadSet {
    fn code(&self) -> &'static str {
        "nas::cli::bad_set"
    }
}

/// Check every `--set` argument against `program`; each argument becomes a source of
/// `sources` (named `--set N`) that the diagnostics point into. Empty when all are fine.
pub fn check(sets: &[String], program: &Program, sources: &mut SourceMap) -> Vec<Diag> {
    let mut diags = Vec::new();
    for (i, arg) in sets.iter().enumerate() {
        let src = sources.add(format!("--set {}", i + 1), arg.as_str());
        if let Some(d) = check_one(arg, src, program) {
            diags.push(d);
        }
    }
    diags
}

fn check_one(arg: &str, src: SourceId, program: &Program) -> Option<Diag> {
    let whole = Span::new(src, 0, arg.len());
    let bad = |reason: &str, span: Span, label: &str, help: &str| {
        Some(
            Diag::error(
                BadSet {
                    reason: reason.into(),
                },
                span,
                label,
            )
            .with_help(help),
        )
    };
    let Some(eq) = arg.find('=') else {
        return bad(
            "expected PATH=VALUE",
            whole,
            "no `=` here",
            "write the field and its value, e.g. `--set search.batch=64`",
        );
    };
    let (path, value) = (&arg[..eq], &arg[eq + 1..]);
    let path_span = Span::new(src, 0, eq);
    let value_span = Span::new(src, eq + 1, arg.len());
    let names: Vec<&str> = path.trim().split('.').collect();
    if !names.iter().all(|n| is_name(n)) {
        return bad(
            "the path is not dotted names",
            path_span,
            "not a field path",
            "a path is names joined by dots, e.g. `seed` or `search.optim.lr`",
        );
    }
    let stages = program.pipeline.stages.iter().map(|s| s.name.as_str());
    let known: Vec<&str> = PIPELINE_SETTINGS.iter().copied().chain(stages).collect();
    if !known.contains(&names[0]) {
        let at = path.find(names[0]).unwrap_or(0);
        let problem = CheckError::UnknownField {
            name: format!("pipeline {}", program.pipeline.name),
            field: names[0].to_string(),
        };
        let span = Span::new(src, at, at + names[0].len());
        let help = suggest(names[0], known.iter().copied());
        return Some(Diag::error(problem, span, "unknown field").with_help(help));
    }
    if value.contains(['\n', '\r']) {
        return bad(
            "the value spans more than one line",
            value_span,
            "a line break here",
            "a value is one expression on one line",
        );
    }
    if value.trim().is_empty() || !is_one_expression(value) {
        return bad(
            "the value is not one expression",
            value_span,
            "not one expression",
            "write the value as in a `.nas` file, e.g. `64`, `10%`, `sgd(lr = 0.05)`",
        );
    }
    None
}

fn is_name(n: &str) -> bool {
    let mut chars = n.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `value` parses as exactly one expression (checked as `let v = VALUE`).
fn is_one_expression(value: &str) -> bool {
    let text = format!("let v = {value}\n");
    let (file, diags) = nas_syntax::parse(SourceId(0), &text);
    diags.is_empty()
        && file
            .is_some_and(|f| matches!(f.items.as_slice(), [Item::Def(d)] if d.kind == DefKind::Let))
}

/// The source of checked overrides: a pipeline that extends the chosen one of `file` with
/// one `path = value` line per override.
pub fn source(file: &Path, name: &str, sets: &[String]) -> Result<String, String> {
    let base = file
        .file_name()
        .ok_or_else(|| format!("{} is not a file", file.display()))?
        .to_string_lossy()
        .replace('"', "\\\"");
    let mut text =
        format!("import \"{base}\" as user_file\npipeline {name} = user_file.{name} {{\n");
    for s in sets {
        let (path, value) = s
            .split_once('=')
            .ok_or_else(|| format!("--set `{s}`: expected PATH=VALUE"))?;
        text.push_str(&format!("  {} = {}\n", path.trim(), value.trim()));
    }
    text.push_str("}\n");
    Ok(text)
}
