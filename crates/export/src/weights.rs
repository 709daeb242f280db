//! A stage's weights file (safetensors) read directly, without the engine: every tensor as
//! f32 values with its shape, handed out by name to the code that lowers the network.
//!
//! Contract: a tensor is taken with the shape the network needs, or the call fails with a
//! coded error naming the file and the tensor (`missing_weight`, `weight_shape`). Tensors
//! the network does not use (an auxiliary head, alphas, a projection head that fine-tuning
//! dropped) are ignored. Every tensor taken is kept, in order, so the PyTorch export can
//! write exactly the network's tensors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::{Dtype, SafeTensors};

use crate::error::ExportError;

/// One tensor: shape and row-major values.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// The tensors of one weights file.
#[derive(Debug)]
pub struct Weights {
    path: PathBuf,
    tensors: HashMap<String, Tensor>,
    /// Names taken so far, in order.
    taken: Vec<String>,
}

impl Weights {
    /// Read every tensor of `path` (f32 or f64 values).
    pub fn read(path: &Path) -> Result<Weights, ExportError> {
        let bytes = std::fs::read(path).map_err(|source| ExportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&bytes, path)
    }

    /// Parse the bytes of a safetensors file; `path` names it in errors.
    pub fn parse(bytes: &[u8], path: &Path) -> Result<Weights, ExportError> {
        let bad = |reason: String| ExportError::BadWeights {
            path: path.to_path_buf(),
            reason,
        };
        let st = SafeTensors::deserialize(bytes).map_err(|e| bad(e.to_string()))?;
        let mut tensors = HashMap::new();
        for (name, view) in st.tensors() {
            let values = match view.dtype() {
                Dtype::F32 => view
                    .data()
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect(),
                Dtype::F64 => view
                    .data()
                    .chunks_exact(8)
                    .map(|b| {
                        let a = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
                        f64::from_le_bytes(a) as f32
                    })
                    .collect(),
                other => {
                    return Err(bad(format!(
                        "the tensor `{name}` holds {other:?} values; nas writes F32"
                    )))
                }
            };
            let shape = view.shape().to_vec();
            tensors.insert(name, Tensor { shape, values });
        }
        Ok(Weights {
            path: path.to_path_buf(),
            tensors,
            taken: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The tensor `name`, which must have `shape`.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<&Tensor, ExportError> {
        let Some(t) = self.tensors.get(name) else {
            return Err(ExportError::MissingWeight {
                path: self.path.clone(),
                name: name.to_string(),
                shape: shape_text(shape),
            });
        };
        if t.shape != shape {
            return Err(ExportError::WeightShape {
                path: self.path.clone(),
                name: name.to_string(),
                found: shape_text(&t.shape),
                expected: shape_text(shape),
            });
        }
        if !self.taken.iter().any(|n| n == name) {
            self.taken.push(name.to_string());
        }
        Ok(t)
    }

    /// The tensors taken so far, in the order they were first taken.
    pub fn taken(&self) -> Vec<(&str, &Tensor)> {
        self.taken
            .iter()
            .filter_map(|n| self.tensors.get(n).map(|t| (n.as_str(), t)))
            .collect()
    }
}

/// `[36, 1, 3, 3]`.
pub fn shape_text(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(", "))
}
