//! `nas bench` configurations as library functions that run measured timings and return
//! them (the CLI prints them). Every number is a median of wall-clock runs on the device
//! given; nothing here prints or asserts speed.
//!
//! Configurations: [`ops`] (each DARTS op alone, forward + backward, fast kernels vs their
//! `_slow` references) and [`kernels`] (each kernel of `nn::kernels` alone, same comparison).

mod darts_ops;
mod timing;

pub use darts_ops::{kernels, ops, DartsOp, EdgeSize, KernelCase, OpsConfig, DARTS_SIZES};
pub use timing::{table, Path, Timing};

/// Errors of a benchmark run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// A tensor operation failed while building or timing `what`.
    #[error("tensor error while benchmarking {what}")]
    Tensor {
        what: String,
        #[source]
        source: candle_core::Error,
    },
    /// The configuration cannot be run (e.g. zero runs).
    #[error("invalid benchmark configuration: {reason}")]
    Config { reason: String },
}
