//! `nas export`: write a run's found network as ONNX or as the folder the `nas_torch` Python
//! package loads (`nas_export` does the work; this prints what it wrote). Part of the binary.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One ONNX file (opset 17): normalised NCHW float32 image in, logits out.
    Onnx,
    /// A folder for the `nas_torch` Python package: network.json, weights.safetensors, meta.json.
    Torch,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The stage whose network to export (default: the last finished stage that trained the
    /// derived network from its preserved weights, for example `tune`, else `derive`).
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The file (onnx) or folder (torch) to write.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// A run folder written by `nas run`.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
}

pub fn cmd_export(a: &ExportArgs) -> i32 {
    let format = match a.format {
        ExportFormat::Onnx => nas_export::Format::Onnx,
        ExportFormat::Torch => nas_export::Format::Torch,
    };
    match nas_export::export(&a.run, a.stage.as_deref(), format, &a.out) {
        Ok(e) => {
            crate::outln!(
                "exported stage `{}` ({}) to {}: {} weight tensors, {} bytes",
                e.stage,
                e.kind,
                e.out.display(),
                e.tensors,
                e.bytes
            );
            0
        }
        Err(e) => {
            crate::run_cmd::report(&e);
            1
        }
    }
}
