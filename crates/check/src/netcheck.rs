//! The networks of a lowered pipeline, measured by the IR's static estimate before the run:
//! a network whose layers do not fit its input (an auxiliary head on features smaller than
//! 8x8) or whose size overflows every count would otherwise fail only when the run builds it.
//!
//! Contract: one error per stage whose network the estimate calls invalid or too large,
//! located at the stage, or at its `auxiliary = ...` when the auxiliary head does not fit
//! (with a note at the user's pipeline when the stage comes from a library recipe). A
//! network whose cells a derive stage picks at run time is measured as the supernet they are
//! picked from: the same stem, reductions, channels and head, every candidate op on every
//! edge, an upper bound on the derived network's size.

use nas_ir::estimate::{estimate_network, estimate_train_memory, EstimateError};
use nas_ir::{AlphaSharing, CellSpec, EdgeMode, Family, NetworkSpec, Program};
use nas_syntax::diagnostics::Diag;

use crate::checked::CheckedPipeline;
use crate::error::CheckError;

/// Bytes per element of the training-memory estimate (f32).
const F32: usize = 4;

pub fn check(checked: &CheckedPipeline, program: &Program) -> Vec<Diag> {
    let mut out = Vec::new();
    for stage in &program.pipeline.stages {
        let Some(net) = stage.kind.network() else {
            continue;
        };
        let net = as_supernet(net);
        let estimate = estimate_network(&net, None).and_then(|e| match stage.kind.step_images() {
            Some(images) => estimate_train_memory(&net, None, images, F32).map(|_| e),
            None => Ok(e),
        });
        let problem = match estimate {
            Ok(_) | Err(EstimateError::NeedsGenotype(_)) => continue,
            Err(EstimateError::Invalid(reason)) => CheckError::InvalidNetwork {
                stage: stage.name.clone(),
                reason,
            },
            Err(EstimateError::TooLarge { what, value }) => CheckError::NetworkTooLarge {
                stage: stage.name.clone(),
                what,
                value,
            },
        };
        let checked_stage = checked.stages.iter().find(|s| s.name == stage.name);
        let span = checked_stage.map_or(checked.span, |s| s.span);
        // an auxiliary head that does not fit is the `auxiliary = ...` the user wrote
        let head_too_small = matches!(
            &problem,
            CheckError::InvalidNetwork { reason, .. } if reason.starts_with("the auxiliary head")
        );
        let aux = checked_stage
            .and_then(|s| s.rec.get("auxiliary"))
            .filter(|v| head_too_small && !v.v.is_none());
        let mut diag = match aux {
            Some(v) => Diag::error(problem, v.span, "the auxiliary head does not fit")
                .with_note(span, "the network of this stage"),
            None => Diag::error(problem, span, "the network of this stage"),
        };
        if let Some((at, text)) = checked.user_site(span) {
            diag = diag.with_note(at, text);
        }
        out.push(diag);
    }
    out
}

/// `net`, with cells that a derive stage picks replaced by the supernet they come from.
fn as_supernet(net: &NetworkSpec) -> NetworkSpec {
    let mut net = net.clone();
    let cell = match &mut net.family {
        Family::Darts(d) => &mut d.cell,
        Family::Nb201(n) => &mut n.cell,
    };
    if matches!(cell, CellSpec::Derived { .. }) {
        *cell = CellSpec::Search {
            alpha: AlphaSharing::Shared,
            mode: EdgeMode::Darts,
        };
    }
    net
}
