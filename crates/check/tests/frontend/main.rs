//! The front end's tests (syntax, resolve, check, lower, and the formatter), one binary:
//! golden diagnostics, the newcomer corpus, every example and stdlib module, hostile input,
//! the IR of the examples, and `nas fmt`. Nothing here
//! links candle. Paths are relative to the repository root (`support::at_root`).

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod data;
mod errors;
mod examples;
mod fmt;
mod fmt_gen;
mod fuzz;
mod hostile;
mod messages;
mod newcomer;
mod perf;
mod recovery;
#[path = "../../../../tests/support/root.rs"]
mod support;

/// Options for tests of lowering and formatting: the examples name CIFAR-10 where a user
/// keeps it (`data/cifar-10-batches-bin`), which the repository does not ship, so these
/// tests leave the data alone. The data-aware checks have tests of their own.
pub(crate) fn without_data() -> nas_check::resolve::LoadOptions {
    nas_check::resolve::LoadOptions {
        no_data: true,
        ..Default::default()
    }
}
