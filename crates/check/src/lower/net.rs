//! Lowering of networks: spaces, ops built from primitives, genotypes and heads.

use super::{get, int, internal, list, opt_bool, Lower, L};
use crate::checked::*;
use crate::space::{parse_nb201, reductions};
use crate::value::{Rec, Val, V};
use nas_ir::*;

/// Width of the pooled features of a network (the input of its head).
pub fn feature_width(space: &Rec) -> L<usize> {
    let c = int(space, "channels")?;
    match space.schema.name {
        "darts_net" => {
            let nodes = int(space, "nodes")?;
            let mult = get(space, "multiplier")?
                .v
                .as_int()
                .map(|m| m as usize)
                .unwrap_or(nodes);
            let doublings = reductions(space).len() as u32;
            Ok(mult * c * 2usize.pow(doublings))
        }
        _ => Ok(4 * c),
    }
}

impl Lower<'_> {
    pub(super) fn network(&self, plan: &NetPlan, data: &DatasetSpec) -> L<NetworkSpec> {
        let space = &*plan.space;
        let auxiliary = match (&plan.head, plan.aux_weight) {
            (HeadPlan::Classifier(classes), Some(weight)) => Some(AuxSpec {
                classes: *classes,
                weight,
            }),
            _ => None,
        };
        Ok(NetworkSpec {
            family: self.family(plan, space)?,
            in_channels: data.channels,
            image_size: data.image_size,
            head: head(plan, space)?,
            auxiliary,
            span: self.span(space.span),
        })
    }

    fn family(&self, plan: &NetPlan, space: &Rec) -> L<Family> {
        let ops = self.ops(space)?;
        let cell = self.cell(plan, space)?;
        if space.schema.name != "darts_net" {
            return Ok(Family::Nb201(Nb201Net {
                channels: int(space, "channels")?,
                cells_per_stage: int(space, "cells_per_stage")?,
                nodes: int(space, "nodes")?,
                affine: plan.affine,
                ops,
                cell,
            }));
        }
        let nodes = int(space, "nodes")?;
        let imagenet = get(space, "stem")?.v.as_str() == Some("imagenet");
        Ok(Family::Darts(DartsNet {
            stem: if imagenet {
                StemKind::Imagenet
            } else {
                StemKind::Cifar
            },
            cells: int(space, "cells")?,
            channels: int(space, "channels")?,
            reductions: reductions(space)
                .into_iter()
                .map(|r| r.max(0) as usize)
                .collect(),
            nodes,
            multiplier: get(space, "multiplier")?
                .v
                .as_int()
                .map(|m| m as usize)
                .unwrap_or(nodes),
            stem_multiplier: get(space, "stem_multiplier")?
                .v
                .as_int()
                .map(|m| m as usize)
                .unwrap_or(3),
            affine: plan.affine,
            ops,
            cell,
        }))
    }

    fn cell(&self, plan: &NetPlan, space: &Rec) -> L<CellSpec> {
        Ok(match &plan.cell {
            CellPlan::Search { per_cell, two_path } => CellSpec::Search {
                alpha: if *per_cell && space.schema.name == "darts_net" {
                    AlphaSharing::PerCell
                } else {
                    AlphaSharing::Shared
                },
                mode: if *two_path {
                    EdgeMode::TwoPath
                } else {
                    EdgeMode::Darts
                },
            },
            CellPlan::Genotype(g) => CellSpec::Genotype {
                genotype: self.genotype(space, g)?,
            },
            CellPlan::Derived(stage) => CellSpec::Derived {
                stage: stage.clone(),
            },
        })
    }

    fn ops(&self, space: &Rec) -> L<Vec<OpDef>> {
        list(space, "ops")?
            .iter()
            .map(|v| {
                let name = match &v.v {
                    V::Op(o) => o.name.clone(),
                    V::Rec(r) => r.schema.name.to_string(),
                    _ => return Err(internal("op list holds a non-op")),
                };
                Ok(OpDef {
                    name,
                    body: self.prim(v)?,
                })
            })
            .collect()
    }

    fn prim(&self, v: &Val) -> L<Prim> {
        let r = match &v.v {
            V::Op(o) => return self.prim(&o.body),
            V::Rec(r) => r,
            _ => return Err(internal("not an op")),
        };
        let stride = |r: &Rec| -> L<Stride> {
            Ok(if get(r, "stride")?.v.as_str() == Some("edge") {
                Stride::Edge
            } else {
                Stride::One
            })
        };
        Ok(match r.schema.name {
            "relu" => Prim::Relu,
            "conv" | "dwconv" => Prim::Conv {
                kernel: int(r, "kernel")?,
                stride: stride(r)?,
                dilation: int(r, "dilation")?,
                depthwise: r.schema.name == "dwconv",
            },
            "bn" => Prim::BatchNorm {
                affine: opt_bool(r, "affine")?,
            },
            "max_pool" => Prim::MaxPool {
                kernel: int(r, "kernel")?,
                stride: stride(r)?,
            },
            "avg_pool" => Prim::AvgPool {
                kernel: int(r, "kernel")?,
                stride: stride(r)?,
            },
            "identity" => Prim::Identity,
            "zero" => Prim::Zero { stride: stride(r)? },
            "factorized_reduce" => Prim::FactorizedReduce {
                affine: opt_bool(r, "affine")?,
            },
            "seq" => Prim::Seq {
                items: r.extra.iter().map(|x| self.prim(x)).collect::<L<_>>()?,
            },
            "by_stride" => Prim::ByStride {
                one: Box::new(self.prim(get(r, "one")?)?),
                two: Box::new(self.prim(get(r, "two")?)?),
            },
            other => return Err(internal(format!("`{other}` is not a primitive"))),
        })
    }

    fn genotype(&self, space: &Rec, g: &Val) -> L<Genotype> {
        let V::Rec(g) = &g.v else {
            return Err(internal("genotype is not a record"));
        };
        let nodes = int(space, "nodes")?;
        if g.schema.name == "nb201_arch" {
            let text = get(g, "arch")?.v.as_str().unwrap_or("");
            let cell = parse_nb201(text).map_err(internal)?;
            let cg = CellGenotype {
                nodes: cell
                    .into_iter()
                    .map(|n| {
                        n.into_iter()
                            .map(|(op, input)| GenoEdge { op, input })
                            .collect()
                    })
                    .collect(),
                concat: vec![nodes],
            };
            return Ok(Genotype::Shared {
                normal: cg.clone(),
                reduce: cg,
            });
        }
        let concat = |field: &str| -> L<Vec<usize>> {
            Ok(match &get(g, field)?.v {
                V::List(xs) => xs
                    .iter()
                    .filter_map(|x| x.v.as_int())
                    .map(|i| i.max(0) as usize)
                    .collect(),
                _ => (2..2 + nodes).collect(),
            })
        };
        if g.schema.name == "cell_genotypes" {
            let concat = concat("concat")?;
            let cells = list(g, "cells")?
                .iter()
                .map(|c| match &c.v {
                    V::List(edges) => darts_cell(edges, concat.clone()),
                    _ => Err(internal("a cell genotype is not a list")),
                })
                .collect::<L<_>>()?;
            return Ok(Genotype::PerCell { cells });
        }
        let half = |edges: &str, concat_field: &str| -> L<CellGenotype> {
            darts_cell(list(g, edges)?, concat(concat_field)?)
        };
        Ok(Genotype::Shared {
            normal: half("normal", "normal_concat")?,
            reduce: half("reduce", "reduce_concat")?,
        })
    }
}

