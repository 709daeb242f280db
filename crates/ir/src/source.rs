//! IR values written back as `.nas` source, so that what a run found can be pasted into a
//! pipeline: a derived genotype becomes a `genotype(...)`, `cell_genotypes(...)` or
//! `nb201_arch(...)` literal that `nas check` reads back to the same IR.
//!
//! Contract: [`genotype_source`] is the inverse of lowering a genotype literal (tested by a
//! round trip through the front end); concat lists are written only where they differ from
//! the default (every node).

use super::net::{CellGenotype, Family, Genotype, NetworkSpec};

/// `let <name> = ...` with the genotype of `spec` as a literal, one cell per line.
pub fn genotype_source(name: &str, spec: &NetworkSpec, g: &Genotype) -> String {
    let nb201 = matches!(spec.family, Family::Nb201(_));
    let value = match g {
        Genotype::Shared { normal, .. } if nb201 => {
            format!("nb201_arch(arch = \"{}\")", nb201_arch(normal))
        }
        Genotype::Shared { normal, reduce } => {
            let mut fields = vec![
                format!("  normal = {}", pairs(normal)),
                format!("  reduce = {}", pairs(reduce)),
            ];
            if let Some(c) = non_default_concat(normal) {
                fields.push(format!("  normal_concat = {c}"));
            }
            if let Some(c) = non_default_concat(reduce) {
                fields.push(format!("  reduce_concat = {c}"));
            }
            format!("genotype(\n{},\n)", fields.join(",\n"))
        }
        Genotype::PerCell { cells } => {
            let lines: Vec<String> = cells.iter().map(|c| format!("  {},", pairs(c))).collect();
            let concat = cells
                .first()
                .and_then(non_default_concat)
                .map(|c| format!(", concat = {c}"))
                .unwrap_or_default();
            format!("cell_genotypes(cells = [\n{}\n]{concat})", lines.join("\n"))
        }
    };
    format!("let {name} = {value}\n")
}

/// `[("op", input), ...]`, node by node, each op name between `quote`s (`"` in .nas source,
/// `'` in the official code's Python form).
pub fn pairs_quoted(c: &CellGenotype, quote: char) -> String {
    let items: Vec<String> = c
        .nodes
        .iter()
        .flatten()
        .map(|e| format!("({quote}{}{quote}, {})", e.op, e.input))
        .collect();
    format!("[{}]", items.join(", "))
}

fn pairs(c: &CellGenotype) -> String {
    pairs_quoted(c, '"')
}

/// `[2, 3, 4, 5]`.
pub fn int_list(xs: &[usize]) -> String {
    let items: Vec<String> = xs.iter().map(|i| i.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// The concat list when it is not every intermediate node (2, 3, ... in DARTS numbering).
fn non_default_concat(c: &CellGenotype) -> Option<String> {
    let default: Vec<usize> = (2..2 + c.nodes.len()).collect();
    (c.concat != default).then(|| int_list(&c.concat))
}

/// Parse `|op~0|+|op~0|op~1|+...` (the inverse of [`nb201_arch`]): per node, its (op,
/// input) edges; node i must list one edge from each earlier node, in order.
pub fn parse_nb201(s: &str) -> Result<Vec<Vec<(String, usize)>>, String> {
    let mut nodes = Vec::new();
    for (i, part) in s.split('+').enumerate() {
        let part = part.trim();
        if !part.starts_with('|') || !part.ends_with('|') || part.len() < 2 {
            return Err(format!("node {} must look like `|op~0|`", i + 1));
        }
        let mut edges = Vec::new();
        for e in part[1..part.len() - 1].split('|') {
            let (op, input) = e
                .split_once('~')
                .ok_or_else(|| format!("edge `{e}` must be `op~input`"))?;
            let input: usize = input
                .parse()
                .map_err(|_| format!("`{input}` in `{e}` is not an input index"))?;
            if op.is_empty() {
                return Err(format!("edge `{e}` has no op"));
            }
            edges.push((op.to_string(), input));
        }
        if edges.len() != i + 1 {
            return Err(format!(
                "node {} has {} edges; it must have {} (one from each earlier node)",
                i + 1,
                edges.len(),
                i + 1
            ));
        }
        for (j, (_, input)) in edges.iter().enumerate() {
            if *input != j {
                return Err(format!(
                    "edge {} of node {} reads input {input}; inputs are listed in order 0..{}",
                    j + 1,
                    i + 1,
                    i
                ));
            }
        }
        nodes.push(edges);
    }
    Ok(nodes)
}

/// The NAS-Bench-201 string of a cell: `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.
pub fn nb201_arch(c: &CellGenotype) -> String {
    let nodes: Vec<String> = c
        .nodes
        .iter()
        .map(|n| {
            let mut edges: Vec<_> = n.iter().collect();
            edges.sort_by_key(|e| e.input);
            let s: Vec<String> = edges
                .iter()
                .map(|e| format!("{}~{}", e.op, e.input))
                .collect();
            format!("|{}|", s.join("|"))
        })
        .collect();
    nodes.join("+")
}
