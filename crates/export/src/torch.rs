//! The folder the `nas_torch` Python package reads (`python/nas_torch/`): the network's IR
//! with its cells filled in, exactly the tensors the network uses, and what its input and
//! output mean.
//!
//! Contract: `network.json` is an `ir::NetworkSpec` (cells `genotype`), `weights.safetensors`
//! holds float32 tensors under the engine's names (which the package's modules reproduce),
//! `meta.json` holds `format` (`nas_torch`), `format_version`, `classes`, `input_size`,
//! `mean`, `std`, `genotype`, `ir_hash`, `pipeline`, `stage` and `output`. The weights are
//! checked against the network (every tensor present, with its shape) before anything is
//! written; the folder appears whole under its name or not at all.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::TensorView;
use safetensors::Dtype;

use crate::error::{internal, ExportError};
use crate::folder::Model;

/// Bumped when a file of the folder changes meaning or shape.
pub const TORCH_FORMAT_VERSION: u32 = 1;

/// The three files of the folder, encoded.
pub struct Folder {
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub tensors: usize,
}

/// The folder's files for `model`; `output` names the network's output (see `onnx`).
pub fn files(model: &Model) -> Result<Folder, ExportError> {
    // lowering to ONNX checks every tensor against the network and collects them in order
    let encoded = crate::onnx::encode(model)?;
    let taken = encoded.weights.taken();
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = taken
        .iter()
        .map(|(n, t)| {
            let raw = t.values.iter().flat_map(|v| v.to_le_bytes()).collect();
            (n.to_string(), t.shape.clone(), raw)
        })
        .collect();
    let mut views = Vec::with_capacity(bytes.len());
    for (name, shape, raw) in &bytes {
        let view = TensorView::new(Dtype::F32, shape.clone(), raw)
            .map_err(|e| internal(format!("tensor `{name}`: {e}")))?;
        views.push((name.clone(), view));
    }
    let info = HashMap::from([("format".to_string(), "nas_torch".to_string())]);
    let weights = safetensors::serialize(views, Some(info)).map_err(|e| internal(e.to_string()))?;
    let pretty =
        |v: &serde_json::Value| serde_json::to_vec_pretty(v).map_err(|e| internal(e.to_string()));
    let network = pretty(&serde_json::to_value(&model.spec).map_err(|e| internal(e.to_string()))?)?;
    let i = &model.input;
    let meta = pretty(&serde_json::json!({
        "format": "nas_torch",
        "format_version": TORCH_FORMAT_VERSION,
        "classes": model.classes.clone().unwrap_or_default(),
        "input_size": [i.channels, i.size, i.size],
        "mean": i.mean,
        "std": i.std,
        "genotype": model.genotype_text,
        "ir_hash": model.ir_hash,
        "pipeline": model.pipeline,
        "stage": model.stage,
        "output": encoded.output,
    }))?;
    Ok(Folder {
        tensors: bytes.len(),
        files: vec![
            ("network.json", network),
            ("weights.safetensors", weights),
            ("meta.json", meta),
        ],
    })
}

/// Write `folder` as `out`: into a temporary sibling, then renamed into place. An existing
/// `out` is replaced only when it is an earlier export (it has a `meta.json` of this format).
pub fn write(folder: &Folder, out: &Path) -> Result<(), ExportError> {
    let write_err = |path: &Path, source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if out.exists() && !is_export(out) {
        return Err(ExportError::OutExists {
            path: out.to_path_buf(),
        });
    }
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| write_err(parent, e))?;
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let old = parent.join(format!(".{name}.{}.old", std::process::id()));
    let written = (|| {
        let _ = std::fs::remove_dir_all(&tmp);
        std::fs::create_dir(&tmp)?;
        for (file, bytes) in &folder.files {
            nas_ir::files::write_atomic(&tmp.join(file), bytes)?;
        }
        if out.exists() {
            std::fs::rename(out, &old)?;
        }
        std::fs::rename(&tmp, out)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        if old.exists() && !out.exists() {
            let _ = std::fs::rename(&old, out);
        }
        return Err(write_err(out, e));
    }
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

fn is_export(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .is_some_and(|v| v["format"] == "nas_torch")
}
