//! Benchmark tables: ground truth that a pipeline can look a found architecture up in. The
//! search never reads them; only look-up stages do, after the architecture is fixed.
//!
//! Contract: no engine (only the IR's hash), so that the checker can validate a table before
//! the run and the interpreter can look cells up during it, with the same reader.

pub mod nb201;
