//! Global-norm gradient clipping (PyTorch `clip_grad_norm_`).
//!
//! The norm is the L2 norm of all gradients of the given parameters taken together
//! (parameters without a gradient do not count). When it exceeds `max_norm`, every one of
//! those gradients is multiplied by `max_norm / (norm + 1e-6)`. The returned norm is the
//! one before clipping, which is what runs log.

use candle_core::backprop::GradStore;
use candle_core::{DType, Tensor, Var};

use super::OptimError;

/// Clips the gradients of `params` in `grads` in place and returns their global norm.
pub fn clip_grad_norm(
    params: &[(String, Var)],
    grads: &mut GradStore,
    max_norm: f64,
) -> Result<f64, OptimError> {
    if max_norm.is_nan() || max_norm <= 0.0 {
        return Err(OptimError::InvalidSetting {
            message: format!("clip norm {max_norm} must be > 0"),
        });
    }
    // per-tensor sums of squares stay on the device; one read-back for the whole norm
    let mut sums = Vec::new();
    for (_, var) in params {
        if let Some(g) = grads.get(var.as_tensor()) {
            sums.push(g.sqr()?.sum_all()?.to_dtype(DType::F64)?);
        }
    }
    if sums.is_empty() {
        return Ok(0.0);
    }
    let sum_sq = Tensor::stack(&sums, 0)?.sum_all()?.to_scalar::<f64>()?;
    let norm = sum_sq.sqrt();
    if norm > max_norm {
        let coef = max_norm / (norm + 1e-6);
        for (_, var) in params {
            if let Some(g) = grads.get(var.as_tensor()) {
                let scaled = g.detach().affine(coef, 0.0)?;
                grads.insert(var.as_tensor(), scaled);
            }
        }
    }
    Ok(norm)
}