/// A DARTS cell from its (op, input) pairs, two per node.
fn darts_cell(edges: &[Val], concat: Vec<usize>) -> L<CellGenotype> {
    let mut out: Vec<Vec<GenoEdge>> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        let V::Tuple(p) = &e.v else {
            return Err(internal("edge is not a pair"));
        };
        let op = p
            .first()
            .and_then(|x| x.v.as_str())
            .ok_or_else(|| internal("edge op"))?
            .to_string();
        let input = p
            .get(1)
            .and_then(|x| x.v.as_int())
            .ok_or_else(|| internal("edge input"))? as usize;
        if i % 2 == 0 {
            out.push(Vec::new());
        }
        if let Some(node) = out.last_mut() {
            node.push(GenoEdge { op, input });
        }
    }
    Ok(CellGenotype { nodes: out, concat })
}

/// The head: a classifier, or the projection MLP (default: features width, then 128).
fn head(plan: &NetPlan, space: &Rec) -> L<HeadSpec> {
    Ok(match &plan.head {
        HeadPlan::Classifier(classes) => HeadSpec::Classifier { classes: *classes },
        HeadPlan::Features => HeadSpec::Features,
        HeadPlan::Mlp(dims) if dims.is_empty() => HeadSpec::Mlp {
            hidden: vec![feature_width(space)?],
            out: 128,
        },
        HeadPlan::Mlp(dims) => {
            let (out, hidden) = dims.split_last().ok_or_else(|| internal("empty mlp"))?;
            HeadSpec::Mlp {
                hidden: hidden.to_vec(),
                out: *out,
            }
        }
    })
}
