//! Reading a run folder for export: which stage, its network with the cells filled in, its
//! weights file, and what its input and output mean (normalisation, classes).
//!
//! Contract: the run folder is what `nas run` wrote (`pipeline.ir.json`, one folder per
//! stage with `done.json`). A `derive` stage's network is its `network.json`; a stage that
//! trains a network (`finetune`, `train`, `linear_eval`, `ssl_train`) has its network in the
//! pipeline's IR, with cells from a derive stage's `genotype.json` or a fixed genotype, and
//! its final weights in `weights.safetensors`. Without `--stage`, the stage exported is the
//! last finished one whose weights descend from a derive stage's preserved weights, else the
//! last finished derive stage.

use std::path::{Path, PathBuf};

use nas_ir::{
    AugStep, AugmentSpec, CellSpec, DatasetSpec, Family, Genotype, HeadSpec, InitSpec, NetworkSpec,
    Program, StageKind,
};

use crate::classes::class_names;
use crate::error::ExportError;
use crate::network::genotype_of;
use crate::suggest::suggest;

/// What the network's input is: a normalised image of `channels` x `size` x `size`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputSpec {
    pub channels: usize,
    pub size: usize,
    /// `(x - mean) / std` per channel on values in [0, 1] (0 and 1 when not normalised).
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
    /// The stage's evaluation transform: its augmentation's `normalize` steps, in order.
    pub normalize: Vec<AugStep>,
}

/// A stage's network, ready to export or to run.
#[derive(Debug, Clone)]
pub struct Model {
    pub run: PathBuf,
    pub pipeline: String,
    pub stage: String,
    /// The stage kind as written in `.nas` files.
    pub kind: &'static str,
    /// The network, with its cells fixed (`CellSpec::Genotype`).
    pub spec: NetworkSpec,
    /// The file that described the network (for messages).
    pub network_file: PathBuf,
    pub weights: PathBuf,
    pub input: InputSpec,
    /// Class names, one per output, when the head is a classifier.
    pub classes: Option<Vec<String>>,
    /// The genotype as text (the DARTS `Genotype(...)` or NB201 string when derived).
    pub genotype_text: String,
    /// FNV-1a of `pipeline.ir.json` without spans (the stage hashes' convention).
    pub ir_hash: String,
    pub data: DatasetSpec,
}

impl Model {
    pub fn genotype(&self) -> Result<&Genotype, ExportError> {
        genotype_of(&self.spec).map_err(|e| self.at_network(e))
    }

    /// An error about the network, pointed at the file that described it.
    pub fn at_network(&self, e: ExportError) -> ExportError {
        match e {
            ExportError::BadNetwork { path, reason } if path.as_os_str().is_empty() => {
                ExportError::BadNetwork {
                    path: self.network_file.clone(),
                    reason,
                }
            }
            other => other,
        }
    }
}

/// Open stage `stage` (or the default stage) of the run folder `run`.
pub fn open(run: &Path, stage: Option<&str>) -> Result<Model, ExportError> {
    let program = read_program(run)?;
    let ir_path = run.join("pipeline.ir.json");
    let stages = &program.pipeline.stages;
    let st = match stage {
        Some(name) => {
            stages
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| ExportError::UnknownStage {
                    stage: name.to_string(),
                    suggestion: suggest(name, stages.iter().map(|s| s.name.as_str())),
                })?
        }
        None => default_stage(run, &program)?,
    };
    let dir = run.join(&st.name);
    let (spec, network_file, normalize) = stage_network(run, &program, &st.name, &st.kind)?;
    finished(&st.name, &dir.join("done.json"))?;
    let weights = dir.join("weights.safetensors");
    finished(&st.name, &weights)?;
    let genotype_text = genotype_text(run, &spec, &network_file);
    let ir = std::fs::read(&ir_path).map_err(|source| ExportError::Read {
        path: ir_path.clone(),
        source,
    })?;
    let data = program.pipeline.data.clone();
    let classes = match &spec.head {
        HeadSpec::Classifier { classes } => Some(class_names(&data, *classes)),
        _ => None,
    };
    let input = input_spec(&spec, normalize);
    Ok(Model {
        run: run.to_path_buf(),
        pipeline: program.pipeline.name.clone(),
        stage: st.name.clone(),
        kind: st.kind.name(),
        spec,
        network_file,
        weights,
        input,
        classes,
        genotype_text,
        ir_hash: ir_hash(&ir),
        data,
    })
}

