//! SimCLR's NT-Xent loss over two views, with the metrics a run logs.
//!
//! # Shapes
//! `z` is `[2B, D]`: the projections of view 1 for images `0..B`, then of view 2 for the
//! same images (`[view1; view2]`). Row `k`'s positive is row `k + B` (mod 2B); the other
//! `2B - 2` rows are its negatives.
//!
//! The loss L2-normalises the rows (`x / sqrt(sum x^2 + eps)`), takes cosine similarities
//! over the temperature, removes self-similarity by adding a large negative number on the
//! diagonal, and averages the cross-entropy of each row against its positive over all 2B
//! rows (Chen et al. 2020; the SSWP official code uses temperature 0.07).

use candle_core::{DType, Tensor, D};

use super::SslError;

/// Added to a row's similarity with itself so that softmax ignores it.
const MASK_F32: f64 = -1e9;
/// f16 cannot hold -1e9; -6e4 is still far below any similarity / temperature.
const MASK_F16: f64 = -6.0e4;
/// Keeps the norm of an all-zero row finite.
pub const NORM_EPS: f64 = 1e-12;

/// The loss and the metrics of one NT-Xent evaluation.
#[derive(Debug, Clone)]
pub struct NtXent {
    /// Scalar loss, in the autograd graph.
    pub loss: Tensor,
    /// Fraction of rows whose most similar other row is their positive (top-1 retrieval).
    pub accuracy: f64,
    /// Mean over dimensions of the per-dimension std of the normalised features (unbiased);
    /// near 0 means collapse, about `1/sqrt(D)` means well spread.
    pub feature_std: f64,
}

/// Rows divided by their L2 norm: `x / sqrt(sum(x^2) + eps)`.
///
/// # Shapes
/// `[N, D] -> [N, D]`
pub fn l2_normalize(z: &Tensor) -> Result<Tensor, SslError> {
    let norm = (z.sqr()?.sum_keepdim(D::Minus1)? + NORM_EPS)?.sqrt()?; // [N, 1]
    Ok(z.broadcast_div(&norm)?)
}

/// NT-Xent of `z` (`[2B, D]`, see the module docs) at `temperature`.
pub fn nt_xent(z: &Tensor, temperature: f64) -> Result<NtXent, SslError> {
    let (n, _) = z.dims2().map_err(|_| bad_shape(z))?;
    if n < 2 || n % 2 != 0 {
        return Err(bad_shape(z));
    }
    if temperature.is_nan() || temperature <= 0.0 {
        return Err(SslError::InvalidArgument {
            message: format!("temperature {temperature} must be > 0"),
        });
    }
    let b = n / 2;
    let device = z.device();
    let zn = l2_normalize(z)?; // [2B, D]
    let sim = zn.matmul(&zn.t()?)?.affine(1.0 / temperature, 0.0)?; // [2B, 2B]
    let mask_value = if z.dtype() == DType::F16 {
        MASK_F16
    } else {
        MASK_F32
    };
    let mask: Vec<f64> = (0..n * n)
        .map(|i| if i / n == i % n { mask_value } else { 0.0 })
        .collect();
    let mask = Tensor::from_vec(mask, (n, n), device)?.to_dtype(z.dtype())?;
    let logits = (sim + mask)?;
    let targets: Vec<u32> = (0..n).map(|k| ((k + b) % n) as u32).collect();
    let targets = Tensor::from_vec(targets, n, device)?;
    let log_p = candle_nn::ops::log_softmax(&logits, 1)?;
    let loss = candle_nn::loss::nll(&log_p, &targets)?;
    let accuracy = top1_fraction(&logits.detach(), &targets)?;
    let feature_std = feature_std(&zn.detach())?;
    Ok(NtXent {
        loss,
        accuracy,
        feature_std,
    })
}

fn bad_shape(z: &Tensor) -> SslError {
    SslError::BadShape {
        what: "nt_xent",
        expected: "[2B, D] with B >= 1",
        shape: z.dims().to_vec(),
    }
}

/// Fraction of rows whose argmax is the target.
pub(crate) fn top1_fraction(logits: &Tensor, targets: &Tensor) -> Result<f64, SslError> {
    let n = targets.dims1()?;
    if n == 0 {
        return Ok(0.0);
    }
    let correct = logits
        .argmax(D::Minus1)?
        .eq(targets)?
        .to_dtype(DType::F32)?
        .sum_all()?
        .to_scalar::<f32>()?;
    Ok(correct as f64 / n as f64)
}

/// Mean over columns of the unbiased per-column std of `x` (`[N, D]`, N >= 2).
pub fn feature_std(x: &Tensor) -> Result<f64, SslError> {
    let (n, _) = x.dims2()?;
    if n < 2 {
        return Ok(0.0);
    }
    let x = x.to_dtype(DType::F32)?;
    let centred = x.broadcast_sub(&x.mean_keepdim(0)?)?;
    let var = centred.sqr()?.sum(0)?.affine(1.0 / (n as f64 - 1.0), 0.0)?;
    Ok(var.sqrt()?.mean_all()?.to_scalar::<f32>()? as f64)
}
