//! Export of a run's found network, so that it can be used without `nas`: an ONNX model
//! (opset 17, checked by onnxruntime against the engine's outputs in CI) or the folder that
//! the `nas_torch` Python package (`python/nas_torch/`) rebuilds in plain `torch.nn`.
//!
//! One entry function, [`export`]; [`open`] reads a stage of a run folder for the callers
//! that run the network themselves (`nas predict`). The network is rebuilt here from its IR
//! ([`network`]) and its weights are read straight from the stage's safetensors file
//! ([`weights`]): this crate depends on the IR alone, not on the engine, and a test
//! compares the two on the same inputs. Library code: nothing here prints; every failure
//! is an [`ExportError`] with a code explained by `nas explain` ([`codes`]).

pub mod classes;
pub mod codes;
pub mod error;
pub mod folder;
pub mod graph;
pub mod layers;
pub mod network;
pub mod onnx;
pub mod proto;
pub mod suggest;
pub mod torch;
pub mod weights;

use std::path::{Path, PathBuf};

pub use error::ExportError;
pub use folder::{open, InputSpec, Model};

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One `.onnx` file.
    Onnx,
    /// A folder for the `nas_torch` package: `network.json`, `weights.safetensors`, `meta.json`.
    Torch,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// The stage whose network was exported (the default one when none was named).
    pub stage: String,
    pub kind: &'static str,
    pub out: PathBuf,
    /// Weight tensors written.
    pub tensors: usize,
    /// Bytes written.
    pub bytes: usize,
}

/// Check that `model`'s weights file holds every tensor its network needs, with its shape,
/// as an export would (`nas predict` calls this before it runs the network).
pub fn check(model: &Model) -> Result<(), ExportError> {
    onnx::encode(model).map(|_| ())
}

/// Export the network of `stage` (default: see [`folder`]) of the run folder `run` to
/// `out`, written whole or not at all.
pub fn export(
    run: &Path,
    stage: Option<&str>,
    format: Format,
    out: &Path,
) -> Result<Exported, ExportError> {
    let model = open(run, stage)?;
    let (tensors, bytes) = match format {
        Format::Onnx => {
            let enc = onnx::encode(&model)?;
            if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| ExportError::Write {
                    path: parent.to_path_buf(),
                    source,
                })?;
            }
            nas_ir::files::write_atomic(out, &enc.bytes).map_err(|source| ExportError::Write {
                path: out.to_path_buf(),
                source,
            })?;
            (enc.weights.taken().len(), enc.bytes.len())
        }
        Format::Torch => {
            let folder = torch::files(&model)?;
            torch::write(&folder, out)?;
            let bytes = folder.files.iter().map(|(_, b)| b.len()).sum();
            (folder.tensors, bytes)
        }
    };
    Ok(Exported {
        stage: model.stage,
        kind: model.kind,
        out: out.to_path_buf(),
        tensors,
        bytes,
    })
}
