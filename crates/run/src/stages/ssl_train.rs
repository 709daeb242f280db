//! `ssl_train`: self-supervised training of a fixed (derived) network. With `init = random`
//! it is the two-stage pre-training baseline; with `init = preserved` it continues the
//! search's training of the concomitant weights. Runs the search loop with one phase and no
//! architecture steps, so checkpoints, resume and metrics behave the same.

use super::common::Fail;
use super::networks;
use super::search::{run_with, FixedInit};
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use nas_ir::outputs::SslDone;
use nas_ir::{PhaseSpec, SamplerSpec, SearchSpec, SslTrainSpec, Transition};

pub fn run(ctx: &mut StageCtx<'_>, spec: &SslTrainSpec) -> Result<SslDone, RuntimeError> {
    let fail = Fail::new(ctx.stage);
    let genotype = match networks::derived_from(&spec.network) {
        Some(stage) => Some(networks::read_genotype(ctx, stage, &fail)?),
        None => None,
    };
    let weights = networks::init_file(ctx, &spec.network, &spec.init)?;
    let search = SearchSpec {
        network: spec.network.clone(),
        views: spec.views.clone(),
        objective: spec.objective.clone(),
        sampler: SamplerSpec::Darts,
        batch: spec.batch,
        split: 1.0,
        weights: spec.optim.clone(),
        arch: spec.optim.clone(),
        arch_every: 1,
        phases: vec![PhaseSpec {
            name: "train".into(),
            until: Transition::Epochs {
                epochs: spec.epochs,
            },
            arch_updates: false,
            drop: false,
            freeze: None,
            select: None,
            span: spec.span.clone(),
        }],
        epochs: spec.epochs,
        steps_per_epoch: spec.steps_per_epoch,
        span: spec.span.clone(),
    };
    run_with(ctx, &search, &FixedInit { genotype, weights })
}
