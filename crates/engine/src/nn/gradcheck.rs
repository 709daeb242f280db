//! Central finite-difference gradient check (f64), used by the engine's tests and
//! available to any module that adds an op with a gradient.
//!
//! Contract: `check_grads` compares autograd's gradient of the scalar `loss()` with
//! central differences on `probes` evenly spaced elements of each variable; the error of
//! a variable is max |analytic - numeric| / max(max |analytic gradient|, 1e-8).

use candle_core::{DType, Tensor, Var};

use super::error::Result;

/// Worst relative error per variable name.
#[derive(Debug, Clone)]
pub struct GradCheck {
    pub errors: Vec<(String, f64)>,
}

impl GradCheck {
    pub fn max(&self) -> f64 {
        self.errors.iter().map(|e| e.1).fold(0.0, f64::max)
    }
}

fn scalar(t: &Tensor) -> Result<f64> {
    Ok(t.to_dtype(DType::F64)?.sum_all()?.to_scalar::<f64>()?)
}

fn set_elem(var: &Var, base: &[f64], i: usize, value: f64) -> Result<()> {
    let mut v = base.to_vec();
    v[i] = value;
    let t = Tensor::from_vec(v, var.shape(), var.device())?.to_dtype(var.dtype())?;
    var.set(&t)?;
    Ok(())
}

/// Check d loss / d var for each variable.
pub fn check_grads(
    loss: &dyn Fn() -> Result<Tensor>,
    vars: &[(String, Var)],
    probes: usize,
    eps: f64,
) -> Result<GradCheck> {
    let l = loss()?;
    let grads = l.backward()?;
    let mut errors = Vec::with_capacity(vars.len());
    for (name, var) in vars {
        let n = var.elem_count();
        let analytic: Vec<f64> = match grads.get(var.as_tensor()) {
            Some(g) => g.to_dtype(DType::F64)?.flatten_all()?.to_vec1()?,
            None => vec![0.0; n],
        };
        let base: Vec<f64> = var
            .as_tensor()
            .to_dtype(DType::F64)?
            .flatten_all()?
            .to_vec1()?;
        let scale = analytic
            .iter()
            .fold(0.0f64, |m, g| m.max(g.abs()))
            .max(1e-8);
        let step = (n / probes.max(1)).max(1);
        let mut worst = 0.0f64;
        for i in (0..n).step_by(step).take(probes) {
            set_elem(var, &base, i, base[i] + eps)?;
            let plus = scalar(&loss()?)?;
            set_elem(var, &base, i, base[i] - eps)?;
            let minus = scalar(&loss()?)?;
            set_elem(var, &base, i, base[i])?;
            let numeric = (plus - minus) / (2.0 * eps);
            worst = worst.max((analytic[i] - numeric).abs() / scale);
        }
        errors.push((name.clone(), worst));
    }
    Ok(GradCheck { errors })
}
