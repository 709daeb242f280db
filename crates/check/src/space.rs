//! Search-space structure: reduction positions inside the depth, channel counts that
//! divide, unique op names, genotypes that fit the cell and use the space's ops, and the
//! NAS-Bench-201 architecture string form.

use std::rc::Rc;

use super::error::CheckError;
use super::eval::{Eval, Fail, R};
use super::stages::{get_int, get_str};
use super::value::*;
use nas_syntax::diagnostics::{suggest, Diag};
use nas_syntax::source::Span;

/// Reduction cells of a DARTS network: as given, else `cells/3` and `2*cells/3`.
pub fn reductions(space: &Rec) -> Vec<i64> {
    match space.get("reductions").map(|v| &v.v) {
        Some(V::List(xs)) => xs.iter().filter_map(|x| x.v.as_int()).collect(),
        _ => {
            let cells = get_int(space, "cells").unwrap_or(0);
            let mut r = vec![cells / 3, 2 * cells / 3];
            r.dedup();
            r
        }
    }
}

/// Op names of a space, in order.
pub fn op_names(space: &Rec) -> Vec<(String, Span)> {
    match space.get("ops").map(|v| &v.v) {
        Some(V::List(xs)) => xs
            .iter()
            .map(|x| match &x.v {
                V::Op(o) => (o.name.clone(), x.span),
                V::Rec(r) => (r.schema.name.to_string(), x.span),
                _ => (String::new(), x.span),
            })
            .collect(),
        _ => Vec::new(),
    }
}

pub use nas_ir::source::parse_nb201;

impl<'a> Eval<'a> {
    pub fn check_space(&mut self, space: &Rc<Rec>) -> R<()> {
        let mut failed = false;
        let mut seen: Vec<(String, Span)> = Vec::new();
        for (name, span) in op_names(space) {
            if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
                let f = *first;
                self.report(
                    Diag::error(
                        CheckError::DuplicateOp { op: name.clone() },
                        span,
                        "a second op of this name",
                    )
                    .with_note(f, "first here")
                    .with_help("name the ops apart: `op sep3 = sep_conv(3)`"),
                );
                failed = true;
            }
            seen.push((name, span));
        }
        if space.schema.name == "darts_net" {
            let cells = get_int(space, "cells").unwrap_or(0);
            for r in reductions(space) {
                if r < 0 || r >= cells {
                    let sp = space
                        .get("reductions")
                        .map(|v| v.span)
                        .unwrap_or(space.span);
                    self.err_help(
                        CheckError::ReductionOutOfRange {
                            index: r,
                            cells: cells.max(0) as usize,
                        },
                        sp,
                        format!("cell {r} does not exist"),
                        format!("reduction positions count from 0 and must be below {cells}"),
                    );
                    failed = true;
                }
            }
            let imagenet = get_str(space, "stem") == Some("imagenet");
            if let Some(m) = space
                .get("stem_multiplier")
                .filter(|m| imagenet && !m.v.is_none())
            {
                self.err_help(
                    CheckError::UnusedOption {
                        option: "stem_multiplier".into(),
                    },
                    m.span,
                    "the ImageNet stem has a fixed width",
                    "`stem_multiplier` sets the CIFAR stem's width (stem_multiplier x channels); remove it",
                );
                failed = true;
            }
            let c = get_int(space, "channels").unwrap_or(0);
            if c % 2 != 0 {
                let sp = space.get("channels").map(|v| v.span).unwrap_or(space.span);
                self.err_help(
                    CheckError::Indivisible {
                        what: "`channels`".into(),
                        by: 2,
                        value: c.max(0) as usize,
                    },
                    sp,
                    "odd channel count",
                    "factorized reduce splits channels into two halves; use an even number",
                );
                failed = true;
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(())
        }
    }

