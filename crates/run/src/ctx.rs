//! What the executor hands a stage: the program, the stage, its folder, the device, the stop
//! flag, the event sink and the stage's clock. Its own file so that the stages depend on it
//! and the executor on the stages, without a loop.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use candle_core::Device;
use serde_json::json;

use crate::checkpoint::{self, write_atomic, Checkpoint};
use crate::error::RuntimeError;
use crate::events::EventSink;
use crate::metrics::MetricsLog;
use nas_ir::{Program, Stage};

/// Everything a stage needs from the executor.
pub struct StageCtx<'a> {
    pub program: &'a Program,
    pub stage: &'a Stage,
    /// `<out>/<stage>`.
    pub dir: PathBuf,
    /// The run folder.
    pub out: &'a Path,
    pub device: &'a Device,
    pub resume: bool,
    pub stop: &'a AtomicBool,
    pub sink: &'a mut dyn EventSink,
    /// Wall time of the stage, over every segment of a resumed run.
    pub clock: StageClock,
}

impl StageCtx<'_> {
    /// The folder of another stage of this run.
    pub fn stage_dir(&self, name: &str) -> PathBuf {
        self.out.join(name)
    }

    /// Whether the stage continues from its checkpoint rather than starting over. An epoch's
    /// metrics line is written just before its checkpoint, so a kill between the two (or
    /// during the first checkpoint's write) leaves one line and no checkpoint: the stage
    /// starts over. More lines without a checkpoint mean it was removed: loading it is then an
    /// error (`nas::run::checkpoint`), not a silent restart.
    pub fn resumes_from_checkpoint(&self) -> bool {
        let lines = MetricsLog::read::<serde_json::Value>(&self.dir).map_or(0, |r| r.len());
        self.resume
            && (self
                .dir
                .join("checkpoint")
                .join(checkpoint::FILE_NAME)
                .exists()
                || lines > 1)
    }

    /// Write the stage's checkpoint to `<stage>/checkpoint`, with the stage's wall time so
    /// far beside it (`clock.json`, outside the checkpoint so that the checkpoint's bytes
    /// stay a function of the computation alone).
    pub fn save_checkpoint(&self, ckpt: &Checkpoint) -> Result<(), RuntimeError> {
        let dir = self.dir.join("checkpoint");
        checkpoint::save(&dir, ckpt)?;
        let path = dir.join(CLOCK_FILE);
        let text = json!({ "seconds": self.clock.seconds() }).to_string();
        write_atomic(&path, text.as_bytes()).map_err(|source| RuntimeError::Io { path, source })
    }
}

/// Beside a checkpoint: the wall seconds the stage had run when it was written.
const CLOCK_FILE: &str = "clock.json";

/// A stage's wall time: the seconds of earlier segments (up to the checkpoint a resumed
/// stage continues from; work redone after it is counted once) plus this segment's.
#[derive(Debug, Clone, Copy)]
pub struct StageClock {
    before: f64,
    started: Instant,
}

impl StageClock {
    /// Starts now; `before` comes from the checkpoint's `clock.json` when resuming.
    pub(crate) fn start(stage_dir: &Path, resume: bool) -> Self {
        let before = if resume {
            fs::read_to_string(stage_dir.join("checkpoint").join(CLOCK_FILE))
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .and_then(|v| v.get("seconds").and_then(serde_json::Value::as_f64))
                .filter(|s| s.is_finite() && *s >= 0.0)
                .unwrap_or(0.0)
        } else {
            0.0
        };
        StageClock {
            before,
            started: Instant::now(),
        }
    }

    pub fn seconds(&self) -> f64 {
        self.before + self.started.elapsed().as_secs_f64()
    }
}
