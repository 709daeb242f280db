//! Checkpoints: one safetensors file holding every tensor of a stage's state (weights,
//! running statistics, alphas, optimiser state) plus a JSON metadata record (epoch,
//! step, RNG state, IR hash) and a checksum of all of it.
//!
//! Contract: `save` never leaves a partial file under the final name: it writes a
//! temporary file in the same folder, syncs it, renames it over the old one and syncs the
//! folder. `load` either returns the complete state or a `CheckpointError` naming the file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use nas_ir::files::write_atomic;

use candle_core::{DType, Device, Tensor};
use safetensors::tensor::{Dtype as StDtype, TensorView};

use super::hash::Fnv64;

/// The safetensors metadata key holding `<checksum hex>\n<meta json>`.
const META_KEY: &str = "nas";

/// Name of the checkpoint file inside `<stage>/checkpoint/`.
pub const FILE_NAME: &str = "state.safetensors";

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("cannot write checkpoint {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("checkpoint {path} is missing")]
    Missing { path: PathBuf },
    #[error("checkpoint {path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("checkpoint tensor `{name}`: {source}")]
    Tensor {
        name: String,
        source: candle_core::Error,
    },
}

/// The full state of a stage at an epoch boundary.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    /// Named tensors (weights, buffers, alphas, optimiser state: the caller prefixes them).
    pub tensors: BTreeMap<String, Tensor>,
    /// Free-form JSON: epoch, step, RNG state, IR hash, ...
    pub meta: serde_json::Value,
}

