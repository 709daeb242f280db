//! `nas run` and `nas preview`: compile a pipeline through the checker, then hand its IR
//! to the interpreter (or to the augmentation previewer). Part of the binary.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use clap::Args;
use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::overrides;
use crate::progress::Renderer;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, compile_text, Compiled, Select};
use nas_ir::streams::{self, Stream};
use nas_ir::{Program, StageKind};
use nas_syntax::diagnostics;
use nas_syntax::source::SourceMap;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The pipeline to run (needed when the file has several).
    #[arg(long)]
    pub pipeline: Option<String>,
    /// Run folder (default `runs/<pipeline>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// `cpu` or `cuda:N` (CUDA needs a build with `--features cuda`).
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Continue interrupted stages from their last checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// With --resume: resume even though the pipeline changed. Also runs a pipeline whose
    /// estimated memory exceeds the machine's.
    #[arg(long)]
    pub force: bool,
    /// Worker threads for tensor ops (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Override a field of the pipeline, e.g. `--set search.batch=64` (repeatable); checked
    /// like the file itself.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Extra folder to search for imports (repeatable; `NAS_PATH` adds more).
    #[arg(long = "lib", value_name = "DIR")]
    pub lib: Vec<PathBuf>,
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    /// The pipeline whose search augmentations to preview.
    #[arg(long)]
    pub pipeline: Option<String>,
    /// Output PNG.
    #[arg(long, default_value = "preview.png")]
    pub out: PathBuf,
    /// Number of images (rows).
    #[arg(long, default_value_t = 8)]
    pub images: usize,
    #[arg(long = "lib", value_name = "DIR")]
    pub lib: Vec<PathBuf>,
    pub file: PathBuf,
}

fn load_options(lib: &[PathBuf]) -> LoadOptions {
    let mut lib_dirs = lib.to_vec();
    if let Some(p) = std::env::var_os("NAS_PATH") {
        lib_dirs.extend(std::env::split_paths(&p).filter(|p| !p.as_os_str().is_empty()));
    }
    LoadOptions {
        lib_dirs,
        no_data: false,
    }
}

/// Compile and pick one pipeline, printing diagnostics; None when there are errors.
fn compile_one(file: &Path, lib: &[PathBuf], pipeline: &Option<String>) -> Option<Program> {
    let c: Compiled = compile_file(
        file,
        &load_options(lib),
        &Select {
            pipeline: pipeline.clone(),
        },
    );
    pick_one(c)
}

/// The program of `file` with `--set` overrides applied and checked.
fn compile_with_sets(a: &RunArgs) -> Option<Program> {
    let program = compile_one(&a.file, &a.lib, &a.pipeline)?;
    if a.set.is_empty() {
        return Some(program);
    }
    let mut sources = SourceMap::new();
    let refused = overrides::check(&a.set, &program, &mut sources);
    if !refused.is_empty() {
        let color = std::io::IsTerminal::is_terminal(&std::io::stderr())
            && std::env::var_os("NO_COLOR").is_none();
        crate::errout!(
            "{}",
            diagnostics::render_human(&refused, &sources, 100, color)
        );
        return None;
    }
    let name = program.pipeline.name.clone();
    let text = match overrides::source(&a.file, &name, &a.set) {
        Ok(t) => t,
        Err(e) => {
            crate::errln!("error: {e}");
            return None;
        }
    };
    let dir = a.file.parent().map(PathBuf::from).unwrap_or_default();
    let select = Select {
        pipeline: Some(name),
    };
    let c = compile_text("<--set>", &text, &dir, &load_options(&a.lib), &select);
    pick_one(c)
}

