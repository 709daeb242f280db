//! Helpers shared by the stage kinds: turning lower-level errors into located
//! `RuntimeError`s, and small tensor reductions read back to the host.

use std::fmt::Display;
use std::path::Path;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use crate::error::RuntimeError;
use nas_ir::{Span, Stage};

/// Builds the errors of one stage (its name and span attached).
pub struct Fail {
    stage: String,
    span: Span,
}

impl Fail {
    pub fn new(stage: &Stage) -> Self {
        Fail {
            stage: stage.name.clone(),
            span: stage.span.clone(),
        }
    }

    pub fn msg(&self, e: impl Display) -> RuntimeError {
        RuntimeError::Stage {
            stage: self.stage.clone(),
            message: e.to_string(),
            span: self.span.clone(),
        }
    }

    pub fn data(&self, e: nas_engine::data::DataError) -> RuntimeError {
        RuntimeError::Data {
            stage: self.stage.clone(),
            message: e.to_string(),
        }
    }

    pub fn nn(&self, e: nas_engine::nn::NnError) -> RuntimeError {
        RuntimeError::Tensor {
            stage: self.stage.clone(),
            message: e.to_string(),
            span: self.span.clone(),
            source: candle_core::Error::Msg(e.to_string()),
        }
    }

    pub fn tensor(&self, what: &str, e: candle_core::Error) -> RuntimeError {
        RuntimeError::Tensor {
            stage: self.stage.clone(),
            message: what.to_string(),
            span: self.span.clone(),
            source: e,
        }
    }

    pub fn io(&self, path: &Path, e: std::io::Error) -> RuntimeError {
        RuntimeError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }

    pub fn internal(&self, e: impl Display) -> RuntimeError {
        RuntimeError::Internal(format!("stage `{}`: {e}", self.stage))
    }

    /// Stop with a located error when `value` is NaN or infinite.
    pub fn finite(
        &self,
        what: &str,
        value: f64,
        epoch: usize,
        step: usize,
    ) -> Result<(), RuntimeError> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(RuntimeError::NonFinite {
                stage: self.stage.clone(),
                epoch,
                step,
                what: what.to_string(),
            })
        }
    }
}

/// A scalar tensor's value.
pub fn scalar(t: &Tensor, fail: &Fail) -> Result<f64, RuntimeError> {
    t.to_dtype(candle_core::DType::F64)
        .and_then(|t| t.to_scalar::<f64>())
        .map_err(|e| fail.tensor("reading a scalar", e))
}

/// Largest absolute value (NaN if any element is NaN).
pub fn max_abs(t: &Tensor, fail: &Fail) -> Result<f64, RuntimeError> {
    let sum = t
        .abs()
        .and_then(|a| a.sum_all())
        .map_err(|e| fail.tensor("checking values", e))?;
    let m = t
        .abs()
        .and_then(|a| a.flatten_all())
        .and_then(|a| a.max(0))
        .map_err(|e| fail.tensor("checking values", e))?;
    let s = scalar(&sum, fail)?;
    Ok(if s.is_finite() { scalar(&m, fail)? } else { s })
}

/// Global L2 norm of the gradients of `params` (those with a gradient).
pub fn grad_norm(
    params: &[(String, Var)],
    grads: &GradStore,
    fail: &Fail,
) -> Result<f64, RuntimeError> {
    let mut total = 0.0;
    for (_, v) in params {
        if let Some(g) = grads.get(v.as_tensor()) {
            let s = g
                .sqr()
                .and_then(|s| s.sum_all())
                .map_err(|e| fail.tensor("gradient norm", e))?;
            total += scalar(&s, fail)?;
        }
    }
    Ok(total.sqrt())
}

/// Write a network's weights to `path` through a synced temporary file and a rename, so
/// that a crash never leaves a partial weights file under the final name.
pub fn save_weights(
    net: &nas_engine::nn::Network,
    path: &Path,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    net.save(&tmp).map_err(|e| fail.nn(e))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| fail.io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| fail.io(path, e))
}

/// Stop with a `NonFinite` error naming the first weight that holds a NaN or an infinity.
/// Checkpoints are written only after this check, so the last one on disk is usable.
pub fn check_finite_weights(
    net: &nas_engine::nn::Network,
    fail: &Fail,
    epoch: usize,
    step: usize,
) -> Result<(), RuntimeError> {
    for (name, var) in net.params() {
        fail.finite(
            &format!("weight `{name}`"),
            max_abs(var.as_tensor(), fail)?,
            epoch,
            step,
        )?;
    }
    Ok(())
}

/// After a checkpoint is loaded: every weight and architecture parameter is finite, or the
/// checkpoint is refused as corrupt (a forged or damaged file that passed its checksum).
pub fn check_finite_state(
    net: &nas_engine::nn::Network,
    dir: &Path,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let alphas = net.alphas();
    for (name, var) in net.params().iter().chain(alphas.iter()) {
        if !max_abs(var.as_tensor(), fail)?.is_finite() {
            return Err(crate::checkpoint::CheckpointError::Corrupt {
                path: dir.join(crate::checkpoint::FILE_NAME),
                reason: format!("`{name}` holds a value that is not finite"),
            }
            .into());
        }
    }
    Ok(())
}
