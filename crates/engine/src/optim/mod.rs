//! Optimisers (SGD with momentum, Adam; both with coupled L2 weight decay and PyTorch
//! semantics), global-norm gradient clipping and learning-rate schedules.
//!
//! Contract: parameters are `(name, Var)` pairs; a step reads gradients from a candle
//! `GradStore` and updates the `Var`s in place. A parameter that has no gradient in the
//! store, or whose name the caller excludes, is not touched at all: no decay, no momentum,
//! no Adam step count (as PyTorch does for `grad = None`, which the official SSWP code
//! relies on for unsampled ops). Optimiser state round-trips exactly through
//! [`Optimizer::state`] / [`Optimizer::load_state`] (named tensors, ready for safetensors),
//! so a resumed run continues bitwise identically.

pub mod adam;
pub mod clip;
pub mod schedule;
pub mod sgd;

use std::collections::HashSet;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use nas_ir::{OptimKind, OptimSpec};

pub use adam::{Adam, AdamConfig};
pub use clip::clip_grad_norm;
pub use schedule::learning_rate;
pub use sgd::{Sgd, SgdConfig};

/// Named trainable parameters.
pub type Params = Vec<(String, Var)>;

#[derive(Debug, thiserror::Error)]
pub enum OptimError {
    #[error("invalid optimiser setting: {message}")]
    InvalidSetting { message: String },
    #[error("optimiser state entry `{key}` {message}")]
    BadState { key: String, message: String },
    #[error("two parameters are both named `{name}`")]
    DuplicateParam { name: String },
    #[error("tensor operation failed: {source}")]
    Tensor {
        #[from]
        source: candle_core::Error,
    },
}

/// What every optimiser offers the training loop.
pub trait Optimizer {
    /// One update of every parameter that has a gradient and is not in `excluded`.
    fn step_except(
        &mut self,
        grads: &GradStore,
        excluded: &HashSet<String>,
    ) -> Result<(), OptimError>;

    /// One update of every parameter that has a gradient.
    fn step(&mut self, grads: &GradStore) -> Result<(), OptimError> {
        self.step_except(grads, &HashSet::new())
    }

    fn learning_rate(&self) -> f64;
    fn set_learning_rate(&mut self, lr: f64);
    fn params(&self) -> &[(String, Var)];
    /// The state as named tensors (`<param>.<slot>`), for checkpoints.
    fn state(&self) -> Result<Vec<(String, Tensor)>, OptimError>;
    /// Replaces the state with a saved one (moved to each parameter's device and dtype).
    fn load_state(&mut self, state: &[(String, Tensor)]) -> Result<(), OptimError>;
}

/// An optimiser chosen by an [`OptimSpec`].
pub enum Optim {
    Sgd(Sgd),
    Adam(Adam),
}

impl Optim {
    /// Builds the optimiser of `spec` at its base learning rate (clipping and the schedule
    /// are applied by the caller with [`clip_grad_norm`] and [`learning_rate`]).
    pub fn from_spec(spec: &OptimSpec, params: Params) -> Result<Self, OptimError> {
        Ok(match &spec.kind {
            OptimKind::Sgd { momentum, nesterov } => Optim::Sgd(Sgd::new(
                params,
                SgdConfig {
                    lr: spec.lr,
                    momentum: *momentum,
                    weight_decay: spec.weight_decay,
                    nesterov: *nesterov,
                },
            )?),
            OptimKind::Adam { beta1, beta2, eps } => Optim::Adam(Adam::new(
                params,
                AdamConfig {
                    lr: spec.lr,
                    beta1: *beta1,
                    beta2: *beta2,
                    eps: *eps,
                    weight_decay: spec.weight_decay,
                },
            )?),
        })
    }

    fn inner(&self) -> &dyn Optimizer {
        match self {
            Optim::Sgd(o) => o,
            Optim::Adam(o) => o,
        }
    }

    fn inner_mut(&mut self) -> &mut dyn Optimizer {
        match self {
            Optim::Sgd(o) => o,
            Optim::Adam(o) => o,
        }
    }
}

impl Optimizer for Optim {
    fn step_except(
        &mut self,
        grads: &GradStore,
        excluded: &HashSet<String>,
    ) -> Result<(), OptimError> {
        self.inner_mut().step_except(grads, excluded)
    }
    fn learning_rate(&self) -> f64 {
        self.inner().learning_rate()
    }
    fn set_learning_rate(&mut self, lr: f64) {
        self.inner_mut().set_learning_rate(lr)
    }
    fn params(&self) -> &[(String, Var)] {
        self.inner().params()
    }
    fn state(&self) -> Result<Vec<(String, Tensor)>, OptimError> {
        self.inner().state()
    }
    fn load_state(&mut self, state: &[(String, Tensor)]) -> Result<(), OptimError> {
        self.inner_mut().load_state(state)
    }
}

/// (index, parameter, gradient) of every parameter that has a gradient in `grads` and is
/// not excluded by name: the only ones an optimiser step touches.
pub(crate) fn with_gradients(
    params: &[(String, Var)],
    grads: &GradStore,
    excluded: &HashSet<String>,
) -> Vec<(usize, Var, Tensor)> {
    params
        .iter()
        .enumerate()
        .filter(|(_, (name, _))| !excluded.contains(name))
        .filter_map(|(i, (_, var))| {
            grads
                .get(var.as_tensor())
                .map(|g| (i, var.clone(), g.clone()))
        })
        .collect()
}

/// Rejects two parameters with the same name (state keys would collide).
pub(crate) fn check_unique(params: &[(String, Var)]) -> Result<(), OptimError> {
    let mut seen = HashSet::new();
    for (name, _) in params {
        if !seen.insert(name.as_str()) {
            return Err(OptimError::DuplicateParam { name: name.clone() });
        }
    }
    Ok(())
}

/// Splits a state key `<param>.<slot>` for one of `slots`, checking the parameter exists.
pub(crate) fn parse_key<'a>(
    key: &'a str,
    slots: &[&str],
    params: &[(String, Var)],
) -> Result<(usize, &'a str), OptimError> {
    let bad = |message: &str| OptimError::BadState {
        key: key.to_string(),
        message: message.to_string(),
    };
    let (name, slot) = key
        .rsplit_once('.')
        .ok_or_else(|| bad("has no `.<slot>` suffix"))?;
    if !slots.contains(&slot) {
        return Err(bad("names an unknown slot"));
    }
    let idx = params
        .iter()
        .position(|(n, _)| n == name)
        .ok_or_else(|| bad("belongs to no parameter of this optimiser"))?;
    Ok((idx, slot))
}

/// `t` moved to `like`'s device and dtype, checked to have `like`'s shape.
pub(crate) fn conform(key: &str, t: &Tensor, like: &Tensor) -> Result<Tensor, OptimError> {
    if t.dims() != like.dims() {
        return Err(OptimError::BadState {
            key: key.to_string(),
            message: format!("has shape {:?}, the parameter {:?}", t.dims(), like.dims()),
        });
    }
    Ok(t.to_device(like.device())?.to_dtype(like.dtype())?)
}
