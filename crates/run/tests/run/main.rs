//! The interpreter's tests, one binary: runtime errors as users see them, the search stage
//! (determinism, byte-identical resume, interruption), and every stage kind end to end.

mod errors;
#[path = "../../../../tests/support/programs.rs"]
mod run_support;
mod search;
mod stages;
#[path = "../../../../tests/support/root.rs"]
mod support;
