//! One file per stage kind; `run_stage` dispatches on the IR's `StageKind`.

pub mod common;
pub mod derive;
pub mod knn;
pub mod networks;
pub mod search;
pub mod ssl_train;
pub mod supervised;

use super::error::RuntimeError;
use super::executor::StageCtx;
use crate::ir::StageKind;

/// Run one stage; returns its summary record (stored in `done.json` and the report).
pub fn run_stage(ctx: &mut StageCtx<'_>) -> Result<serde_json::Value, RuntimeError> {
    let kind = ctx.stage.kind.clone();
    match &kind {
        StageKind::SslSearch(spec) => search::run(ctx, spec),
        StageKind::Derive(spec) => derive::run(ctx, spec),
        StageKind::Finetune(spec) | StageKind::Train(spec) | StageKind::LinearEval(spec) => {
            supervised::run(ctx, spec)
        }
        StageKind::Knn(spec) => knn::run(ctx, spec),
        StageKind::SslTrain(spec) => ssl_train::run(ctx, spec),
    }
}
