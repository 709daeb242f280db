//! The front end's tests (syntax, resolve, check, lower, and the formatter), one binary:
//! golden diagnostics, every example and stdlib module, hostile input, the IR of the
//! examples, and `nas fmt`. Nothing here
//! links candle. Paths are relative to the repository root (`support::at_root`).

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod errors;
mod examples;
mod fmt;
mod fmt_gen;
mod fuzz;
mod hostile;
mod perf;
#[path = "../../../../tests/support/root.rs"]
mod support;