fn read_program(run: &Path) -> Result<Program, ExportError> {
    let path = run.join("pipeline.ir.json");
    let not_a_run = |reason: &str| ExportError::NotARun {
        path: run.to_path_buf(),
        reason: reason.to_string(),
    };
    if !run.is_dir() {
        return Err(not_a_run("no such folder"));
    }
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(not_a_run("it has no `pipeline.ir.json`"))
        }
        Err(source) => return Err(ExportError::Read { path, source }),
    };
    serde_json::from_str(&text).map_err(|e| ExportError::BadIr {
        path,
        message: e.to_string(),
    })
}

fn finished(stage: &str, path: &Path) -> Result<(), ExportError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(ExportError::NotFinished {
            stage: stage.to_string(),
            path: path.to_path_buf(),
        })
    }
}

/// Whether stage `name`'s weights start from a derive stage's preserved weights.
fn descends(program: &Program, name: &str, depth: usize) -> bool {
    let Some(st) = program.pipeline.stages.iter().find(|s| s.name == name) else {
        return false;
    };
    let init = match &st.kind {
        StageKind::Derive(_) => return true,
        StageKind::Finetune(s) | StageKind::Train(s) | StageKind::LinearEval(s) => &s.init,
        StageKind::SslTrain(s) => &s.init,
        _ => return false,
    };
    match init {
        InitSpec::Preserved => true,
        InitSpec::Random => false,
        // a chain of stages is finite in a checked program; the bound guards a forged file
        InitSpec::Stage { stage } => depth < 64 && descends(program, stage, depth + 1),
    }
}

fn default_stage<'p>(run: &Path, program: &'p Program) -> Result<&'p nas_ir::Stage, ExportError> {
    let done = |s: &&nas_ir::Stage| run.join(&s.name).join("done.json").is_file();
    let stages = &program.pipeline.stages;
    let trained = stages.iter().rev().filter(done).find(|s| {
        let trains = matches!(
            s.kind,
            StageKind::Finetune(_)
                | StageKind::Train(_)
                | StageKind::LinearEval(_)
                | StageKind::SslTrain(_)
        );
        trains && descends(program, &s.name, 0)
    });
    let derive = || {
        stages
            .iter()
            .rev()
            .filter(done)
            .find(|s| matches!(s.kind, StageKind::Derive(_)))
    };
    trained.or_else(derive).ok_or_else(|| ExportError::NotExportable {
        stage: program.pipeline.name.clone(),
        kind: "pipeline".into(),
        reason: "no derive stage, nor a stage that trained a derived network, has finished"
            .into(),
        suggestion: "run the pipeline to its derive stage first, or name a finished stage that trains a network with `--stage NAME`".into(),
    })
}

/// The stage's network with its cells filled in, the file that described it, and the
/// normalisation steps of the images it was evaluated on.
fn stage_network(
    run: &Path,
    program: &Program,
    name: &str,
    kind: &StageKind,
) -> Result<(NetworkSpec, PathBuf, Vec<AugStep>), ExportError> {
    let refuse = |reason: &str, suggestion: String| ExportError::NotExportable {
        stage: name.to_string(),
        kind: kind.name().to_string(),
        reason: reason.to_string(),
        suggestion,
    };
    match kind {
        StageKind::Derive(d) => {
            let file = run.join(name).join("network.json");
            let spec = read_network(&file)?;
            let views = program.pipeline.stages.iter().find_map(|s| match &s.kind {
                StageKind::SslSearch(search) if s.name == d.search => Some(&search.views),
                _ => None,
            });
            Ok((spec, file, views.map(normalize_steps).unwrap_or_default()))
        }
        StageKind::Finetune(s) | StageKind::Train(s) | StageKind::LinearEval(s) => {
            let (spec, file) = fill_cells(run, &s.network, name)?;
            Ok((spec, file, normalize_steps(&s.augment)))
        }
        StageKind::SslTrain(s) => {
            let (spec, file) = fill_cells(run, &s.network, name)?;
            Ok((spec, file, normalize_steps(&s.views)))
        }
        StageKind::SslSearch(_) => {
            let derive = program
                .pipeline
                .stages
                .iter()
                .find(|s| matches!(&s.kind, StageKind::Derive(d) if d.search == name));
            let suggestion = match derive {
                Some(d) => format!(
                    "export the derive stage that follows it: `--stage {}`",
                    d.name
                ),
                None => "add a derive stage after the search, run it, and export that".into(),
            };
            Err(refuse(
                "its network is a supernet (every op on every edge)",
                suggestion,
            ))
        }
        StageKind::Knn(_) => Err(refuse(
            "it classifies with nearest neighbours and writes no weights",
            "export the stage whose weights it reads".into(),
        )),
        StageKind::Nb201Lookup(_) => Err(refuse(
            "it looks a cell up in a table and trains no network",
            "export the derive stage that found the cell".into(),
        )),
    }
}

