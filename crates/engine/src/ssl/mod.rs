//! Training objectives: SimCLR's NT-Xent for self-supervised stages and (label-smoothed)
//! cross-entropy with top-1 accuracy for supervised ones.
//!
//! Contract: losses are scalar tensors that stay in the autograd graph; metrics are plain
//! `f64`s computed from detached values. Only gradient-carrying candle ops are used
//! (`candle_nn::ops::log_softmax`, never the fused `softmax_last_dim`, which silently drops
//! gradients in candle 0.11).

pub mod simclr;
pub mod supervised;

pub use simclr::{l2_normalize, nt_xent, NtXent};
pub use supervised::{accuracy, cross_entropy, top1_correct};

#[derive(Debug, thiserror::Error)]
pub enum SslError {
    #[error("{what} expects {expected}, got shape {shape:?}")]
    BadShape {
        what: &'static str,
        expected: &'static str,
        shape: Vec<usize>,
    },
    #[error("invalid argument: {message}")]
    InvalidArgument { message: String },
    #[error("tensor operation failed: {source}")]
    Tensor {
        #[from]
        source: candle_core::Error,
    },
}
