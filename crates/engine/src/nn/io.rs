//! Safetensors checkpoints of a network: parameters, BN buffers and alphas under their
//! stable names.
//!
//! Contract: `load` requires the file to hold exactly the network's tensors with the same
//! shapes; any missing, extra or differently shaped tensor is an error naming it, and
//! nothing is changed unless every tensor fits.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Tensor, Var};

use super::error::{NnError, Result};
use super::network::Network;

impl Network {
    /// Every named tensor of the network (params, buffers, alphas).
    pub fn named_tensors(&self) -> Vec<(String, Var)> {
        let mut v: Vec<(String, Var)> = self.params().to_vec();
        v.extend(self.buffers().iter().cloned());
        v.extend(self.alphas());
        v
    }

    /// Write every tensor to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let map: HashMap<String, Tensor> = self
            .named_tensors()
            .into_iter()
            .map(|(n, v)| (n, v.as_tensor().clone()))
            .collect();
        candle_core::safetensors::save(&map, path).map_err(|source| NnError::CheckpointFile {
            path: path.display().to_string(),
            source,
        })
    }

    /// Read a file written by `save` for a network of the same shape.
    pub fn load(&self, path: &Path) -> Result<()> {
        let mut map = candle_core::safetensors::load(path, self.device()).map_err(|source| {
            NnError::CheckpointFile {
                path: path.display().to_string(),
                source,
            }
        })?;
        self.load_map(&mut map)
    }

    /// Load from named tensors (all-or-nothing).
    pub fn load_map(&self, map: &mut HashMap<String, Tensor>) -> Result<()> {
        let mine = self.named_tensors();
        let mut staged = Vec::with_capacity(mine.len());
        for (name, var) in &mine {
            let t = map.remove(name).ok_or_else(|| NnError::Checkpoint {
                name: name.clone(),
                problem: "missing from the checkpoint".into(),
            })?;
            if t.dims() != var.dims() {
                return Err(NnError::Checkpoint {
                    name: name.clone(),
                    problem: format!(
                        "shape {:?} in the checkpoint, {:?} in the network",
                        t.dims(),
                        var.dims()
                    ),
                });
            }
            staged.push((var, t.to_dtype(var.dtype())?.to_device(var.device())?));
        }
        if let Some(extra) = map.keys().min() {
            return Err(NnError::Checkpoint {
                name: extra.clone(),
                problem: "in the checkpoint but not in the network".into(),
            });
        }
        for (var, t) in staged {
            var.set(&t)?;
        }
        Ok(())
    }
}
