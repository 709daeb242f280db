//! Derivation: top-k edges by best op probability, argmax ops, `none` never chosen, the
//! skip/pool restriction with the reference's replacement procedure (§4.1), and the
//! DARTS / NB201 genotype strings.

use candle_core::{DType, Device, Tensor};
use nas_engine::nn::{darts_genotype_string, nb201_genotype_string, DeriveOptions, Network};
use nas_ir::specs;
use nas_ir::{
    AlphaSharing, CellGenotype, CellSpec, EdgeMode, Family, GenoEdge, Genotype, HeadSpec,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn supernet(sharing: AlphaSharing, ops: Vec<nas_ir::OpDef>) -> Network {
    let mut spec = specs::cifar_darts_net(
        3,
        2,
        CellSpec::Search {
            alpha: sharing,
            mode: EdgeMode::TwoPath,
        },
        HeadSpec::Features,
        false,
        ops,
    );
    spec.image_size = 8;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap()
}

fn set_rows(net: &Network, group: usize, entries: &[(usize, usize, f64)]) {
    let (_, a) = &net.alphas()[group];
    let (rows, ops) = a.dims2().unwrap();
    let mut v = vec![0.0f64; rows * ops];
    for &(e, k, x) in entries {
        v[e * ops + k] = x;
    }
    a.set(&Tensor::from_vec(v, (rows, ops), &Device::Cpu).unwrap())
        .unwrap();
}

fn pairs(g: &CellGenotype) -> Vec<(String, usize)> {
    g.nodes
        .iter()
        .flatten()
        .map(|e| (e.op.clone(), e.input))
        .collect()
}

fn p(op: &str, input: usize) -> (String, usize) {
    (op.to_string(), input)
}

#[test]
fn restriction_replaces_lowest_probability_skips_then_pools() {
    // SSWP ops: 0 skip, 1 max, 2 avg, 3 sep3, 4 sep5, 5 dil3, 6 dil5. Worked by hand:
    // before restriction node 2 keeps (max from 1, p .601) and (skip from 0, p .401); three
    // skips (p .770, .670, .401) -> the .401 one goes: node 2 without edge 6 and without
    // non-parametric columns -> dil5 on edge 7 (p .356). Then three pools (.770, .733,
    // .601) -> the max on edge 6 goes: node 2 without edge 7 -> sep3 on edge 5 (p .328).
    let net = supernet(AlphaSharing::PerCell, specs::darts_ops_sswp());
    set_rows(
        &net,
        0,
        &[
            (0, 0, 3.0),
            (1, 3, 2.0),
            (2, 0, 2.5),
            (3, 5, 1.0),
            (4, 4, 1.5),
            (5, 0, 2.0),
            (5, 3, 1.8),
            (6, 1, 2.2),
            (7, 6, 1.2),
            (9, 0, 1.0),
            (10, 2, 3.0),
            (11, 1, 2.8),
        ],
    );
    let unrestricted = net
        .derive_cell(
            0,
            &DeriveOptions {
                edges_per_node: 2,
                max_skip: None,
                max_pool: None,
            },
        )
        .unwrap();
    assert_eq!(
        pairs(&unrestricted),
        vec![
            p("skip_connect", 0),
            p("sep_conv_3x3", 1),
            p("skip_connect", 0),
            p("sep_conv_5x5", 2),
            p("max_pool_3x3", 1),
            p("skip_connect", 0),
            p("avg_pool_3x3", 1),
            p("max_pool_3x3", 2),
        ]
    );
    let g = net.derive_cell(0, &DeriveOptions::default()).unwrap();
    assert_eq!(
        pairs(&g),
        vec![
            p("skip_connect", 0),
            p("sep_conv_3x3", 1),
            p("skip_connect", 0),
            p("sep_conv_5x5", 2),
            p("sep_conv_3x3", 0),
            p("dil_conv_5x5", 2),
            p("avg_pool_3x3", 1),
            p("max_pool_3x3", 2),
        ]
    );
    assert_eq!(g.concat, vec![2, 3, 4, 5]);
    // Top-1 keeps one edge per node.
    let one = net
        .derive_cell(
            0,
            &DeriveOptions {
                edges_per_node: 1,
                max_skip: None,
                max_pool: None,
            },
        )
        .unwrap();
    assert!(one.nodes.iter().all(|n| n.len() == 1));
}

#[test]
fn none_is_never_chosen_and_shared_alphas_give_a_shared_genotype() {
    let net = supernet(AlphaSharing::Shared, specs::darts_ops_darts());
    assert_eq!(net.alphas().len(), 2);
    // `none` (column 0) dominates every edge; sep_conv_3x3 (column 4) is second.
    let all: Vec<(usize, usize, f64)> = (0..14).flat_map(|e| [(e, 0, 5.0), (e, 4, 1.0)]).collect();
    set_rows(&net, 0, &all);
    set_rows(&net, 1, &all);
    let g = net.derive(&DeriveOptions::default()).unwrap();
    let Genotype::Shared { normal, reduce } = &g else {
        panic!("expected a shared genotype")
    };
    for cell in [normal, reduce] {
        assert!(
            cell.nodes.iter().flatten().all(|e| e.op == "sep_conv_3x3"),
            "{cell:?}"
        );
    }
    let s = darts_genotype_string(&g);
    assert!(
        s.starts_with("Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "),
        "{s}"
    );
    assert!(s.ends_with("reduce_concat=[2, 3, 4, 5])"), "{s}");
}

#[test]
fn darts_v2_string_matches_the_published_form() {
    let s = darts_genotype_string(&specs::darts_v2_genotype());
    let expected = "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), \
('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], \
normal_concat=[2, 3, 4, 5], reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), \
('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], \
reduce_concat=[2, 3, 4, 5])";
    assert_eq!(s, expected);
}

#[test]
fn nb201_derivation_keeps_every_edge_and_formats() {
    let spec = specs::nb201_net(
        4,
        1,
        CellSpec::Search {
            alpha: AlphaSharing::Shared,
            mode: EdgeMode::Darts,
        },
        HeadSpec::Classifier { classes: 10 },
        3,
        8,
    );
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net = Network::new(&spec, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    assert_eq!(net.alphas().len(), 1);
    assert_eq!(net.alphas()[0].1.dims(), &[6, 5]);
    // NB201 ops: 0 none, 1 skip, 2 conv1x1, 3 conv3x3, 4 avg pool. Edge e prefers op
    // (e % 4) + 1; `none` is large on edge 0 but must not be chosen.
    let mut entries: Vec<(usize, usize, f64)> = (0..6).map(|e| (e, e % 4 + 1, 2.0)).collect();
    entries.push((0, 0, 9.0));
    set_rows(&net, 0, &entries);
    let opts = DeriveOptions {
        edges_per_node: 3,
        max_skip: None,
        max_pool: None,
    };
    let Genotype::Shared { normal, .. } = net.derive(&opts).unwrap() else {
        panic!("shared")
    };
    assert_eq!(
        nb201_genotype_string(&normal),
        "|skip_connect~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_1x1~2|"
    );
    // The string of a genotype given by hand.
    let g = CellGenotype {
        nodes: vec![
            vec![GenoEdge {
                op: "nor_conv_3x3".into(),
                input: 0,
            }],
            vec![
                GenoEdge {
                    op: "none".into(),
                    input: 1,
                },
                GenoEdge {
                    op: "skip_connect".into(),
                    input: 0,
                },
            ],
        ],
        concat: vec![2],
    };
    assert_eq!(
        nb201_genotype_string(&g),
        "|nor_conv_3x3~0|+|skip_connect~0|none~1|"
    );
    // A derived NB201 network builds from it and runs.
    let mut fixed = spec.clone();
    if let Family::Nb201(n) = &mut fixed.family {
        n.cell = CellSpec::Genotype {
            genotype: Genotype::Shared {
                normal: normal.clone(),
                reduce: normal,
            },
        };
    }
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let dnet = Network::new(&fixed, None, &mut rng, DType::F64, &Device::Cpu).unwrap();
    let x = Tensor::zeros((2, 3, 8, 8), DType::F64, &Device::Cpu).unwrap();
    assert_eq!(dnet.forward_t(&x, true).unwrap().out.dims(), &[2, 10]);
}
