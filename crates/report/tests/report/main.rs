//! The report's tests, one binary: run folders faked file by file (no engine), their
//! tables, plots and sweeps, and every bad input as a located `nas::report::*` error.

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod errors;
#[path = "../../../../tests/support/run_folders.rs"]
mod report_support;
mod run;
#[path = "../../../../tests/support/programs.rs"]
mod run_support;
#[path = "../../../../tests/support/root.rs"]
mod support;
mod sweep;
