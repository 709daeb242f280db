//! The interpreter's tests, one binary: runtime errors as users see them, the search stage
//! (determinism, byte-identical resume, interruption), and every stage kind end to end.

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod errors;
#[path = "../../../../tests/support/programs.rs"]
mod run_support;
mod search;
mod select;
mod stages;
#[path = "../../../../tests/support/root.rs"]
mod support;