    /// A fixed genotype must fit the cell and name only the space's ops.
    pub fn check_genotype(&mut self, space: &Rc<Rec>, g: &Val) -> R<()> {
        let V::Rec(g) = &g.v else { return Err(Fail) };
        let ops: Vec<String> = op_names(space).into_iter().map(|(n, _)| n).collect();
        let nodes = get_int(space, "nodes").unwrap_or(0).max(0) as usize;
        if g.schema.name == "nb201_arch" {
            return self.check_nb201(space, g, &ops, nodes);
        }
        if space.schema.name != "darts_net" {
            let e = CheckError::GenotypeShape {
                reason: "a DARTS genotype on a NAS-Bench-201 network".into(),
            };
            return Err(self.err(e, g.span, "use `nb201_arch(...)`"));
        }
        if g.schema.name == "cell_genotypes" {
            return self.check_cell_genotypes(space, g, &ops, nodes);
        }
        let mut failed = false;
        for half in ["normal", "reduce"] {
            if let Some(Val {
                v: V::List(edges),
                span,
            }) = g.get(half)
            {
                failed |= self
                    .check_darts_half(half, edges, *span, &ops, nodes)
                    .is_err();
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(())
        }
    }

    /// A genotype per cell: one per cell of the network, each a well-formed DARTS cell.
    fn check_cell_genotypes(
        &mut self,
        space: &Rec,
        g: &Rec,
        ops: &[String],
        nodes: usize,
    ) -> R<()> {
        let Some(Val {
            v: V::List(cells),
            span,
        }) = g.get("cells")
        else {
            return Err(Fail);
        };
        let want = get_int(space, "cells").unwrap_or(0).max(0) as usize;
        if cells.len() != want {
            let e = CheckError::GenotypeShape {
                reason: format!(
                    "{} cell genotypes given, the network has {want} cells",
                    cells.len()
                ),
            };
            let help = "give one list of (op, input) pairs per cell, in order";
            return Err(self.err_help(e, *span, "wrong number of cells", help));
        }
        let mut failed = false;
        for (i, cell) in cells.iter().enumerate() {
            if let V::List(edges) = &cell.v {
                failed |= self
                    .check_darts_half(&format!("cells[{i}]"), edges, cell.span, ops, nodes)
                    .is_err();
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(())
        }
    }

    /// An NAS-Bench-201 string: well formed, the cell's node count, known ops.
    fn check_nb201(&mut self, space: &Rec, g: &Rec, ops: &[String], nodes: usize) -> R<()> {
        let text = get_str(g, "arch").unwrap_or("");
        let span = g.get("arch").map(|v| v.span).unwrap_or(g.span);
        let cell = parse_nb201(text).map_err(|reason| {
            let help = "example: \"|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|\"";
            self.err_help(CheckError::Nb201String { reason }, span, "not an NAS-Bench-201 architecture", help)
        })?;
        if cell.len() != nodes || space.schema.name != "nb201_net" {
            let e = CheckError::GenotypeShape {
                reason: format!("{} nodes given, the cell has {nodes}", cell.len()),
            };
            return Err(self.err(e, span, "wrong number of nodes"));
        }
        let mut failed = false;
        for (op, _) in cell.iter().flatten() {
            if !ops.contains(op) {
                let help = suggest(op, ops.iter().map(String::as_str));
                self.err_help(
                    CheckError::UnknownOp { op: op.clone() },
                    span,
                    format!("`{op}` is not a candidate"),
                    help,
                );
                failed = true;
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(())
        }
    }

    /// One half of a DARTS genotype: two edges per node, known ops, earlier inputs only.
    fn check_darts_half(
        &mut self,
        half: &str,
        edges: &[Val],
        span: Span,
        ops: &[String],
        nodes: usize,
    ) -> R<()> {
        if edges.len() != 2 * nodes {
            let reason = format!(
                "`{half}` has {} edges, the cell's {nodes} nodes need {}",
                edges.len(),
                2 * nodes
            );
            let help = "list two (op, input) pairs per node, node by node";
            return Err(self.err_help(
                CheckError::GenotypeShape { reason },
                span,
                "wrong number of edges",
                help,
            ));
        }
        let mut failed = false;
        for (i, e) in edges.iter().enumerate() {
            let V::Tuple(parts) = &e.v else { continue };
            let (Some(op), Some(input)) = (parts[0].v.as_str(), parts[1].v.as_int()) else {
                continue;
            };
            if !ops.iter().any(|o| o == op) {
                let help = suggest(op, ops.iter().map(String::as_str));
                self.err_help(
                    CheckError::UnknownOp { op: op.into() },
                    parts[0].span,
                    "not a candidate of this space",
                    help,
                );
                failed = true;
            }
            let node = i / 2;
            if input as usize >= node + 2 {
                let reason = format!(
                    "node {node} reads input {input}, but only inputs 0..{} exist before it",
                    node + 1
                );
                let help = "inputs 0 and 1 are the cell inputs, 2 + k is node k";
                self.err_help(
                    CheckError::GenotypeShape { reason },
                    parts[1].span,
                    "input from a later node",
                    help,
                );
                failed = true;
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(())
        }
    }
}
