//! One file per stage kind; `run_stage` dispatches on the IR's `StageKind`.

pub mod common;
pub mod derive;
pub mod knn;
pub mod lookup;
pub mod networks;
pub mod search;
pub mod select;
pub mod ssl_train;
pub mod supervised;

use super::error::RuntimeError;
use crate::ctx::StageCtx;
use nas_ir::outputs::Outcome;
use nas_ir::StageKind;

/// Run one stage; returns what it found (stored in `done.json`, read by the report).
pub fn run_stage(ctx: &mut StageCtx<'_>) -> Result<Outcome, RuntimeError> {
    let kind = ctx.stage.kind.clone();
    match &kind {
        StageKind::SslSearch(spec) => search::run(ctx, spec).map(Outcome::SslSearch),
        StageKind::Derive(spec) => derive::run(ctx, spec).map(Outcome::Derive),
        StageKind::Finetune(spec) => supervised::run(ctx, spec).map(Outcome::Finetune),
        StageKind::Train(spec) => supervised::run(ctx, spec).map(Outcome::Train),
        StageKind::LinearEval(spec) => supervised::run(ctx, spec).map(Outcome::LinearEval),
        StageKind::Knn(spec) => knn::run(ctx, spec).map(Outcome::Knn),
        StageKind::SslTrain(spec) => ssl_train::run(ctx, spec).map(Outcome::SslTrain),
        StageKind::Nb201Lookup(spec) => lookup::run(ctx, spec).map(Outcome::Nb201Lookup),
    }
}