/// Print diagnostics and return the single program, if there are no errors (a file that
/// does not name one pipeline is `nas::check::no_pipeline` / `several_pipelines`).
fn pick_one(mut c: Compiled) -> Option<Program> {
    if let Some(d) = crate::cli::one_pipeline(&c, "nas run", "runs") {
        c.diags.push(d);
    }
    if !c.diags.is_empty() {
        let color = std::io::IsTerminal::is_terminal(&std::io::stderr())
            && std::env::var_os("NO_COLOR").is_none();
        crate::errout!(
            "{}",
            diagnostics::render_human(&c.diags, &c.sources, 100, color)
        );
    }
    if c.has_errors() {
        return None;
    }
    c.programs.into_iter().next()
}

/// Print a runtime or report error as miette renders it, without colour.
pub(crate) fn report(err: &dyn miette::Diagnostic) {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(100);
    let mut out = String::new();
    if handler.render_report(&mut out, err).is_ok() {
        crate::errout!("{out}");
    } else {
        crate::errln!("error: {err}");
    }
}

pub fn cmd_run(a: &RunArgs) -> i32 {
    let Some(program) = compile_with_sets(a) else {
        return 1;
    };
    // before the memory check and the run folder: a device that cannot be used leaves no trace
    let device = match nas_run::device::open(&a.device) {
        Ok(d) => d,
        Err(e) => {
            report(&e);
            return 2;
        }
    };
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("runs").join(&program.pipeline.name));
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let _ = ctrlc::set_handler(move || {
        if flag.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    });
    // a step far larger than the machine would abort inside the allocator: refuse it first
    if let (false, Some(memory)) = (a.force, nas_run::memory::machine_memory()) {
        if let Err(e) = nas_run::memory::check(&program, memory) {
            report(&e);
            return 1;
        }
    }
    let opts = nas_run::RunOptions {
        out: out.clone(),
        device,
        resume: a.resume,
        force: a.force,
        stop,
    };
    let started = std::time::Instant::now();
    let mut renderer = Renderer::new();
    // The interpreter writes the stages; the report of the finished folder is the CLI's
    // composition of run and report (the interpreter never writes reports).
    let ran = nas_run::run(&program, &opts, &mut renderer);
    if ran.is_ok() {
        if let Err(e) = nas_report::write_run_report(&out, &out) {
            report(&e);
            return 1;
        }
    }
    match ran {
        Ok(_) => {
            crate::outln!(
                "run folder: {} ({:.1} s)",
                out.display(),
                started.elapsed().as_secs_f64()
            );
            0
        }
        Err(e) => {
            report(&e);
            if matches!(e, nas_run::error::RuntimeError::Interrupted { .. }) {
                130
            } else {
                1
            }
        }
    }
}

pub fn cmd_preview(a: &PreviewArgs) -> i32 {
    let Some(program) = compile_one(&a.file, &a.lib, &a.pipeline) else {
        return 1;
    };
    let views = program.pipeline.stages.iter().find_map(|s| match &s.kind {
        StageKind::SslSearch(s) => Some(s.views.clone()),
        StageKind::SslTrain(s) => Some(s.views.clone()),
        StageKind::Finetune(s) | StageKind::Train(s) | StageKind::LinearEval(s) => {
            Some(s.augment.clone())
        }
        _ => None,
    });
    let Some(views) = views else {
        crate::errln!(
            "error: pipeline `{}` has no stage with augmentations",
            program.pipeline.name
        );
        return 1;
    };
    let result = nas_engine::data::Augmenter::new(&views)
        .map_err(|e| e.to_string())
        .and_then(|aug| {
            let ds = nas_engine::data::load_train(
                &program.pipeline.data,
                streams::seed(program.pipeline.seed, Stream::DataLimit),
            )
            .map_err(|e| e.to_string())?;
            nas_engine::data::preview::write_preview_grid(
                &ds,
                &aug,
                a.images,
                program.pipeline.seed,
                &a.out,
            )
            .map_err(|e| e.to_string())
        });
    match result {
        Ok(_) => {
            crate::outln!("wrote {}", a.out.display());
            0
        }
        Err(e) => {
            crate::errln!("error: {e}");
            1
        }
    }
}
