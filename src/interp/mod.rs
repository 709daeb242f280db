//! The interpreter: runs a pipeline's IR stage by stage and writes the run folder.

pub mod checkpoint;
pub mod error;
pub mod events;
pub mod hash;
pub mod metrics;
