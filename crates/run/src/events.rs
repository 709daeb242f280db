//! Progress events: the library reports what a run is doing through an `EventSink`; only
//! the CLI renders them (bars on a terminal, plain lines otherwise), tests capture them.

use serde::Serialize;

/// Something a run reports as it goes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    StageStart {
        stage: String,
        kind: String,
        epochs: usize,
    },
    /// A completed stage whose IR did not change is not run again.
    StageSkipped {
        stage: String,
        reason: String,
    },
    /// A stage the folder held from an earlier run runs again, replacing its results.
    StageRerun {
        stage: String,
        reason: String,
    },
    EpochStart {
        stage: String,
        epoch: usize,
        epochs: usize,
        steps: usize,
        phase: String,
    },
    Step {
        stage: String,
        epoch: usize,
        step: usize,
        steps: usize,
        loss: f64,
        lr: f64,
        images_per_sec: f64,
    },
    /// One line of `metrics.jsonl`.
    EpochEnd {
        stage: String,
        epoch: usize,
        metrics: serde_json::Value,
    },
    CellFrozen {
        stage: String,
        cell: usize,
        epoch: usize,
    },
    /// Perturbation selection fixed an edge: the kept op and, per candidate, how much the
    /// loss rose without it.
    EdgeSelected {
        stage: String,
        epoch: usize,
        /// `alphas.normal[3]`.
        edge: String,
        kept: String,
        increase: Vec<(String, f64)>,
    },
    /// Perturbation selection kept these incoming edges (alpha rows) of a node and dropped
    /// the others; per edge, how much the loss rose without it.
    InputsSelected {
        stage: String,
        epoch: usize,
        group: String,
        kept: Vec<usize>,
        increase: Vec<(usize, f64)>,
    },
    Genotype {
        stage: String,
        text: String,
    },
    Resumed {
        stage: String,
        epoch: usize,
    },
    StageEnd {
        stage: String,
        seconds: f64,
    },
    Note {
        text: String,
    },
}

/// Receives events; implemented by the CLI's renderer and by test collectors.
pub trait EventSink {
    fn emit(&mut self, event: Event);
}

/// Discards events.
pub struct NullSink;

impl EventSink for NullSink {
    fn emit(&mut self, _event: Event) {}
}

/// Keeps every event (for tests and reports).
#[derive(Default)]
pub struct VecSink(pub Vec<Event>);

impl EventSink for VecSink {
    fn emit(&mut self, event: Event) {
        self.0.push(event);
    }
}
