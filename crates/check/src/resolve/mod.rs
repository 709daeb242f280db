//! Resolve: load a file and its imports (embedded standard library, search paths,
//! cycles), then check every name statically.
//!
//! Contract: `resolve_*` return everything that could be loaded plus every problem found;
//! later stages work on what loaded and never report a name this stage already reported.

pub mod error;
pub mod loader;
pub mod scope;
pub mod stdlib;

pub use error::ResolveError;
pub use loader::{load_file, load_std, load_text, LoadOptions, Loaded, ModId, ModKey, Module};
