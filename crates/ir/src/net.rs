//! IR of networks: search spaces, ops built from primitives, genotypes and heads.
//!
//! Contract: everything the engine (`crate::nn`) needs to build a candle module is here,
//! with names resolved and defaults filled in. Channel counts inside an op are implicit:
//! an op on an edge maps `C` channels to `C` channels, and `Stride::Edge` takes the
//! edge's stride (2 on the edges that leave a reduction cell's inputs, else 1).

use serde::{Deserialize, Serialize};

use super::Span;

/// A whole network: body (a cell-based family), input geometry and head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub family: Family,
    /// Image channels of the input (3 for CIFAR, 1 for digits).
    pub in_channels: usize,
    /// Side of the (square) input image in pixels.
    pub image_size: usize,
    pub head: HeadSpec,
    /// DARTS auxiliary tower, attached after cell `2 * cells / 3`.
    pub auxiliary: Option<AuxSpec>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "snake_case")]
pub enum Family {
    Darts(DartsNet),
    Nb201(Nb201Net),
}

/// The DARTS family: stem, `cells` cells of `nodes` nodes with 2 inputs each, reduction
/// cells at `reductions` (channels double there), output = concat of the last
/// `multiplier` nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DartsNet {
    pub stem: StemKind,
    pub cells: usize,
    /// Initial channels C.
    pub channels: usize,
    /// Indices of reduction cells (0-based), e.g. `[6, 13]` for 20 cells.
    pub reductions: Vec<usize>,
    /// Intermediate nodes per cell (4 in DARTS).
    pub nodes: usize,
    /// Nodes concatenated into the cell output (4 in DARTS).
    pub multiplier: usize,
    /// The CIFAR stem's output channels are `stem_multiplier * channels` (3 in DARTS); the
    /// ImageNet stem ignores it.
    #[serde(default = "darts_stem_multiplier")]
    pub stem_multiplier: usize,
    /// Affine batch norm in cells and preprocess layers (the stem's BN is always affine).
    pub affine: bool,
    /// Candidate ops, in order (the order defines alpha's columns).
    pub ops: Vec<OpDef>,
    pub cell: CellSpec,
}

/// NAS-Bench-201: stem conv 3x3 -> C, three stages of `cells_per_stage` cells with
/// residual reduction blocks between them (C, 2C, 4C), BN + ReLU, global pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Nb201Net {
    pub channels: usize,
    pub cells_per_stage: usize,
    /// Intermediate nodes per cell (3 in NB201: 6 edges).
    pub nodes: usize,
    pub affine: bool,
    pub ops: Vec<OpDef>,
    pub cell: CellSpec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StemKind {
    /// Conv 3x3 (in -> 3C) + BN.
    Cifar,
    /// Two stride-2 stems as in DARTS ImageNet (stem0: conv s2 -> C/2, BN, ReLU, conv s2 -> C, BN;
    /// stem1: ReLU, conv s2, BN).
    Imagenet,
}

/// What sits on the edges of the cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cell", rename_all = "snake_case")]
pub enum CellSpec {
    /// A supernet: every edge holds every candidate op.
    Search { alpha: AlphaSharing, mode: EdgeMode },
    /// A fixed architecture given in the program.
    Genotype { genotype: Genotype },
    /// The architecture that the named derive stage produces at run time.
    Derived { stage: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlphaSharing {
    /// One alpha per cell (SSWP).
    PerCell,
    /// One alpha for normal cells and one for reduction cells (DARTS; NB201 has one).
    Shared,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeMode {
    /// ProxylessNAS binary gates, two sampled paths per edge and step.
    TwoPath,
    /// softmax(alpha)-weighted sum of every op (first-order DARTS).
    Darts,
}

/// A discrete architecture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sharing", rename_all = "snake_case")]
pub enum Genotype {
    /// One cell genotype per cell, in order.
    PerCell { cells: Vec<CellGenotype> },
    /// DARTS form: one genotype for normal cells, one for reduction cells.
    Shared {
        normal: CellGenotype,
        reduce: CellGenotype,
    },
}

/// Per intermediate node, its incoming edges. Inputs: 0 and 1 are the cell inputs
/// (DARTS: s0, s1; NB201: 0 is the only input), higher numbers are earlier nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellGenotype {
    pub nodes: Vec<Vec<GenoEdge>>,
    /// Node states concatenated into the output (DARTS: [2, 3, 4, 5]).
    pub concat: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenoEdge {
    pub op: String,
    pub input: usize,
}

/// A named candidate op and its body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpDef {
    pub name: String,
    pub body: Prim,
}

/// Stride of a primitive inside an op.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stride {
    /// The stride of the edge the op sits on (1 or 2).
    Edge,
    /// Always 1.
    One,
}

/// Primitives ops are built from. Every conv has `bias = false` and "same" padding
/// `dilation * (kernel - 1) / 2`; channels in = channels out = the edge's C.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "prim", rename_all = "snake_case")]
pub enum Prim {
    Seq {
        items: Vec<Prim>,
    },
    Relu,
    /// Dense (groups = 1) or depthwise (groups = C) convolution.
    Conv {
        kernel: usize,
        stride: Stride,
        dilation: usize,
        depthwise: bool,
    },
    /// `affine: None` inherits the network's setting.
    BatchNorm {
        affine: Option<bool>,
    },
    MaxPool {
        kernel: usize,
        stride: Stride,
    },
    /// Average pooling with `count_include_pad = false`.
    AvgPool {
        kernel: usize,
        stride: Stride,
    },
    Identity,
    /// Zeros of the output shape.
    Zero {
        stride: Stride,
    },
    /// ReLU, two 1x1 stride-2 convs (the second on x[:, :, 1:, 1:]), concat, BN.
    FactorizedReduce {
        affine: Option<bool>,
    },
    /// `one` on stride-1 edges, `two` on stride-2 edges (e.g. skip = identity | factorized reduce).
    ByStride {
        one: Box<Prim>,
        two: Box<Prim>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "head", rename_all = "snake_case")]
pub enum HeadSpec {
    /// Global average pool then nothing: the pooled features are the output.
    Features,
    /// SimCLR projection: Linear(feat, h1), ReLU, ..., Linear(h_last, out); no BN.
    Mlp { hidden: Vec<usize>, out: usize },
    /// Linear(feat, classes).
    Classifier { classes: usize },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuxSpec {
    pub classes: usize,
    /// Weight of the auxiliary loss.
    pub weight: f64,
}

/// DARTS's CIFAR stem width, 3C (the default of IR files written before the field existed).
fn darts_stem_multiplier() -> usize {
    3
}
