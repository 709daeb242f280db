//! The interpreter: runs a pipeline's IR stage by stage and writes the run folder.

pub mod checkpoint;
pub mod codes;
pub mod ctx;
pub mod device;
pub mod dot;
pub mod error;
pub mod events;
pub mod executor;
pub mod hash;
pub mod lock;
pub mod memory;
pub mod metrics;
pub mod phases;
pub mod rerun;
pub mod stages;
pub mod state;

pub use ctx::StageCtx;
pub use executor::{run, RunOptions, RunSummary};
