//! SGD with momentum and coupled L2 weight decay, PyTorch semantics.
//!
//! Per parameter with a gradient `g` (dampening 0):
//! `g += wd * p`; `buf = g` on the parameter's first step, else `buf = m * buf + g`;
//! `d = g + m * buf` (Nesterov) or `d = buf`; `p -= lr * d`. With momentum 0 there is no
//! buffer and `d = g`. Parameters without a gradient are skipped entirely.

use std::collections::{HashMap, HashSet};

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use super::{check_unique, conform, parse_key, with_gradients, OptimError, Optimizer, Params};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgdConfig {
    pub lr: f64,
    pub momentum: f64,
    pub weight_decay: f64,
    pub nesterov: bool,
}

pub struct Sgd {
    params: Params,
    config: SgdConfig,
    /// Momentum buffers by parameter index (absent until the parameter's first step).
    buffers: HashMap<usize, Tensor>,
}

const SLOT: &str = "momentum_buffer";

impl Sgd {
    pub fn new(params: Params, config: SgdConfig) -> Result<Self, OptimError> {
        check_unique(&params)?;
        let bad = |message: String| Err(OptimError::InvalidSetting { message });
        if config.lr.is_nan() || config.lr < 0.0 {
            return bad(format!("learning rate {} must be >= 0", config.lr));
        }
        if config.momentum.is_nan() || config.momentum < 0.0 {
            return bad(format!("momentum {} must be >= 0", config.momentum));
        }
        if config.weight_decay.is_nan() || config.weight_decay < 0.0 {
            return bad(format!("weight decay {} must be >= 0", config.weight_decay));
        }
        if config.nesterov && config.momentum == 0.0 {
            return bad("Nesterov momentum needs a momentum > 0".into());
        }
        Ok(Sgd {
            params,
            config,
            buffers: HashMap::new(),
        })
    }

    pub fn config(&self) -> SgdConfig {
        self.config
    }

    fn update(&mut self, i: usize, var: &Var, grad: &Tensor) -> Result<(), OptimError> {
        let SgdConfig {
            lr,
            momentum,
            weight_decay,
            nesterov,
        } = self.config;
        let p = var.as_tensor().detach();
        let mut g = grad.detach();
        if weight_decay != 0.0 {
            g = (g + p.affine(weight_decay, 0.0)?)?;
        }
        let d = if momentum != 0.0 {
            let buf = match self.buffers.get(&i) {
                None => g.copy()?,
                Some(b) => (b.affine(momentum, 0.0)? + &g)?,
            };
            let d = if nesterov {
                (&g + buf.affine(momentum, 0.0)?)?
            } else {
                buf.clone()
            };
            self.buffers.insert(i, buf);
            d
        } else {
            g
        };
        var.set(&(p - d.affine(lr, 0.0)?)?)?;
        Ok(())
    }
}

impl Optimizer for Sgd {
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
        let mut out: Vec<(String, Tensor)> = self
            .buffers
            .iter()
            .map(|(&i, b)| (format!("{}.{SLOT}", self.params[i].0), b.clone()))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    fn load_state(&mut self, state: &[(String, Tensor)]) -> Result<(), OptimError> {
        let mut buffers = HashMap::new();
        for (key, t) in state {
            let (i, _) = parse_key(key, &[SLOT], &self.params)?;
            buffers.insert(i, conform(key, t, self.params[i].1.as_tensor())?);
        }
        self.buffers = buffers;
        Ok(())
    }
}
