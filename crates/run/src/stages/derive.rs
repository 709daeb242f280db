//! `derive`: the discrete architecture of a finished search and its preserved
//! ("concomitant") weights (reference §4).
//!
//! Writes `genotype.json` (per-cell pairs, the DARTS `Genotype` string when cells are
//! shared, the NB201 string for NB201), `genotype.nas` (the same as a `.nas` literal to
//! paste into a pipeline), `network.json` (the derived network's IR, enough
//! to rebuild it), `weights.safetensors`, `preserve.json` (which tensors were copied, left
//! fresh or dropped) and `cells.dot` (plus `cells.svg` when Graphviz is installed).

use std::process::Command;

use candle_core::{DType, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use super::common::Fail;
use super::search::load_supernet;
use crate::checkpoint::write_atomic;
use crate::ctx::StageCtx;
use crate::dot::{cells_dot, named_cells};
use crate::error::RuntimeError;
use crate::events::Event;
use nas_engine::nn::{
    darts_genotype_string, nb201_genotype_string, preserve, DeriveOptions, Network,
};
use nas_ir::outputs::{DeriveDone, DeriveResult};
use nas_ir::streams::{self, Stream};
use nas_ir::{CellSpec, DeriveSpec, Family, Genotype, NetworkSpec, StageKind};

pub fn run(ctx: &mut StageCtx<'_>, spec: &DeriveSpec) -> Result<DeriveDone, RuntimeError> {
    let fail = Fail::new(ctx.stage);
    let search = ctx
        .program
        .pipeline
        .stages
        .iter()
        .find_map(|st| match &st.kind {
            StageKind::SslSearch(s) if st.name == spec.search => Some(s),
            _ => None,
        })
        .ok_or_else(|| RuntimeError::MissingInput {
            stage: ctx.stage.name.clone(),
            needs: spec.search.clone(),
        })?;
    let supernet = load_supernet(ctx, &spec.search, search, &fail)?;
    let genotype = supernet
        .derive(&DeriveOptions::from(spec))
        .map_err(|e| fail.nn(e))?;
    let net_spec = derived_spec(&search.network, &genotype);
    let mut rng =
        ChaCha8Rng::seed_from_u64(streams::seed(ctx.program.pipeline.seed, Stream::DeriveInit));
    let mut derived =
        Network::new(&net_spec, None, &mut rng, DType::F32, ctx.device).map_err(|e| fail.nn(e))?;
    let report = preserve(&supernet, &mut derived).map_err(|e| fail.nn(e))?;
    let all_frozen = (0..supernet.cell_count()).all(|i| !supernet.is_searching(i));
    let max_diff = if all_frozen {
        Some(output_difference(
            &supernet,
            &derived,
            streams::seed(ctx.program.pipeline.seed, Stream::DeriveCheck),
            &fail,
        )?)
    } else {
        None
    };

    let text = genotype_text(&net_spec, &genotype);
    let dir = &ctx.dir;
    let write = |name: &str, body: &[u8]| {
        write_atomic(&dir.join(name), body).map_err(|e| fail.io(&dir.join(name), e))
    };
    let pretty =
        |v: &serde_json::Value| serde_json::to_string_pretty(v).map_err(|e| fail.internal(e));
    write(
        "genotype.json",
        pretty(&genotype_json(&net_spec, &genotype, &text))?.as_bytes(),
    )?;
    let source = format!(
        "// The genotype derived by stage `{}`, as .nas source: use it as\n\
         // `genotype = derived` of a network with the searched space (and, per cell, depth).\n{}",
        ctx.stage.name,
        nas_ir::source::genotype_source("derived", &net_spec, &genotype)
    );
    write("genotype.nas", source.as_bytes())?;
    write(
        "network.json",
        pretty(&serde_json::to_value(&net_spec).map_err(|e| fail.internal(e))?)?.as_bytes(),
    )?;
    super::common::save_weights(&derived, &dir.join("weights.safetensors"), &fail)?;
    let preserve_json = json!({
        "copied": report.copied, "fresh": report.fresh, "dropped": report.dropped,
        "mismatched": report.mismatched,
    });
    write("preserve.json", pretty(&preserve_json)?.as_bytes())?;
    let inputs = match &net_spec.family {
        Family::Darts(_) => 2,
        Family::Nb201(_) => 1,
    };
    let dot = cells_dot(&genotype, inputs);
    write("cells.dot", dot.as_bytes())?;
    render_svg(ctx);
    ctx.sink.emit(Event::Genotype {
        stage: ctx.stage.name.clone(),
        text: text.clone(),
    });
    Ok(DeriveDone {
        result: DeriveResult {
            copied: report.copied.len(),
            fresh: report.fresh.len(),
            dropped: report.dropped.len(),
            preservation_max_abs_diff: max_diff,
        },
        genotype_text: text,
        genotype: Some(genotype),
    })
}

/// The search network with its cells fixed to `genotype`.
pub fn derived_spec(search: &NetworkSpec, genotype: &Genotype) -> NetworkSpec {
    let mut spec = search.clone();
    let cell = CellSpec::Genotype {
        genotype: genotype.clone(),
    };
    match &mut spec.family {
        Family::Darts(d) => d.cell = cell,
        Family::Nb201(n) => n.cell = cell,
    }
    spec
}

fn genotype_text(spec: &NetworkSpec, g: &Genotype) -> String {
    match (&spec.family, g) {
        (Family::Nb201(_), Genotype::Shared { normal, .. }) => nb201_genotype_string(normal),
        (Family::Nb201(_), Genotype::PerCell { cells }) if !cells.is_empty() => cells
            .iter()
            .map(nb201_genotype_string)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => darts_genotype_string(g),
    }
}

fn genotype_json(spec: &NetworkSpec, g: &Genotype, text: &str) -> serde_json::Value {
    let cells: Vec<serde_json::Value> = named_cells(g)
        .into_iter()
        .map(|(name, c)| {
            let pairs: Vec<(String, usize)> = c
                .nodes
                .iter()
                .flatten()
                .map(|e| (e.op.clone(), e.input))
                .collect();
            json!({ "cell": name, "pairs": pairs, "concat": c.concat })
        })
        .collect();
    let key = match (&spec.family, g) {
        (Family::Nb201(_), _) => "nb201",
        (_, Genotype::Shared { .. }) => "darts",
        _ => "net_config",
    };
    json!({ "cells": cells, key: text, "genotype": g })
}

/// Max |supernet(x) - derived(x)| in evaluation mode on a fixed random batch: 0 up to
/// rounding when every cell was frozen, which checks the preservation end to end.
fn output_difference(
    a: &Network,
    b: &Network,
    seed: u64,
    fail: &Fail,
) -> Result<f64, RuntimeError> {
    let spec = a.spec();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = 4 * spec.in_channels * spec.image_size * spec.image_size;
    let vals: Vec<f32> = (0..n)
        .map(|_| rand::Rng::random_range(&mut rng, -1.0f32..1.0))
        .collect();
    let x = Tensor::from_vec(
        vals,
        (4, spec.in_channels, spec.image_size, spec.image_size),
        a.device(),
    )
    .map_err(|e| fail.tensor("probe batch", e))?;
    let ya = a.forward_t(&x, false).map_err(|e| fail.nn(e))?.out;
    let yb = b.forward_t(&x, false).map_err(|e| fail.nn(e))?.out;
    let d = (ya - yb)
        .and_then(|d| d.abs())
        .and_then(|d| d.flatten_all())
        .and_then(|d| d.max(0));
    super::common::scalar(&d.map_err(|e| fail.tensor("comparing outputs", e))?, fail)
}

/// `cells.svg` from `cells.dot` when Graphviz's `dot` is on the PATH (optional).
fn render_svg(ctx: &StageCtx<'_>) {
    let dot = ctx.dir.join("cells.dot");
    let svg = ctx.dir.join("cells.svg");
    let _ = Command::new("dot")
        .arg("-Tsvg")
        .arg(&dot)
        .arg("-o")
        .arg(&svg)
        .output();
}
