//! Building the fixed networks of the stages after a search: the genotype a derive stage
//! wrote, and initial weights taken by name from another stage's weights file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use candle_core::{DType, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::common::Fail;
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use nas_engine::nn::Network;
use nas_ir::outputs::WeightsLoad;
use nas_ir::{CellSpec, Family, Genotype, InitSpec, NetworkSpec, StageKind};

/// The derive stage a network's cells come from, if any.
pub fn derived_from(spec: &NetworkSpec) -> Option<&str> {
    let cell = match &spec.family {
        Family::Darts(d) => &d.cell,
        Family::Nb201(n) => &n.cell,
    };
    match cell {
        CellSpec::Derived { stage } => Some(stage),
        _ => None,
    }
}

/// The genotype written by derive stage `stage`.
pub fn read_genotype(
    ctx: &StageCtx<'_>,
    stage: &str,
    fail: &Fail,
) -> Result<Genotype, RuntimeError> {
    let path = ctx.stage_dir(stage).join("genotype.json");
    let text = std::fs::read_to_string(&path).map_err(|_| RuntimeError::MissingInput {
        stage: ctx.stage.name.clone(),
        needs: stage.to_string(),
    })?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| fail.msg(format!("{}: {e}", path.display())))?;
    serde_json::from_value(v["genotype"].clone())
        .map_err(|e| fail.msg(format!("{}: {e}", path.display())))
}

/// Build `spec` with fresh weights drawn from `seed`.
pub fn build(
    ctx: &StageCtx<'_>,
    spec: &NetworkSpec,
    seed: u64,
    fail: &Fail,
) -> Result<Network, RuntimeError> {
    let genotype = match derived_from(spec) {
        Some(stage) => Some(read_genotype(ctx, stage, fail)?),
        None => None,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Network::new(spec, genotype.as_ref(), &mut rng, DType::F32, ctx.device).map_err(|e| fail.nn(e))
}

/// Where `init` takes weights from: the derive stage's preserved weights, or another
/// stage's final weights. None for random initialisation.
pub fn init_file(
    ctx: &StageCtx<'_>,
    spec: &NetworkSpec,
    init: &InitSpec,
) -> Result<Option<PathBuf>, RuntimeError> {
    let missing = |needs: &str| RuntimeError::MissingInput {
        stage: ctx.stage.name.clone(),
        needs: needs.to_string(),
    };
    match init {
        InitSpec::Random => Ok(None),
        InitSpec::Preserved => {
            let stage = derived_from(spec)
                .map(str::to_string)
                .or_else(|| ctx.stage.after.iter().find(|a| is_derive(ctx, a)).cloned());
            let stage = stage.ok_or_else(|| missing("derive"))?;
            Ok(Some(ctx.stage_dir(&stage).join("weights.safetensors")))
        }
        InitSpec::Stage { stage } => Ok(Some(ctx.stage_dir(stage).join("weights.safetensors"))),
    }
}

fn is_derive(ctx: &StageCtx<'_>, name: &str) -> bool {
    ctx.program
        .pipeline
        .stages
        .iter()
        .any(|s| s.name == name && matches!(s.kind, StageKind::Derive(_)))
}

/// Copy every tensor of `path` whose name and shape match one of `net`'s; returns what was
/// copied, what of the file went unused (e.g. a projection head) and what stayed fresh.
/// `file` is how the log and the report name the file.
pub fn load_by_name(
    net: &Network,
    path: &std::path::Path,
    file: String,
    fail: &Fail,
) -> Result<WeightsLoad, RuntimeError> {
    let map: HashMap<String, Tensor> = candle_core::safetensors::load(path, net.device())
        .map_err(|e| fail.msg(format!("cannot read weights {}: {e}", path.display())))?;
    let mut load = WeightsLoad {
        file,
        copied: 0,
        unused: BTreeMap::new(),
        fresh: BTreeMap::new(),
    };
    let mut used = HashSet::new();
    for (name, var) in net.params().iter().chain(net.buffers()) {
        match map.get(name) {
            Some(t) if t.dims() == var.dims() => {
                let t = t.to_dtype(var.dtype()).map_err(|e| fail.tensor(name, e))?;
                var.set(&t).map_err(|e| fail.tensor(name, e))?;
                load.copied += 1;
                used.insert(name.as_str());
            }
            _ => {
                let kind = WeightsLoad::tensor_kind(name, var.dims().len());
                *load.fresh.entry(kind.to_string()).or_default() += 1;
            }
        }
    }
    for (name, t) in &map {
        if !used.contains(name.as_str()) {
            let kind = WeightsLoad::tensor_kind(name, t.dims().len());
            *load.unused.entry(kind.to_string()).or_default() += 1;
        }
    }
    Ok(load)
}

/// How the log and the report name a weights file: relative to the run folder when inside it.
pub fn file_label(ctx: &StageCtx<'_>, path: &std::path::Path) -> String {
    path.strip_prefix(ctx.out)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}
