//! `report.md`: what ran and the final metrics of every stage, side by side.

use std::fmt::Write as _;
use std::path::Path;

use super::checkpoint::write_atomic;
use super::executor::RunSummary;
use crate::ir::Program;

/// Write `<out>/report.md` from the stages' summary records.
pub fn write(out: &Path, program: &Program, summary: &RunSummary) -> std::io::Result<()> {
    let mut md = String::new();
    let p = &program.pipeline;
    let _ = writeln!(md, "# Run report: pipeline `{}`\n", p.name);
    let _ = writeln!(
        md,
        "Seed {}; IR format version {}; stages in order of execution.\n",
        p.seed, program.format_version
    );
    let _ = writeln!(md, "| stage | kind | seconds | result |");
    let _ = writeln!(md, "|---|---|---|---|");
    for (name, rec) in &summary.stages {
        let kind = rec.get("kind").and_then(|k| k.as_str()).unwrap_or("?");
        let secs = rec
            .get("seconds")
            .and_then(|s| s.as_f64())
            .map(|s| format!("{s:.1}"))
            .unwrap_or_default();
        let result = rec.get("result").map(format_result).unwrap_or_default();
        let _ = writeln!(
            md,
            "| {name} | {kind} | {secs} | {} |",
            result.replace('|', "\\|")
        );
    }
    for (name, rec) in &summary.stages {
        if let Some(g) = rec.get("genotype_text").and_then(|g| g.as_str()) {
            let _ = writeln!(md, "\n## Genotype from `{name}`\n\n```\n{g}\n```");
        }
    }
    write_atomic(&out.join("report.md"), md.as_bytes())
}

/// `key value, key value` with floats to 4 decimals.
fn format_result(v: &serde_json::Value) -> String {
    match v.as_object() {
        Some(obj) => obj
            .iter()
            .map(|(k, v)| match v.as_f64() {
                Some(f) if v.is_f64() => format!("{k} {f:.4}"),
                _ => format!("{k} {v}"),
            })
            .collect::<Vec<_>>()
            .join(", "),
        None => v.to_string(),
    }
}
