//! Parameter registry and seeded initialisation.
//!
//! Contract: every trainable tensor and every batch-norm buffer of a network is created
//! here, from the caller's `ChaCha8Rng`, in a fixed order, with `Tensor::from_vec`; the
//! same seed therefore gives bitwise-identical weights on any device. Names are unique.
//! Init follows PyTorch defaults: conv/linear weights Kaiming-uniform with a = sqrt(5)
//! (bound 1/sqrt(fan_in)), linear bias uniform(±1/sqrt(fan_in)), BN gamma 1, beta 0,
//! running mean 0, running var 1.

use std::collections::HashSet;

use candle_core::{DType, Device, Tensor, Var};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::error::{internal, Result};

/// Named tensors: trainable parameters and non-trainable buffers, in creation order.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    pub params: Vec<(String, Var)>,
    pub buffers: Vec<(String, Var)>,
    names: HashSet<String>,
}

/// Builds parameters in a fixed order from one seeded generator.
pub struct Builder<'a> {
    rng: &'a mut ChaCha8Rng,
    pub dtype: DType,
    pub device: Device,
    pub reg: Registry,
}

impl<'a> Builder<'a> {
    pub fn new(rng: &'a mut ChaCha8Rng, dtype: DType, device: &Device) -> Self {
        Self {
            rng,
            dtype,
            device: device.clone(),
            reg: Registry::default(),
        }
    }

    fn claim(&mut self, name: &str) -> Result<()> {
        if !self.reg.names.insert(name.to_string()) {
            return Err(internal(format!("duplicate tensor name `{name}`")));
        }
        Ok(())
    }

    /// A tensor of `dtype` on the device from f64 host values.
    pub fn tensor(&self, values: Vec<f64>, shape: &[usize]) -> Result<Tensor> {
        let t = Tensor::from_vec(values, shape, &Device::Cpu)?;
        Ok(t.to_dtype(self.dtype)?.to_device(&self.device)?)
    }

    /// A trainable parameter drawn uniformly from [-bound, bound].
    pub fn uniform(&mut self, name: &str, shape: &[usize], bound: f64) -> Result<Var> {
        self.claim(name)?;
        let n: usize = shape.iter().product();
        let values: Vec<f64> = (0..n)
            .map(|_| self.rng.random_range(-1.0..1.0) * bound)
            .collect();
        let var = Var::from_tensor(&self.tensor(values, shape)?)?;
        self.reg.params.push((name.to_string(), var.clone()));
        Ok(var)
    }

    /// A constant tensor, trainable (a parameter) or not (a buffer).
    pub fn constant(
        &mut self,
        name: &str,
        shape: &[usize],
        value: f64,
        param: bool,
    ) -> Result<Var> {
        self.claim(name)?;
        let n: usize = shape.iter().product();
        let var = Var::from_tensor(&self.tensor(vec![value; n], shape)?)?;
        let list = if param {
            &mut self.reg.params
        } else {
            &mut self.reg.buffers
        };
        list.push((name.to_string(), var.clone()));
        Ok(var)
    }

    /// Conv weight [cout, cin_per_group, k, k] with PyTorch's default init.
    pub fn conv_weight(&mut self, name: &str, cout: usize, cin_g: usize, k: usize) -> Result<Var> {
        let fan_in = (cin_g * k * k) as f64;
        self.uniform(name, &[cout, cin_g, k, k], 1.0 / fan_in.sqrt())
    }
}

/// `a.b` joining that tolerates an empty prefix.
pub fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}
