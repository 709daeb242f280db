//! Golden renderings of every runtime error code (`nas::run::*`), as the CLI prints them:
//! no colour, width 80. The conditions that raise them are tested in `run_cli.rs` and
//! `run_search.rs`; this pins down what the user reads.

use std::path::PathBuf;

use miette::{GraphicalReportHandler, GraphicalTheme};
use nas_ir::Span;
use nas_run::checkpoint::CheckpointError;
use nas_run::error::RuntimeError;

fn render(e: &RuntimeError) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut out = String::new();
    handler.render_report(&mut out, e).unwrap();
    out
}

fn span() -> Span {
    Span {
        file: "examples/quickstart.nas".into(),
        start: 10,
        end: 16,
        line: 12,
        col: 9,
    }
}

#[test]
fn every_runtime_error_renders_with_its_code_and_help() {
    crate::support::at_root();
    let cases = vec![
        (
            "tensor",
            RuntimeError::Tensor {
                stage: "search".into(),
                message: "shape mismatch in cat".into(),
                span: span(),
                source: candle_core::Error::Msg("lhs [2, 3] rhs [2, 4]".into()),
            },
        ),
        (
            "data",
            RuntimeError::Data {
                stage: "search".into(),
                message: "data/x.bin: record 2 is truncated".into(),
            },
        ),
        (
            "stage",
            RuntimeError::Stage {
                stage: "tune".into(),
                message: "this stage needs labels".into(),
                span: span(),
            },
        ),
        (
            "non_finite",
            RuntimeError::NonFinite {
                stage: "search".into(),
                epoch: 3,
                step: 17,
                what: "loss".into(),
            },
        ),
        (
            "checkpoint",
            RuntimeError::Checkpoint(CheckpointError::Corrupt {
                path: PathBuf::from("runs/q/search/checkpoint/state.safetensors"),
                reason: "checksum mismatch".into(),
            }),
        ),
        (
            "ir_changed",
            RuntimeError::IrChanged {
                path: PathBuf::from("runs/q/pipeline.ir.json"),
                fields: "pipeline.seed".into(),
            },
        ),
        (
            "nothing_to_resume",
            RuntimeError::NothingToResume {
                path: PathBuf::from("runs/q"),
            },
        ),
        (
            "damaged_output",
            RuntimeError::DamagedOutput {
                stage: "search".into(),
                file: PathBuf::from("runs/q/search/checkpoint/state.safetensors"),
            },
        ),
        (
            "cell_not_in_table",
            RuntimeError::NotInTable {
                stage: "truth".into(),
                arch: "|none~0|+|none~0|skip_connect~1|+|none~0|none~1|none~2|".into(),
                table: "top100.csv".into(),
            },
        ),
        (
            "too_large",
            RuntimeError::TooLarge {
                stage: "search".into(),
                needed: "9312.4 GiB".into(),
                available: "23.4 GiB".into(),
            },
        ),
        (
            "locked",
            RuntimeError::Locked {
                path: PathBuf::from("runs/q"),
                holder: "process 4242".into(),
            },
        ),
        (
            "missing_input",
            RuntimeError::MissingInput {
                stage: "tune".into(),
                needs: "derive".into(),
            },
        ),
        (
            "io",
            RuntimeError::Io {
                path: PathBuf::from("runs/q/report.md"),
                source: std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "permission denied",
                ),
            },
        ),
        (
            "interrupted",
            RuntimeError::Interrupted {
                stage: "search".into(),
                epoch: 2,
                step: 5,
            },
        ),
        (
            // what a CUDA build prints on a machine whose driver sees no GPU
            "device",
            RuntimeError::Device {
                device: "cuda:0".into(),
                reason: "the CUDA driver says: DriverError(CUDA_ERROR_NO_DEVICE, \"no CUDA-capable device is detected\")".into(),
                help: nas_run::device::HELP_DRIVER.into(),
            },
        ),
        (
            "internal",
            RuntimeError::Internal("stage `search`: loader ran dry".into()),
        ),
    ];
    for (code, err) in cases {
        let text = render(&err);
        assert!(
            text.contains(&format!("nas::run::{code}")),
            "{code}: {text}"
        );
        insta::assert_snapshot!(format!("run_error_{code}"), text);
    }
}
