//! `metrics.jsonl`: one JSON object per epoch, appended and flushed as the stage runs.
//!
//! On resume the file is cut back to the epochs the checkpoint covers, so that it never
//! holds a line for an epoch whose state was lost.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Appends epoch records to a stage's `metrics.jsonl`.
pub struct MetricsLog {
    path: PathBuf,
}

impl MetricsLog {
    /// Open `dir/metrics.jsonl`, keeping only the lines for which `covered(seed, epoch)`
    /// holds: the epochs the stage's checkpoint covers (`seed` is None in stages without
    /// seeds). A line that cannot be read is dropped with the uncovered ones.
    pub fn open(dir: &Path, covered: impl Fn(Option<u64>, usize) -> bool) -> std::io::Result<Self> {
        fs::create_dir_all(dir)?;
        let path = dir.join("metrics.jsonl");
        let kept: Vec<String> = match fs::read_to_string(&path) {
            Ok(text) => text
                .lines()
                .filter(|l| {
                    let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
                        return false;
                    };
                    let seed = v.get("seed").and_then(serde_json::Value::as_u64);
                    v.get("epoch")
                        .and_then(serde_json::Value::as_u64)
                        .is_some_and(|e| covered(seed, e as usize))
                })
                .map(str::to_owned)
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut body = kept.join("\n");
        if !body.is_empty() {
            body.push('\n');
        }
        nas_ir::files::write_atomic(&path, body.as_bytes())?;
        Ok(MetricsLog { path })
    }

    /// Append one record (an `nas_ir::outputs` line type) and flush it to disk.
    pub fn append<T: Serialize>(&mut self, record: &T) -> std::io::Result<()> {
        let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        let mut f = OpenOptions::new()
            .append(true)
            .create(true)
            .open(&self.path)?;
        writeln!(f, "{line}")?;
        f.sync_data()
    }

    /// Every record in the file that reads as `T`.
    pub fn read<T: DeserializeOwned>(dir: &Path) -> std::io::Result<Vec<T>> {
        let text = fs::read_to_string(dir.join("metrics.jsonl"))?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }
}
