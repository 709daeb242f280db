//! The ONNX model of a stage's network: opset 17, the normalised NCHW float32 image in,
//! the head's output (`logits` for a classifier) out, the weights as initializers, and
//! `metadata_props` saying how to feed it and what came out of which run.
//!
//! Contract: metadata keys `classes`, `input_size` (`[C, H, W]`), `mean` and `std` are JSON
//! lists; `genotype` is the genotype's text form (`genotype_json` the IR's JSON); `ir_hash`
//! is the hash of the run's `pipeline.ir.json` without spans; `pipeline`, `stage`, `output`
//! name where it came from and what the output is. The batch dimension is symbolic.

use prost::Message;

use crate::error::ExportError;
use crate::folder::Model;
use crate::graph::{value_info, Graph};
use crate::network::lower;
use crate::proto::{GraphProto, ModelProto, OperatorSetIdProto, StringStringEntryProto};
use crate::weights::Weights;

/// The default ONNX operator set this exporter targets.
pub const OPSET: i64 = 17;
/// The IR version that goes with opset 17.
pub const IR_VERSION: i64 = 8;
/// The graph's input.
pub const INPUT: &str = "input";

/// The encoded model and the weights it used.
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub weights: Weights,
    pub output: String,
}

/// Build and encode the ONNX model of `model`.
pub fn encode(model: &Model) -> Result<Encoded, ExportError> {
    let mut weights = Weights::read(&model.weights)?;
    let (graph, output) = {
        let mut g = Graph::new(&mut weights, INPUT);
        let (output, width) = lower(&mut g, &model.spec, INPUT).map_err(|e| model.at_network(e))?;
        let (c, s) = (model.input.channels, model.input.size);
        let graph = GraphProto {
            node: std::mem::take(&mut g.nodes),
            name: Some(format!("{}.{}", model.pipeline, model.stage)),
            initializer: std::mem::take(&mut g.initializers),
            doc_string: Some(format!(
                "network of stage `{}` of pipeline `{}`, exported by nas",
                model.stage, model.pipeline
            )),
            input: vec![value_info(INPUT, &[None, Some(c), Some(s), Some(s)])],
            output: vec![value_info(&output, &[None, Some(width)])],
            value_info: Vec::new(),
        };
        (graph, output)
    };
    let proto = ModelProto {
        ir_version: Some(IR_VERSION),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(OPSET),
        }],
        producer_name: Some("nas".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        domain: None,
        model_version: Some(1),
        doc_string: None,
        graph: Some(graph),
        metadata_props: metadata(model, &output)?,
    };
    Ok(Encoded {
        bytes: proto.encode_to_vec(),
        weights,
        output,
    })
}

fn metadata(model: &Model, output: &str) -> Result<Vec<StringStringEntryProto>, ExportError> {
    let json = |v: serde_json::Value| v.to_string();
    let genotype = serde_json::to_string(model.genotype()?)
        .map_err(|e| crate::error::internal(e.to_string()))?;
    let i = &model.input;
    let pairs = [
        (
            "classes",
            json(serde_json::json!(model.classes.clone().unwrap_or_default())),
        ),
        (
            "input_size",
            json(serde_json::json!([i.channels, i.size, i.size])),
        ),
        ("mean", json(serde_json::json!(i.mean))),
        ("std", json(serde_json::json!(i.std))),
        ("genotype", model.genotype_text.clone()),
        ("genotype_json", genotype),
        ("ir_hash", model.ir_hash.clone()),
        ("pipeline", model.pipeline.clone()),
        ("stage", model.stage.clone()),
        ("output", output.to_string()),
    ];
    Ok(pairs
        .into_iter()
        .map(|(k, v)| StringStringEntryProto {
            key: Some(k.into()),
            value: Some(v),
        })
        .collect())
}
