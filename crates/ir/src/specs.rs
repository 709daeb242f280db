//! Ready-made network specs in Rust (for tests and for callers that do not go through a
//! `.nas` file): the SSWP/DARTS op set, the DARTS-V2 and P-DARTS genotypes, the CIFAR
//! DARTS network and the NAS-Bench-201 network, matching the official code (reference
//! §1.1-1.3).

use crate::{
    AlphaSharing, AuxSpec, CellGenotype, CellSpec, DartsNet, EdgeMode, Family, GenoEdge, Genotype,
    HeadSpec, Nb201Net, NetworkSpec, OpDef, Prim, Span, StemKind, Stride,
};

fn op(name: &str, body: Prim) -> OpDef {
    OpDef {
        name: name.into(),
        body,
    }
}

fn conv(kernel: usize, stride: Stride, dilation: usize, depthwise: bool) -> Prim {
    Prim::Conv {
        kernel,
        stride,
        dilation,
        depthwise,
    }
}

fn bn() -> Prim {
    Prim::BatchNorm { affine: None }
}

/// SepConv(k): [ReLU, dw k (edge stride), 1x1, BN, ReLU, dw k, 1x1, BN].
pub fn sep_conv(k: usize) -> Prim {
    Prim::Seq {
        items: vec![
            Prim::Relu,
            conv(k, Stride::Edge, 1, true),
            conv(1, Stride::One, 1, false),
            bn(),
            Prim::Relu,
            conv(k, Stride::One, 1, true),
            conv(1, Stride::One, 1, false),
            bn(),
        ],
    }
}

/// DilConv(k): [ReLU, dw k dilation 2 (edge stride), 1x1, BN].
pub fn dil_conv(k: usize) -> Prim {
    Prim::Seq {
        items: vec![
            Prim::Relu,
            conv(k, Stride::Edge, 2, true),
            conv(1, Stride::One, 1, false),
            bn(),
        ],
    }
}

/// Pool followed by a non-affine BN (SSWP wraps pools like this in search and final nets).
pub fn pool_bn(max: bool) -> Prim {
    let pool = if max {
        Prim::MaxPool {
            kernel: 3,
            stride: Stride::Edge,
        }
    } else {
        Prim::AvgPool {
            kernel: 3,
            stride: Stride::Edge,
        }
    };
    Prim::Seq {
        items: vec![
            pool,
            Prim::BatchNorm {
                affine: Some(false),
            },
        ],
    }
}

/// skip_connect: identity at stride 1, factorized reduce at stride 2.
pub fn skip() -> Prim {
    Prim::ByStride {
        one: Box::new(Prim::Identity),
        two: Box::new(Prim::FactorizedReduce { affine: None }),
    }
}

/// The 7 SSWP candidates, in the official order.
pub fn darts_ops_sswp() -> Vec<OpDef> {
    vec![
        op("skip_connect", skip()),
        op("max_pool_3x3", pool_bn(true)),
        op("avg_pool_3x3", pool_bn(false)),
        op("sep_conv_3x3", sep_conv(3)),
        op("sep_conv_5x5", sep_conv(5)),
        op("dil_conv_3x3", dil_conv(3)),
        op("dil_conv_5x5", dil_conv(5)),
    ]
}

/// The 8 DARTS candidates (`none` first).
pub fn darts_ops_darts() -> Vec<OpDef> {
    let mut ops = vec![op(
        "none",
        Prim::Zero {
            stride: Stride::Edge,
        },
    )];
    let sswp = darts_ops_sswp();
    ops.push(sswp[1].clone());
    ops.push(sswp[2].clone());
    ops.push(sswp[0].clone());
    ops.extend(sswp[3..].iter().cloned());
    ops
}

/// A DARTS cell genotype from (op, input) pairs, two per node, concat [2, 3, 4, 5].
pub fn darts_cell(pairs: &[(&str, usize)]) -> CellGenotype {
    CellGenotype {
        nodes: pairs
            .chunks(2)
            .map(|c| {
                c.iter()
                    .map(|(op, input)| GenoEdge {
                        op: op.to_string(),
                        input: *input,
                    })
                    .collect()
            })
            .collect(),
        concat: vec![2, 3, 4, 5],
    }
}

/// DARTS_V2 (quark0/darts genotypes.py).
pub fn darts_v2_genotype() -> Genotype {
    Genotype::Shared {
        normal: darts_cell(&[
            ("sep_conv_3x3", 0),
            ("sep_conv_3x3", 1),
            ("sep_conv_3x3", 0),
            ("sep_conv_3x3", 1),
            ("sep_conv_3x3", 1),
            ("skip_connect", 0),
            ("skip_connect", 0),
            ("dil_conv_3x3", 2),
        ]),
        reduce: darts_cell(&[
            ("max_pool_3x3", 0),
            ("max_pool_3x3", 1),
            ("skip_connect", 2),
            ("max_pool_3x3", 1),
            ("max_pool_3x3", 0),
            ("skip_connect", 2),
            ("skip_connect", 2),
            ("max_pool_3x3", 1),
        ]),
    }
}

