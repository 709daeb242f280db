//! Supervised objective: cross-entropy with optional label smoothing, and top-1 accuracy.
//!
//! Label smoothing follows PyTorch: `(1 - e) * nll + e * mean_k(-log p_k)`, averaged over
//! the batch.
//!
//! # Shapes
//! `logits` `[B, K]`, `targets` u32 `[B]` with values in `0..K`.

use candle_core::{Tensor, D};

use super::simclr::top1_fraction;
use super::SslError;

/// Mean cross-entropy of `logits` against `targets`, smoothed by `label_smoothing` in [0, 1].
pub fn cross_entropy(
    logits: &Tensor,
    targets: &Tensor,
    label_smoothing: f64,
) -> Result<Tensor, SslError> {
    check(logits, targets)?;
    if !(0.0..=1.0).contains(&label_smoothing) {
        return Err(SslError::InvalidArgument {
            message: format!("label smoothing {label_smoothing} is outside [0, 1]"),
        });
    }
    let log_p = candle_nn::ops::log_softmax(logits, D::Minus1)?; // [B, K]
    let nll = candle_nn::loss::nll(&log_p, targets)?;
    if label_smoothing == 0.0 {
        return Ok(nll);
    }
    let uniform = log_p.mean(D::Minus1)?.mean_all()?.neg()?; // mean_b mean_k -log p
    Ok(((nll * (1.0 - label_smoothing))? + (uniform * label_smoothing)?)?)
}

/// Number of rows whose argmax equals the target.
pub fn top1_correct(logits: &Tensor, targets: &Tensor) -> Result<usize, SslError> {
    check(logits, targets)?;
    let n = targets.dims1()?;
    Ok((top1_fraction(&logits.detach(), targets)? * n as f64).round() as usize)
}

/// Fraction of rows whose argmax equals the target.
pub fn accuracy(logits: &Tensor, targets: &Tensor) -> Result<f64, SslError> {
    check(logits, targets)?;
    top1_fraction(&logits.detach(), targets)
}

fn check(logits: &Tensor, targets: &Tensor) -> Result<(), SslError> {
    let ok = matches!((logits.dims(), targets.dims()), (&[b, k], &[t]) if b == t && k > 0);
    if ok {
        Ok(())
    } else {
        Err(SslError::BadShape {
            what: "cross_entropy",
            expected: "logits [B, K] and targets [B]",
            shape: logits.dims().to_vec(),
        })
    }
}
