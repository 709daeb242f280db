//! The genotype section of `report.md`: the derived cells one per line with the reduction
//! cells marked, how many of the supernet's tensors were preserved, and, when the search's
//! architecture weights barely moved, the warning that the genotype is close to a random
//! draw.
//!
//! Contract: built from the derive stage's `done.json`, the search stage it derives from
//! (its IR and alpha entropy series); nothing is written here.

use std::fmt::Write as _;

use super::folder::{Metric, RunFolder, StageRecord};
use nas_ir::source::{nb201_arch, pairs_quoted};
use nas_ir::{Family, Genotype, NetworkSpec, StageKind};

/// A search whose alpha entropy fell by less than this share of its first value did not
/// learn an architecture: its weights are still nearly uniform.
pub const NOT_LEARNED: f64 = 0.01;

/// `## Genotype from ...` for every derive stage of `run`.
pub fn sections(run: &RunFolder) -> String {
    let mut md = String::new();
    for rec in &run.stages {
        let (StageKind::Derive(spec), Some(d)) = (rec.kind(), rec.derive()) else {
            continue;
        };
        let _ = writeln!(md, "## Genotype from `{}`\n", rec.name());
        let search = run.stages.iter().find(|s| s.name() == spec.search);
        if let Some(text) = search.and_then(not_learned) {
            let _ = writeln!(md, "{text}\n");
        }
        let network = search.and_then(|s| match s.kind() {
            StageKind::SslSearch(s) => Some(&s.network),
            _ => None,
        });
        let cells = match (network, &d.genotype) {
            (Some(net), Some(g)) => cell_lines(net, g),
            _ => d.genotype_text.clone(),
        };
        let _ = writeln!(md, "```\n{cells}\n```\n");
        let r = &d.result;
        let diff = match r.preservation_max_abs_diff {
            Some(diff) => format!("max |supernet − derived| output difference {diff:.2e}"),
            None => "not compared with the supernet: some cells were still searching".into(),
        };
        let _ = writeln!(
            md,
            "Weights preserved: {} tensors copied from the supernet into `{}/weights.safetensors`, \
             {} fresh, {} dropped with the unchosen ops; {diff}.\n",
            r.copied,
            rec.name(),
            r.fresh,
            r.dropped,
        );
    }
    md
}

/// The warning for a search whose alpha entropy barely moved; none when it moved, or when
/// the stage has no entropy series.
pub fn not_learned(search: &StageRecord) -> Option<String> {
    let entropy = search.series(Metric::AlphaEntropy, None);
    let (first, last) = (entropy.first()?.1, entropy.last()?.1);
    if first <= 0.0 || (first - last) / first >= NOT_LEARNED {
        return None;
    }
    Some(format!(
        "**Architecture not learned: the genotype is close to a random draw.** The alpha \
         entropy of `{}` moved from {first:.4} to {last:.4} nats (less than {:.0} % of its \
         start), so its architecture weights are still nearly uniform and the choice of each \
         edge is close to a tie-break. Search longer, raise the architecture learning rate, \
         or fix edges by perturbation (`select = perturbation(...)`).",
        search.name(),
        NOT_LEARNED * 100.0
    ))
}

/// One line per cell, reduction cells marked: `cell 1 (reduction): [('max_pool_3x3', 0), ...]`.
pub fn cell_lines(net: &NetworkSpec, g: &Genotype) -> String {
    match (&net.family, g) {
        (Family::Nb201(_), Genotype::Shared { normal, .. }) => format!(
            "{}\n(one cell, repeated in every stage; the reductions between stages are fixed \
             residual blocks)",
            nb201_arch(normal)
        ),
        (Family::Nb201(_), Genotype::PerCell { cells }) => cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("cell {i}: {}", nb201_arch(c)))
            .collect::<Vec<_>>()
            .join("\n"),
        (Family::Darts(d), Genotype::Shared { normal, reduce }) => {
            let at = d
                .reductions
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "normal: {}\nreduce (reduction cells {at}): {}",
                pairs_quoted(normal, '\''),
                pairs_quoted(reduce, '\'')
            )
        }
        (Family::Darts(d), Genotype::PerCell { cells }) => cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let kind = if d.reductions.contains(&i) {
                    "reduction"
                } else {
                    "normal"
                };
                format!(
                    "cell {i} ({kind}):{:pad$} {}",
                    "",
                    pairs_quoted(c, '\''),
                    pad = 9 - kind.len()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}
