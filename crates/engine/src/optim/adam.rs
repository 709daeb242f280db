//! Adam with coupled L2 weight decay, PyTorch semantics (not AdamW).
//!
//! Per parameter with a gradient `g`, with its own step count `t` (incremented first):
//! `g += wd * p`; `m = b1 * m + (1 - b1) * g`; `v = b2 * v + (1 - b2) * g^2`;
//! `p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
//! `beta1 = 0` is allowed (the SSWP architecture optimiser). Parameters without a gradient
//! are skipped entirely, their step count included.

use std::collections::{HashMap, HashSet};

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::{check_unique, conform, parse_key, with_gradients, OptimError, Optimizer, Params};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConfig {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    /// PyTorch's default is 1e-8.
    pub eps: f64,
    pub weight_decay: f64,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

struct Moments {
    step: u32,
    m: Tensor,
    v: Tensor,
}

pub struct Adam {
    params: Params,
    config: AdamConfig,
    state: HashMap<usize, Moments>,
}

const SLOTS: [&str; 3] = ["step", "exp_avg", "exp_avg_sq"];

impl Adam {
    pub fn new(params: Params, config: AdamConfig) -> Result<Self, OptimError> {
        check_unique(&params)?;
        let bad = |message: String| Err(OptimError::InvalidSetting { message });
        if config.lr.is_nan() || config.lr < 0.0 {
            return bad(format!("learning rate {} must be >= 0", config.lr));
        }
        for (name, b) in [("beta1", config.beta1), ("beta2", config.beta2)] {
            if !(0.0..1.0).contains(&b) {
                return bad(format!("{name} {b} must be in [0, 1)"));
            }
        }
        if config.eps.is_nan()
            || config.eps <= 0.0
            || config.weight_decay.is_nan()
            || config.weight_decay < 0.0
        {
            return bad(format!(
                "eps {} must be > 0 and weight decay {} >= 0",
                config.eps, config.weight_decay
            ));
        }
        Ok(Adam {
            params,
            config,
            state: HashMap::new(),
        })
    }

    pub fn config(&self) -> AdamConfig {
        self.config
    }

    fn update(&mut self, i: usize, var: &Var, grad: &Tensor) -> Result<(), OptimError> {
        let AdamConfig {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
        } = self.config;
        let p = var.as_tensor().detach();
        let mut g = grad.detach();
        if weight_decay != 0.0 {
            g = (g + p.affine(weight_decay, 0.0)?)?;
        }
        let (step, m, v) = match self.state.remove(&i) {
            Some(s) => (s.step, s.m, s.v),
            None => (0, p.zeros_like()?, p.zeros_like()?),
        };
        let step = step + 1;
        let m = (m.affine(beta1, 0.0)? + g.affine(1.0 - beta1, 0.0)?)?;
        let v = (v.affine(beta2, 0.0)? + g.sqr()?.affine(1.0 - beta2, 0.0)?)?;
        let bias1 = 1.0 - beta1.powi(step as i32);
        let bias2_sqrt = (1.0 - beta2.powi(step as i32)).sqrt();
        let denom = v.sqrt()?.affine(1.0 / bias2_sqrt, eps)?;
        let update = (m.affine(lr / bias1, 0.0)? / denom)?;
        var.set(&(p - update)?)?;
        self.state.insert(i, Moments { step, m, v });
        Ok(())
    }
}

impl Optimizer for Adam {
    fn step_except(
        &mut self,
        grads: &GradStore,
        excluded: &HashSet<String>,
    ) -> Result<(), OptimError> {
        for (i, var, grad) in with_gradients(&self.params, grads, excluded) {
            self.update(i, &var, &grad)?;
        }
        Ok(())
    }

    fn learning_rate(&self) -> f64 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    fn params(&self) -> &[(String, Var)] {
        &self.params
    }

    fn state(&self) -> Result<Vec<(String, Tensor)>, OptimError> {
        let mut out = Vec::with_capacity(self.state.len() * 3);
        for (&i, s) in &self.state {
            let name = &self.params[i].0;
            // the count lives on the parameter's device so that a checkpoint is uniform
            out.push((
                format!("{name}.step"),
                Tensor::new(&[s.step], s.m.device())?,
            ));
            out.push((format!("{name}.exp_avg"), s.m.clone()));
            out.push((format!("{name}.exp_avg_sq"), s.v.clone()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn load_state(&mut self, state: &[(String, Tensor)]) -> Result<(), OptimError> {
        let mut steps: HashMap<usize, u32> = HashMap::new();
        let mut ms: HashMap<usize, Tensor> = HashMap::new();
        let mut vs: HashMap<usize, Tensor> = HashMap::new();
        for (key, t) in state {
            let (i, slot) = parse_key(key, &SLOTS, &self.params)?;
            let like = self.params[i].1.as_tensor();
            match slot {
                "step" => {
                    let s = t
                        .flatten_all()?
                        .to_dtype(candle_core::DType::U32)?
                        .to_vec1::<u32>()?;
                    let [s] = s[..] else {
                        return Err(OptimError::BadState {
                            key: key.clone(),
                            message: "must hold one step count".into(),
                        });
                    };
                    steps.insert(i, s);
                }
                "exp_avg" => {
                    ms.insert(i, conform(key, t, like)?);
                }
                _ => {
                    vs.insert(i, conform(key, t, like)?);
                }
            }
        }
        let mut out = HashMap::new();
        for (i, step) in steps {
            match (ms.remove(&i), vs.remove(&i)) {
                (Some(m), Some(v)) => {
                    out.insert(i, Moments { step, m, v });
                }
                _ => {
                    return Err(OptimError::BadState {
                        key: self.params[i].0.clone(),
                        message: "lacks its exp_avg or exp_avg_sq".into(),
                    })
                }
            }
        }
        if let Some(&i) = ms.keys().chain(vs.keys()).next() {
            return Err(OptimError::BadState {
                key: self.params[i].0.clone(),
                message: "has moments but no step count".into(),
            });
        }
        self.state = out;
        Ok(())
    }
}
