//! The `nas` binary as a user runs it (`CARGO_BIN_EXE_nas`): exit codes, stdout and stderr of
//! check, ir, explain, fmt, lsp, run, report, export and predict. Commands run in the
//! repository root.

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod check;
mod export;
mod export_python;
mod fmt;
mod lsp;
mod report;
#[path = "../../../../tests/support/run_folders.rs"]
mod report_support;
mod run;
#[path = "../../../../tests/support/programs.rs"]
mod run_support;
mod set;
#[path = "../../../../tests/support/root.rs"]
mod support;

/// The built `nas` binary, to be run in the repository root (paths read as a user types them).
fn nas() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_nas"));
    c.current_dir(support::at_root());
    c
}
