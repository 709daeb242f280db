//! The engine's error type: everything that can go wrong while building, running,
//! deriving, preserving, saving or loading a network.

/// Errors of `crate::nn`. Tensor failures keep candle's error as the source.
#[derive(Debug, thiserror::Error)]
pub enum NnError {
    #[error("tensor operation failed: {source}")]
    Tensor {
        #[from]
        source: candle_core::Error,
    },
    #[error("invalid network spec: {reason}")]
    InvalidSpec { reason: String },
    #[error("genotype does not fit the network: {reason}")]
    BadGenotype { reason: String },
    #[error("the network's cells come from stage `{stage}`, whose genotype must be supplied")]
    NeedsGenotype { stage: String },
    #[error("two-path gates are not sampled: call `resample` before a training forward pass")]
    NotSampled,
    #[error("this network has no {what}")]
    Unsupported { what: String },
    #[error("checkpoint tensor `{name}`: {problem}")]
    Checkpoint { name: String, problem: String },
    #[error("cannot read or write checkpoint `{path}`: {source}")]
    CheckpointFile {
        path: String,
        source: candle_core::Error,
    },
    #[error("internal error: {what}; please report")]
    Internal { what: String },
}

pub type Result<T> = std::result::Result<T, NnError>;

/// Shorthand for `NnError::InvalidSpec`.
pub(crate) fn invalid(reason: impl Into<String>) -> NnError {
    NnError::InvalidSpec {
        reason: reason.into(),
    }
}

/// Shorthand for `NnError::Internal`.
pub(crate) fn internal(what: impl Into<String>) -> NnError {
    NnError::Internal { what: what.into() }
}
