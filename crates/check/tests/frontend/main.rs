//! The front end's tests (syntax, resolve, check, lower), one binary: golden diagnostics,
//! every example and stdlib module, hostile input, and the IR of the examples. Nothing here
//! links candle. Paths are relative to the repository root (`support::at_root`).

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod errors;
mod examples;
mod fuzz;
mod hostile;
mod perf;
#[path = "../../../../tests/support/root.rs"]
mod support;
