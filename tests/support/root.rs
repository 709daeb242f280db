//! Where the tests run: the repository root, so that a path in a test reads as a user types
//! it (`examples/quickstart.nas`) and diagnostics show it that way. Shared by the test
//! binaries of several crates (`#[path]`), since the fixtures in `tests/data/` and the
//! examples are the repository's, not one crate's.

use std::path::Path;
use std::sync::Once;

/// The repository root, made the working directory of the test process on the first call.
/// Every test that names a file calls this first; all of them set the same directory, so
/// the order in which the tests run does not matter.
pub fn at_root() -> &'static Path {
    static ONCE: Once = Once::new();
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    ONCE.call_once(|| std::env::set_current_dir(root).expect("the repository root exists"));
    root
}
