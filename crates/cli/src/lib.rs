//! The `nas` command: argument parsing, one module per command, the progress renderer, the
//! thread pool's configuration, and `nas bench`. A library so that its tests (and the
//! allocator test, which needs a process of its own) can reach it; `main.rs` is the binary.
//! The only crate of the workspace that prints, and only in the command modules.

pub mod bench;
pub mod bench_cmd;
pub mod cli;
pub mod export_cmd;
pub mod fmt_cmd;
pub mod lsp_cmd;
pub mod overrides;
pub mod predict_cmd;
pub mod progress;
pub mod report_cmd;
pub mod run_cmd;
pub mod stdio;
pub mod threads;