/// Write `ckpt` atomically to `dir/FILE_NAME`.
pub fn save(dir: &Path, ckpt: &Checkpoint) -> Result<(), CheckpointError> {
    let path = dir.join(FILE_NAME);
    let werr = |source| CheckpointError::Write {
        path: path.clone(),
        source,
    };
    fs::create_dir_all(dir).map_err(werr)?;
    let mut raw: Vec<(String, StDtype, Vec<usize>, Vec<u8>)> = Vec::new();
    for (name, t) in &ckpt.tensors {
        let (dtype, bytes) = tensor_bytes(t).map_err(|source| CheckpointError::Tensor {
            name: name.clone(),
            source,
        })?;
        raw.push((name.clone(), dtype, t.dims().to_vec(), bytes));
    }
    let mut hasher = Fnv64::new();
    for (name, _, shape, bytes) in &raw {
        hasher.write(name.as_bytes());
        hasher.write(&format!("{shape:?}").into_bytes());
        hasher.write(bytes);
    }
    let meta_json = ckpt.meta.to_string();
    hasher.write(meta_json.as_bytes());
    // One metadata entry only: safetensors keeps metadata in a HashMap, whose order (and so
    // the file's bytes) would otherwise change from process to process.
    let mut metadata = std::collections::HashMap::new();
    metadata.insert(
        META_KEY.to_string(),
        format!("{:016x}\n{meta_json}", hasher.finish()),
    );
    let views: Vec<(String, TensorView<'_>)> = raw
        .iter()
        .map(|(n, d, s, b)| {
            TensorView::new(*d, s.clone(), b)
                .map(|v| (n.clone(), v))
                .map_err(|e| CheckpointError::Corrupt {
                    path: path.clone(),
                    reason: e.to_string(),
                })
        })
        .collect::<Result<_, _>>()?;
    let bytes =
        safetensors::serialize(views, Some(metadata)).map_err(|e| CheckpointError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    write_atomic(&path, &bytes).map_err(werr)
}

/// Read and verify `dir/FILE_NAME`; tensors are placed on `device`.
pub fn load(dir: &Path, device: &Device) -> Result<Checkpoint, CheckpointError> {
    let path = dir.join(FILE_NAME);
    if !path.exists() {
        return Err(CheckpointError::Missing { path });
    }
    let corrupt = |reason: String| CheckpointError::Corrupt {
        path: path.clone(),
        reason,
    };
    let bytes = fs::read(&path).map_err(|e| corrupt(e.to_string()))?;
    let (_, header) =
        safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| corrupt(e.to_string()))?;
    let md = header
        .metadata()
        .clone()
        .ok_or_else(|| corrupt("no metadata".into()))?;
    let record = md
        .get(META_KEY)
        .ok_or_else(|| corrupt("no `nas` metadata record".into()))?;
    let (want, meta_json) = record
        .split_once('\n')
        .ok_or_else(|| corrupt("no checksum".into()))?;
    let mut names: Vec<String> = st.names().into_iter().map(|n| n.to_string()).collect();
    names.sort();
    let mut hasher = Fnv64::new();
    let mut tensors = BTreeMap::new();
    for name in names {
        let view = st.tensor(&name).map_err(|e| corrupt(e.to_string()))?;
        hasher.write(name.as_bytes());
        hasher.write(&format!("{:?}", view.shape()).into_bytes());
        hasher.write(view.data());
        let t = tensor_from_view(&view, device)
            .map_err(|e| corrupt(format!("tensor `{name}`: {e}")))?;
        tensors.insert(name, t);
    }
    hasher.write(meta_json.as_bytes());
    if format!("{:016x}", hasher.finish()) != want {
        return Err(corrupt("checksum mismatch".into()));
    }
    let meta = serde_json::from_str(meta_json).map_err(|e| corrupt(format!("metadata: {e}")))?;
    Ok(Checkpoint { tensors, meta })
}

fn tensor_bytes(t: &Tensor) -> candle_core::Result<(StDtype, Vec<u8>)> {
    let t = t.flatten_all()?;
    Ok(match t.dtype() {
        DType::F64 => (
            StDtype::F64,
            t.to_vec1::<f64>()?
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        DType::U32 => (
            StDtype::U32,
            t.to_vec1::<u32>()?
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        DType::I64 => (
            StDtype::I64,
            t.to_vec1::<i64>()?
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        _ => (
            StDtype::F32,
            t.to_dtype(DType::F32)?
                .to_vec1::<f32>()?
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
    })
}

fn tensor_from_view(view: &TensorView<'_>, device: &Device) -> candle_core::Result<Tensor> {
    let shape = view.shape().to_vec();
    let data = view.data();
    let t = match view.dtype() {
        StDtype::F32 => Tensor::from_vec(le_chunks(data, f32::from_le_bytes), shape, device)?,
        StDtype::F64 => Tensor::from_vec(le_chunks(data, f64::from_le_bytes), shape, device)?,
        StDtype::U32 => Tensor::from_vec(le_chunks(data, u32::from_le_bytes), shape, device)?,
        StDtype::I64 => Tensor::from_vec(le_chunks(data, i64::from_le_bytes), shape, device)?,
        other => candle_core::bail!("unsupported dtype {other:?}"),
    };
    Ok(t)
}

fn le_chunks<T, const N: usize>(data: &[u8], f: fn([u8; N]) -> T) -> Vec<T> {
    data.chunks_exact(N)
        .map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            f(a)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Checkpoint {
        let dev = Device::Cpu;
        let mut tensors = BTreeMap::new();
        tensors.insert(
            "w".into(),
            Tensor::new(&[[1.5f32, -2.0], [3.0, 4.25]], &dev).unwrap(),
        );
        tensors.insert("b".into(), Tensor::new(&[0.1f64, 0.2], &dev).unwrap());
        Checkpoint {
            tensors,
            meta: serde_json::json!({"epoch": 3, "step": 17}),
        }
    }

    #[test]
    fn save_then_load_is_identical() {
        let dir = tempdir("ckpt_ok");
        save(&dir, &sample()).unwrap();
        let back = load(&dir, &Device::Cpu).unwrap();
        assert_eq!(back.meta["epoch"], 3);
        let w: Vec<Vec<f32>> = back.tensors["w"].to_vec2().unwrap();
        assert_eq!(w, vec![vec![1.5, -2.0], vec![3.0, 4.25]]);
        assert_eq!(back.tensors["b"].to_vec1::<f64>().unwrap(), vec![0.1, 0.2]);
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec![FILE_NAME.to_string()],
            "no temporary file is left"
        );
    }

    #[test]
    fn truncated_or_flipped_file_is_an_error_naming_it() {
        let dir = tempdir("ckpt_bad");
        save(&dir, &sample()).unwrap();
        let path = dir.join(FILE_NAME);
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let err = load(&dir, &Device::Cpu).unwrap_err().to_string();
        assert!(err.contains(FILE_NAME) && err.contains("corrupt"), "{err}");
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x40;
        fs::write(&path, &flipped).unwrap();
        let err = load(&dir, &Device::Cpu).unwrap_err().to_string();
        assert!(err.contains("checksum"), "{err}");
        fs::remove_file(&path).unwrap();
        assert!(matches!(
            load(&dir, &Device::Cpu),
            Err(CheckpointError::Missing { .. })
        ));
    }

    fn tempdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("nas_{tag}_{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }
}