fn read_network(file: &Path) -> Result<NetworkSpec, ExportError> {
    let bad = |reason: String| ExportError::BadNetwork {
        path: file.to_path_buf(),
        reason,
    };
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad("the file is missing".into()))
        }
        Err(source) => {
            return Err(ExportError::Read {
                path: file.to_path_buf(),
                source,
            })
        }
    };
    serde_json::from_str(&text).map_err(|e| bad(e.to_string()))
}

/// `spec` with `Derived` cells replaced by the derive stage's genotype.
fn fill_cells(
    run: &Path,
    spec: &NetworkSpec,
    stage: &str,
) -> Result<(NetworkSpec, PathBuf), ExportError> {
    let mut spec = spec.clone();
    let cell = match &mut spec.family {
        Family::Darts(d) => &mut d.cell,
        Family::Nb201(n) => &mut n.cell,
    };
    let ir = run.join("pipeline.ir.json");
    match cell.clone() {
        CellSpec::Derived { stage: from } => {
            let file = run.join(&from).join("genotype.json");
            *cell = CellSpec::Genotype {
                genotype: read_genotype(&file)?,
            };
            Ok((spec, file))
        }
        CellSpec::Genotype { .. } => Ok((spec, ir)),
        CellSpec::Search { .. } => Err(ExportError::NotExportable {
            stage: stage.to_string(),
            kind: "network".into(),
            reason: "its network is a supernet (every op on every edge)".into(),
            suggestion:
                "export the derive stage of the search, or a stage that trains the derived network"
                    .into(),
        }),
    }
}

fn read_genotype(file: &Path) -> Result<Genotype, ExportError> {
    let bad = |reason: String| ExportError::BadNetwork {
        path: file.to_path_buf(),
        reason,
    };
    let text = std::fs::read_to_string(file).map_err(|e| bad(e.to_string()))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let g = v
        .get("genotype")
        .ok_or_else(|| bad("missing field `genotype`".into()))?;
    serde_json::from_value(g.clone()).map_err(|e| bad(format!("field `genotype`: {e}")))
}

/// The derive stage's text form of the genotype, else the genotype as JSON.
fn genotype_text(run: &Path, spec: &NetworkSpec, network_file: &Path) -> String {
    let derive_dir = network_file.parent().unwrap_or(run);
    let from_file = std::fs::read_to_string(derive_dir.join("genotype.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            ["darts", "nb201", "net_config"]
                .iter()
                .find_map(|k| v.get(*k).and_then(|s| s.as_str()).map(String::from))
        });
    from_file.unwrap_or_else(|| match genotype_of(spec) {
        Ok(g) => serde_json::to_string(g).unwrap_or_default(),
        Err(_) => String::new(),
    })
}

fn normalize_steps(aug: &AugmentSpec) -> Vec<AugStep> {
    aug.steps
        .iter()
        .filter(|s| matches!(s, AugStep::Normalize { .. }))
        .cloned()
        .collect()
}

/// The net effect of the normalisation steps as one `(x - mean) / std`.
fn input_spec(spec: &NetworkSpec, normalize: Vec<AugStep>) -> InputSpec {
    let c = spec.in_channels;
    let (mut mean, mut std) = (vec![0.0; c], vec![1.0; c]);
    for step in &normalize {
        if let AugStep::Normalize { mean: m, std: s } = step {
            // ((x - a) / b - m) / s = (x - (a + m b)) / (b s)
            for i in 0..c {
                let (mi, si) = (
                    m.get(i).copied().unwrap_or(0.0),
                    s.get(i).copied().unwrap_or(1.0),
                );
                mean[i] += mi * std[i];
                std[i] *= si;
            }
        }
    }
    InputSpec {
        channels: c,
        size: spec.image_size,
        mean,
        std,
        normalize,
    }
}

/// FNV-1a (hex) of a JSON document with every `span` field removed.
fn ir_hash(bytes: &[u8]) -> String {
    let value: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
    let mut h = nas_ir::fnv::Fnv64::new();
    h.write(strip_spans(&value).to_string().as_bytes());
    h.hex()
}

fn strip_spans(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "span")
                .map(|(k, v)| (k.clone(), strip_spans(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_spans).collect()),
        other => other.clone(),
    }
}
