//! The IR: the public, serde-serialisable contract between the front end and the engine.
//!
//! `nas ir FILE` prints it as JSON. Every name is resolved and every default filled in;
//! nodes that a runtime error may need to point at keep their source `Span`. The IR of a
//! pipeline round-trips through JSON unchanged (`format_version` guards the schema).
//!
//! Besides the program itself ([`Program`], [`data`], [`net`], [`train`]) the contract holds
//! what several layers must agree on: what a stage leaves in the run folder ([`outputs`]) and
//! how files there are written ([`files`]), the random streams of a run ([`streams`]),
//! network sizes ([`estimate`]), genotypes as `.nas` source ([`source`]), ready-made specs
//! ([`specs`]) and the form of diagnostic-code tables ([`codes`]). This crate depends on
//! serde alone.

pub mod codes;
pub mod data;
pub mod estimate;
pub mod files;
pub mod fnv;
pub mod net;
pub mod outputs;
pub mod source;
pub mod specs;
pub mod streams;
pub mod train;

use serde::{Deserialize, Serialize};

pub use data::*;
pub use net::*;
pub use train::*;

/// Bumped whenever a field changes meaning or shape.
pub const FORMAT_VERSION: u32 = 1;

/// A location in a `.nas` source: the file as displayed to users (`examples/x.nas`,
/// `std/recipes/sswp.nas`), byte offsets, and the 1-based line and column of `start`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    pub file: String,
    pub start: usize,
    pub end: usize,
    pub line: u32,
    pub col: u32,
}

/// The IR of one pipeline, ready to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub format_version: u32,
    pub pipeline: Pipeline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    pub name: String,
    pub seed: u64,
    pub data: DatasetSpec,
    /// Stages in a valid execution order (every stage after the stages it depends on).
    pub stages: Vec<Stage>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    /// Stages that must complete before this one (from `after` and from references).
    pub after: Vec<String>,
    pub kind: StageKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageKind {
    SslSearch(SearchSpec),
    Derive(DeriveSpec),
    Finetune(SupervisedSpec),
    LinearEval(SupervisedSpec),
    Train(SupervisedSpec),
    Knn(KnnSpec),
    SslTrain(SslTrainSpec),
    Nb201Lookup(LookupSpec),
}

impl StageKind {
    /// The stage kind's name as written in `.nas` files.
    pub fn name(&self) -> &'static str {
        match self {
            StageKind::SslSearch(_) => "ssl_search",
            StageKind::Derive(_) => "derive",
            StageKind::Finetune(_) => "finetune",
            StageKind::LinearEval(_) => "linear_eval",
            StageKind::Train(_) => "train",
            StageKind::Knn(_) => "knn",
            StageKind::SslTrain(_) => "ssl_train",
            StageKind::Nb201Lookup(_) => "nb201_lookup",
        }
    }

    /// The network the stage builds (none for `derive`).
    pub fn network(&self) -> Option<&NetworkSpec> {
        match self {
            StageKind::SslSearch(s) => Some(&s.network),
            StageKind::Derive(_) | StageKind::Nb201Lookup(_) => None,
            StageKind::Finetune(s) | StageKind::LinearEval(s) | StageKind::Train(s) => {
                Some(&s.network)
            }
            StageKind::Knn(s) => Some(&s.network),
            StageKind::SslTrain(s) => Some(&s.network),
        }
    }

    /// Images (views) one training step pushes through the network (none for stages that
    /// do not train one: `derive`, `knn`; `linear_eval` trains only its probe, but its
    /// forward passes are batched as a training step is).
    pub fn step_images(&self) -> Option<usize> {
        match self {
            StageKind::SslSearch(s) => Some(s.batch * s.views.views.max(1)),
            StageKind::SslTrain(s) => Some(s.batch * s.views.views.max(1)),
            StageKind::Finetune(s) | StageKind::Train(s) | StageKind::LinearEval(s) => {
                Some(s.batch)
            }
            StageKind::Knn(_) | StageKind::Derive(_) | StageKind::Nb201Lookup(_) => None,
        }
    }
}