/// P-DARTS (chenxin061/pdarts genotypes.py `PDARTS`).
pub fn pdarts_genotype() -> Genotype {
    Genotype::Shared {
        normal: darts_cell(&[
            ("skip_connect", 0),
            ("dil_conv_3x3", 1),
            ("skip_connect", 0),
            ("sep_conv_3x3", 1),
            ("sep_conv_3x3", 1),
            ("sep_conv_3x3", 3),
            ("sep_conv_3x3", 0),
            ("dil_conv_5x5", 4),
        ]),
        reduce: darts_cell(&[
            ("avg_pool_3x3", 0),
            ("sep_conv_5x5", 1),
            ("sep_conv_3x3", 0),
            ("dil_conv_5x5", 2),
            ("max_pool_3x3", 0),
            ("dil_conv_3x3", 1),
            ("dil_conv_3x3", 1),
            ("dil_conv_5x5", 3),
        ]),
    }
}

/// Supernet cells.
pub fn search_cells(alpha: AlphaSharing, mode: EdgeMode) -> CellSpec {
    CellSpec::Search { alpha, mode }
}

/// The CIFAR DARTS network: `cells` cells of 4 nodes, reductions at cells/3 and 2*cells/3,
/// C initial channels, 32x32x3 input, no auxiliary head.
pub fn cifar_darts_net(
    cells: usize,
    c: usize,
    cell: CellSpec,
    head: HeadSpec,
    affine: bool,
    ops: Vec<OpDef>,
) -> NetworkSpec {
    NetworkSpec {
        family: Family::Darts(DartsNet {
            stem: StemKind::Cifar,
            cells,
            channels: c,
            reductions: vec![cells / 3, 2 * cells / 3],
            nodes: 4,
            multiplier: 4,
            stem_multiplier: 3,
            affine,
            ops,
            cell,
        }),
        in_channels: 3,
        image_size: 32,
        head,
        auxiliary: None,
        span: Span::default(),
    }
}

/// The SSWP CIFAR supernet: 20 cells, C=36, non-affine, per-cell alphas, two-path
/// gates, SimCLR head 576-576-128.
pub fn sswp_supernet() -> NetworkSpec {
    cifar_darts_net(
        20,
        36,
        search_cells(AlphaSharing::PerCell, EdgeMode::TwoPath),
        HeadSpec::Mlp {
            hidden: vec![576],
            out: 128,
        },
        false,
        darts_ops_sswp(),
    )
}

/// A CIFAR-10 evaluation network with a fixed genotype (affine, classifier 10).
pub fn cifar_eval_net(genotype: Genotype, aux: bool) -> NetworkSpec {
    let mut spec = cifar_darts_net(
        20,
        36,
        CellSpec::Genotype { genotype },
        HeadSpec::Classifier { classes: 10 },
        true,
        darts_ops_sswp(),
    );
    if aux {
        spec.auxiliary = Some(AuxSpec {
            classes: 10,
            weight: 0.4,
        });
    }
    spec
}

/// The 5 NAS-Bench-201 candidates.
pub fn nb201_ops() -> Vec<OpDef> {
    let rcb = |k| Prim::Seq {
        items: vec![Prim::Relu, conv(k, Stride::One, 1, false), bn()],
    };
    vec![
        op(
            "none",
            Prim::Zero {
                stride: Stride::One,
            },
        ),
        op("skip_connect", Prim::Identity),
        op("nor_conv_1x1", rcb(1)),
        op("nor_conv_3x3", rcb(3)),
        op(
            "avg_pool_3x3",
            Prim::AvgPool {
                kernel: 3,
                stride: Stride::One,
            },
        ),
    ]
}

/// NAS-Bench-201 network (3 nodes per cell), `in_channels` x `size` input.
pub fn nb201_net(
    c: usize,
    n: usize,
    cell: CellSpec,
    head: HeadSpec,
    in_channels: usize,
    size: usize,
) -> NetworkSpec {
    NetworkSpec {
        family: Family::Nb201(Nb201Net {
            channels: c,
            cells_per_stage: n,
            nodes: 3,
            affine: false,
            ops: nb201_ops(),
            cell,
        }),
        in_channels,
        image_size: size,
        head,
        auxiliary: None,
        span: Span::default(),
    }
}
