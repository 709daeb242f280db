//! Building an ONNX graph: nodes in topological order (each appended after its inputs
//! exist), initializers from the weights file or from constants, unique value names.
//!
//! Contract: a weight becomes an initializer under its checkpoint name
//! (`cells.3.edges.5.sep_conv_3x3.1.weight`), once, however often it is used; node outputs
//! are named `{where}/{Op}` (made unique with a suffix), so a value in a viewer says which
//! layer made it. Every tensor is float32 except the int64 operands of shape operators.

use std::collections::{HashMap, HashSet};

use crate::error::ExportError;
use crate::proto::tensor_shape_proto::{dimension, Dimension};
use crate::proto::{
    attr_type, type_proto, AttributeProto, NodeProto, TensorProto, TensorShapeProto, TypeProto,
    ValueInfoProto, FLOAT, INT64,
};
use crate::weights::Weights;

/// An attribute of a node.
pub fn ints(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attr_type::INTS),
        ints: values.to_vec(),
        ..Default::default()
    }
}

pub fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attr_type::INT),
        i: Some(value),
        ..Default::default()
    }
}

pub fn float(name: &str, value: f32) -> AttributeProto {
    AttributeProto {
        name: Some(name.into()),
        r#type: Some(attr_type::FLOAT),
        f: Some(value),
        ..Default::default()
    }
}

/// A float32 tensor of the given shape (dimension values; `None` is the batch dimension).
pub fn value_info(name: &str, dims: &[Option<usize>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(v) => dimension::Value::DimValue(*v as i64),
                None => dimension::Value::DimParam("batch".into()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(FLOAT),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
        doc_string: None,
    }
}

/// The graph under construction and the weights it draws from.
pub struct Graph<'w> {
    pub weights: &'w mut Weights,
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
    names: HashSet<String>,
    constants: HashMap<String, String>,
}

impl<'w> Graph<'w> {
    pub fn new(weights: &'w mut Weights, input: &str) -> Self {
        let mut names = HashSet::new();
        names.insert(input.to_string());
        Graph {
            weights,
            nodes: Vec::new(),
            initializers: Vec::new(),
            names,
            constants: HashMap::new(),
        }
    }

    /// `base`, or `base_2`, `base_3`, ... when taken.
    fn unique(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut k = 2;
        while self.names.contains(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.names.insert(name.clone());
        name
    }

    /// Append `op(inputs)` made by the layer at `at`; returns its output's name.
    pub fn node(
        &mut self,
        op: &str,
        at: &str,
        inputs: &[&str],
        attribute: Vec<AttributeProto>,
    ) -> String {
        let out = self.unique(format!("{at}/{op}"));
        self.push(op, inputs, attribute, out.clone());
        out
    }

    /// Like [`Graph::node`], with the output named `out` (a graph output).
    pub fn node_named(
        &mut self,
        op: &str,
        inputs: &[&str],
        attribute: Vec<AttributeProto>,
        out: &str,
    ) -> String {
        let out = self.unique(out.to_string());
        self.push(op, inputs, attribute, out.clone());
        out
    }

    fn push(&mut self, op: &str, inputs: &[&str], attribute: Vec<AttributeProto>, out: String) {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: Some(out),
            op_type: Some(op.into()),
            attribute,
            domain: None,
        });
    }

    /// The weight `name` (of `shape`) as an initializer; returns its name.
    pub fn weight(&mut self, name: &str, shape: &[usize]) -> Result<String, ExportError> {
        let values = self.weights.take(name, shape)?.values.clone();
        if !self.constants.contains_key(name) {
            let n = self.unique(name.to_string());
            self.constants.insert(name.to_string(), n.clone());
            self.initializers.push(f32_tensor(&n, shape, &values));
        }
        Ok(self.constants[name].clone())
    }

    /// A float32 constant of `len` copies of `value` (shared by every use).
    pub fn filled(&mut self, value: f32, len: usize) -> String {
        let key = format!("const/{value}x{len}");
        if let Some(n) = self.constants.get(&key) {
            return n.clone();
        }
        let n = self.unique(key.clone());
        self.initializers
            .push(f32_tensor(&n, &[len], &vec![value; len]));
        self.constants.insert(key, n.clone());
        n
    }

    /// An int64 vector constant (shared by every use).
    pub fn int64s(&mut self, values: &[i64]) -> String {
        let text: Vec<String> = values.iter().map(i64::to_string).collect();
        let key = format!("const/i64[{}]", text.join(","));
        if let Some(n) = self.constants.get(&key) {
            return n.clone();
        }
        let n = self.unique(key.clone());
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializers.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: Some(INT64),
            name: Some(n.clone()),
            raw_data: Some(raw),
        });
        self.constants.insert(key, n.clone());
        n
    }
}

fn f32_tensor(name: &str, shape: &[usize], values: &[f32]) -> TensorProto {
    TensorProto {
        dims: shape.iter().map(|&d| d as i64).collect(),
        data_type: Some(FLOAT),
        name: Some(name.into()),
        raw_data: Some(values.iter().flat_map(|v| v.to_le_bytes()).collect()),
    }
}
