//! The command line: argument parsing (clap derive) and one function per subcommand.
//! This file and the other command modules (`run_cmd`, `report_cmd`, `bench_cmd`, `fmt_cmd`,
//! `lsp_cmd`, `export_cmd`, `predict_cmd`, `progress`) print; no library crate does (clippy's
//! `print_stdout` and `print_stderr` deny it). Exit codes: 0 ok, 1 errors found, 2 usage.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use nas_check::codes;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, Compiled, Select};
use nas_ir::codes::CodeInfo;
use nas_ir::estimate::{estimate_network, estimate_train_memory, EstimateError};
use nas_ir::{Genotype, Program};
use nas_syntax::diagnostics::{self, Diag};
use nas_syntax::source::SourceMap;

#[derive(Debug, Parser)]
#[command(
    name = "nas",
    version,
    about = "Check and run self-supervised, weight-preserving architecture searches"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The thread count asked for on the command line, if the command takes one.
    pub fn threads(&self) -> Option<usize> {
        match &self.command {
            Command::Run(a) => a.threads,
            Command::Bench(a) => a.threads,
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a .nas file: syntax, names, types, ranges, stage graph, search spaces.
    Check(CheckArgs),
    /// Print the IR of a pipeline as JSON.
    Ir(IrArgs),
    /// Explain a diagnostic code with an example, or list every code (`--list`).
    Explain(ExplainArgs),
    /// Run a pipeline: search, derive and the stages after them, into a run folder.
    Run(crate::run_cmd::RunArgs),
    /// Rewrite a run's report.md and plots, or compare several runs (a sweep).
    Report(crate::report_cmd::ReportArgs),
    /// Write a PNG grid of images and their augmented views.
    Preview(crate::run_cmd::PreviewArgs),
    /// Time the fixed benchmark configurations (fast kernels vs their references).
    Bench(crate::bench_cmd::BenchArgs),
    /// Rewrite .nas files in the canonical layout, or list those that would change (--check).
    Fmt(crate::fmt_cmd::FmtArgs),
    /// Serve the language server protocol on stdin/stdout, for editors (diagnostics, hover,
    /// go to definition, completion, symbols, formatting).
    Lsp(crate::lsp_cmd::LspArgs),
    /// Write a run's found network as ONNX, or as a folder the nas_torch Python package loads.
    Export(crate::export_cmd::ExportArgs),
    /// Class probabilities of a run's network for image files or a batch file.
    Predict(crate::predict_cmd::PredictArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct LibArgs {
    /// Extra folder to search for imports (repeatable; `NAS_PATH` adds more).
    #[arg(long = "lib", value_name = "DIR")]
    pub lib: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print parameters and multiply-adds of every network the pipelines build.
    #[arg(long)]
    pub estimate: bool,
    /// With --estimate: a genotype (the IR's `Genotype` as JSON) to estimate networks that
    /// a derive stage produces at run time.
    #[arg(long, value_name = "FILE", requires = "estimate")]
    pub genotype: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[command(flatten)]
    pub lib: LibArgs,
    /// Check without reading the data: no data-aware checks (dataset sizes, splits and
    /// batches, crops), for a spec checked away from the machine and folder it runs in.
    #[arg(long)]
    pub no_data: bool,
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct IrArgs {
    /// The pipeline to print (needed when the file has several).
    #[arg(long)]
    pub pipeline: Option<String>,
    #[command(flatten)]
    pub lib: LibArgs,
    /// Leave the data alone: no data-aware checks (see `nas check --no-data`).
    #[arg(long)]
    pub no_data: bool,
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code such as `nas::check::out_of_range`; the `nas::` prefix, or everything up to
    /// the name (`out_of_range`), may be left out. Without a code, every code is listed.
    pub code: Option<String>,
    /// List every code with its summary.
    #[arg(long, conflicts_with = "code")]
    pub list: bool,
}

/// Run a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> i32 {
    match cli.command {
        Command::Check(a) => cmd_check(&a),
        Command::Ir(a) => cmd_ir(&a),
        Command::Explain(a) => cmd_explain(&a),
        Command::Run(a) => crate::run_cmd::cmd_run(&a),
        Command::Report(a) => crate::report_cmd::cmd_report(&a),
        Command::Preview(a) => crate::run_cmd::cmd_preview(&a),
        Command::Bench(a) => crate::bench_cmd::cmd_bench(&a),
        Command::Fmt(a) => crate::fmt_cmd::cmd_fmt(&a),
        Command::Lsp(a) => crate::lsp_cmd::cmd_lsp(&a),
        Command::Export(a) => crate::export_cmd::cmd_export(&a),
        Command::Predict(a) => crate::predict_cmd::cmd_predict(&a),
    }
}

fn load_options(lib: &LibArgs, no_data: bool) -> LoadOptions {
    let mut lib_dirs = lib.lib.clone();
    if let Some(p) = std::env::var_os("NAS_PATH") {
        lib_dirs.extend(std::env::split_paths(&p).filter(|p| !p.as_os_str().is_empty()));
    }
    LoadOptions { lib_dirs, no_data }
}

fn print_diags(c: &Compiled) {
    print_report(&c.diags, &c.sources);
}

/// Diagnostics on stderr as `nas check` shows them (colour on a terminal unless `NO_COLOR`).
pub(crate) fn print_report(diags: &[Diag], sources: &SourceMap) {
    if diags.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    crate::errout!("{}", diagnostics::render_human(diags, sources, 100, color));
}

fn summary(c: &Compiled) -> (usize, usize) {
    let errors = c.diags.iter().filter(|d| d.is_error()).count();
    (errors, c.diags.len() - errors)
}

fn cmd_check(a: &CheckArgs) -> i32 {
    let genotype = match &a.genotype {
        Some(path) => match read_genotype(path) {
            Ok(g) => Some(g),
            Err(why) => {
                crate::errln!("cannot use the genotype `{}`: {why}", path.display());
                return 2;
            }
        },
        None => None,
    };
    let c = compile_file(
        &a.file,
        &load_options(&a.lib, a.no_data),
        &Select::default(),
    );
    let (errors, warnings) = summary(&c);
    let estimates = if a.estimate && errors == 0 {
        c.programs
            .iter()
            .map(|p| estimates(p, genotype.as_ref()))
            .collect()
    } else {
        Vec::new()
    };
    match a.format {
        Format::Json => {
            let out = serde_json::json!({
                "file": a.file.display().to_string(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": diagnostics::to_json(&c.diags, &c.sources),
                "estimates": estimates,
            });
            crate::outln!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Human => {
            print_diags(&c);
            let mut text = String::new();
            for e in &estimates {
                text.push_str(&estimates_text(e));
            }
            if errors == 0 {
                let n = c.programs.len();
                text.push_str(&format!(
                    "ok: {} ({n} pipeline{}, {warnings} warning{})\n",
                    a.file.display(),
                    plural(n),
                    plural(warnings)
                ));
                crate::stdio::out_text(&text);
            } else {
                crate::stdio::out_text(&text);
                crate::errln!(
                    "{errors} error{}, {warnings} warning{}",
                    plural(errors),
                    plural(warnings)
                );
            }
        }
    }
    i32::from(errors > 0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A genotype as the IR writes it, or a run's `derive/genotype.json` (which holds it under
/// `genotype`, beside the cell pairs and the DARTS string form).
fn read_genotype(path: &std::path::Path) -> Result<Genotype, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let inner = match v.get("genotype") {
        Some(g) if v.get("sharing").is_none() => g.clone(),
        _ => v,
    };
    serde_json::from_value(inner).map_err(|e| e.to_string())
}

/// Per stage: the estimate, or why there is none.
fn estimates(p: &Program, genotype: Option<&Genotype>) -> serde_json::Value {
    let stages: Vec<serde_json::Value> = p
        .pipeline
        .stages
        .iter()
        .filter_map(|s| {
            let net = s.kind.network()?;
            let v = match estimate_network(net, genotype) {
                Ok(e) => {
                    let rows = s.kind.step_images();
                    let mem = rows.and_then(|r| estimate_train_memory(net, genotype, r, 4).ok());
                    serde_json::json!({"stage": s.name, "kind": s.kind.name(), "params": e.params, "aux_params": e.aux_params, "madds": e.madds,
                        "step_rows": rows, "train_memory_bytes": mem.map(|m| m.total_bytes)})
                }
                Err(EstimateError::NeedsGenotype(stage)) => serde_json::json!({
                    "stage": s.name, "kind": s.kind.name(),
                    "unknown": format!("the architecture is known only after stage `{stage}` runs (pass --genotype FILE to estimate one)"),
                }),
                Err(e) => serde_json::json!({"stage": s.name, "kind": s.kind.name(), "unknown": e.to_string()}),
            };
            Some(v)
        })
        .collect();
    serde_json::json!({"pipeline": p.pipeline.name, "stages": stages})
}

/// The human form of one pipeline's estimates.
fn estimates_text(e: &serde_json::Value) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "pipeline {}:", e["pipeline"].as_str().unwrap_or(""));
    for s in e["stages"].as_array().into_iter().flatten() {
        let head = format!(
            "  {} ({})",
            s["stage"].as_str().unwrap_or(""),
            s["kind"].as_str().unwrap_or("")
        );
        let _ = match s["unknown"].as_str() {
            Some(why) => writeln!(out, "{head}: {why}"),
            None => writeln!(
                out,
                "{head}: {} parameters ({} in the auxiliary head), {} multiply-adds per image",
                group(s["params"].as_u64().unwrap_or(0)),
                group(s["aux_params"].as_u64().unwrap_or(0)),
                group(s["madds"].as_u64().unwrap_or(0)),
            ),
        };
        if let (Some(bytes), Some(rows)) =
            (s["train_memory_bytes"].as_u64(), s["step_rows"].as_u64())
        {
            let _ = writeln!(
                out,
                "    a training step on {rows} images needs about {} (estimate, f32)",
                bytes_text(bytes)
            );
        }
    }
    out
}

/// 1.5 GiB, 12.3 MiB, 850.0 KiB, 512 bytes: the largest unit that shows a number above 1.
pub fn bytes_text(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return format!("{:.1} {unit}", bytes as f64 / size as f64);
        }
    }
    format!("{bytes} bytes")
}

/// 3349342 -> "3,349,342".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn cmd_ir(a: &IrArgs) -> i32 {
    let select = Select {
        pipeline: a.pipeline.clone(),
    };
    let mut c = compile_file(&a.file, &load_options(&a.lib, a.no_data), &select);
    if let Some(d) = one_pipeline(&c, "nas ir", "prints") {
        c.diags.push(d);
    }
    print_diags(&c);
    if c.has_errors() {
        return 1;
    }
    match c.programs.first().map(serde_json::to_string_pretty) {
        Some(Ok(json)) => {
            // a closed stdout (`| head`) is a quiet end, not a failure
            crate::outln!("{json}");
            0
        }
        _ => 1,
    }
}

/// Every layer's table of codes: the front end's, the interpreter's, the report's, the
/// language server's, the exporter's and the command line's own.
pub fn code_tables() -> [&'static [CodeInfo]; 8] {
    [
        codes::CODES,
        nas_run::codes::CODES,
        nas_report::codes::CODES,
        nas_lsp::codes::CODES,
        nas_export::codes::CODES,
        crate::overrides::CODES,
        crate::predict_cmd::CODES,
        crate::stdio::CODES,
    ]
}

fn cmd_explain(a: &ExplainArgs) -> i32 {
    let Some(code) = a.code.as_deref().filter(|_| !a.list) else {
        let mut text = String::new();
        for info in code_tables().into_iter().flatten() {
            text.push_str(&format!("{:<44} {}\n", info.code, info.summary));
        }
        crate::stdio::out_text(&text);
        return 0;
    };
    let found = find_codes(code);
    match found.as_slice() {
        [info] => {
            crate::stdio::out_text(&format!(
                "{}: {}\n\n{}\n\nExample:\n\n{}\n",
                info.code,
                info.summary,
                info.explanation,
                indent(info.example)
            ));
            0
        }
        [] => {
            let full = nas_ir::codes::full_name(code);
            let all = code_tables().into_iter().flatten().map(|c| c.code);
            let help = diagnostics::suggest(&full, all);
            crate::errln!("unknown code `{code}`: {help} (`nas explain --list` lists them all)");
            1
        }
        several => {
            let names: Vec<&str> = several.iter().map(|c| c.code).collect();
            crate::errln!(
                "`{code}` is the name of several codes: {}; give the whole code",
                names.join(", ")
            );
            1
        }
    }
}

/// The codes `code` names: the one with that full name (the `nas::` prefix may be left
/// out), else every code of any layer whose last part is `code` (`unknown_field`).
fn find_codes(code: &str) -> Vec<&'static CodeInfo> {
    let exact = code_tables()
        .into_iter()
        .find_map(|t| nas_ir::codes::lookup(t, code));
    if let Some(info) = exact {
        return vec![info];
    }
    if code.contains("::") {
        return Vec::new();
    }
    code_tables()
        .into_iter()
        .flatten()
        .filter(|c| c.code.rsplit("::").next() == Some(code))
        .collect()
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The coded error for a file that compiled but does not name one pipeline for `cmd` (which
/// `does` something with it): none, or several that can run without arguments.
pub fn one_pipeline(c: &Compiled, cmd: &str, does: &str) -> Option<Diag> {
    if c.has_errors() || c.programs.len() == 1 {
        return None;
    }
    Some(if c.programs.is_empty() {
        Diag::unlocated(nas_check::CheckError::NoPipeline).with_help(format!(
            "`{cmd}` {does} a pipeline; this file defines none that can be built without arguments"
        ))
    } else {
        let names: Vec<String> = c
            .programs
            .iter()
            .map(|p| format!("`{}`", p.pipeline.name))
            .collect();
        Diag::unlocated(nas_check::CheckError::SeveralPipelines { count: names.len() }).with_help(
            format!(
                "`{cmd}` {does} one; choose it with `--pipeline NAME`: {}",
                names.join(", ")
            ),
        )
    })
}
