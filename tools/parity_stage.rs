//! Shared by the parity tools: compile `examples/semi_supervised.nas` for one pipeline and
//! pick one of its `ssl_train` stages.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool

use std::path::Path;

use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};
use nas_ir::{Program, SslTrainSpec, StageKind};

pub type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The compiled `pipeline` and the spec of its `ssl_train` stage `stage_name`.
pub fn ssl_train_stage(pipeline: &str, stage_name: &str) -> Res<(Program, SslTrainSpec)> {
    let path = Path::new("examples/semi_supervised.nas");
    let text = std::fs::read_to_string(path)?;
    let compiled = compile_text(
        &path.display().to_string(),
        &text,
        Path::new("examples"),
        &LoadOptions::default(),
        &Select {
            pipeline: Some(pipeline.to_string()),
        },
    );
    if compiled.has_errors() {
        return Err(format!("{} does not compile", path.display()).into());
    }
    let program = compiled.programs.into_iter().next().ok_or("no pipeline")?;
    let stage = program
        .pipeline
        .stages
        .iter()
        .find(|s| s.name == stage_name)
        .ok_or_else(|| format!("no stage `{stage_name}` in pipeline `{pipeline}`"))?;
    let spec = match &stage.kind {
        StageKind::SslTrain(s) => s.clone(),
        _ => return Err(format!("stage `{stage_name}` is not an ssl_train stage").into()),
    };
    Ok((program, spec))
}
