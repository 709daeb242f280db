//! Graphviz drawings of derived cells (`derive/cells.dot`), one cluster per cell.

use std::fmt::Write as _;

use nas_ir::{CellGenotype, Genotype};

/// Named cells of a genotype: `cell 0`.. for per-cell genotypes, `normal`/`reduce` for shared.
pub fn named_cells(g: &Genotype) -> Vec<(String, &CellGenotype)> {
    match g {
        Genotype::PerCell { cells } => cells
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("cell {i}"), c))
            .collect(),
        Genotype::Shared { normal, reduce } => {
            vec![("normal".into(), normal), ("reduce".into(), reduce)]
        }
    }
}

/// A DOT graph with one cluster per cell: inputs, intermediate nodes, edges labelled by
/// op, and the concatenated output. `inputs` is 2 for DARTS cells, 1 for NB201.
pub fn cells_dot(g: &Genotype, inputs: usize) -> String {
    let mut s = String::from("digraph cells {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=Helvetica];\n  edge [fontname=Helvetica, fontsize=10];\n");
    for (k, (name, cell)) in named_cells(g).into_iter().enumerate() {
        let _ = writeln!(s, "  subgraph cluster_{k} {{\n    label=\"{name}\";");
        let id = |n: usize| format!("c{k}_{n}");
        for i in 0..inputs {
            let label = if inputs == 2 {
                ["c_{k-2}", "c_{k-1}"][i]
            } else {
                "in"
            };
            let _ = writeln!(
                s,
                "    {} [label=\"{label}\", style=filled, fillcolor=lightblue];",
                id(i)
            );
        }
        for (j, node) in cell.nodes.iter().enumerate() {
            let n = inputs + j;
            let _ = writeln!(s, "    {} [label=\"{}\"];", id(n), j);
            for e in node {
                let _ = writeln!(s, "    {} -> {} [label=\"{}\"];", id(e.input), id(n), e.op);
            }
        }
        let out = format!("c{k}_out");
        let _ = writeln!(
            s,
            "    {out} [label=\"out\", style=filled, fillcolor=palegoldenrod];"
        );
        for c in &cell.concat {
            let _ = writeln!(s, "    {} -> {out};", id(*c));
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use nas_ir::GenoEdge;

    #[test]
    fn dot_has_one_edge_per_genotype_pair_and_concat() {
        let e = |op: &str, input| GenoEdge {
            op: op.into(),
            input,
        };
        let cell = CellGenotype {
            nodes: vec![vec![e("skip_connect", 0), e("sep_conv_3x3", 1)]],
            concat: vec![2],
        };
        let dot = cells_dot(&Genotype::PerCell { cells: vec![cell] }, 2);
        assert!(dot.contains("c0_0 -> c0_2 [label=\"skip_connect\"]"));
        assert!(dot.contains("c0_1 -> c0_2 [label=\"sep_conv_3x3\"]"));
        assert!(dot.contains("c0_2 -> c0_out"));
    }
}
