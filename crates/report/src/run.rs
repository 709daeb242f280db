//! `report.md` of one run folder: the pipeline, the evaluation table, the self-supervised
//! training summary, the genotype and the per-stage curves (`plots/<stage>.png`).
//!
//! Contract: `render` builds every file in memory from the folder's files; nothing is
//! written here (see `super::write_files`).

use std::fmt::Write as _;
use std::path::PathBuf;

use super::error::ReportError;
use super::folder::RunFolder;
use super::genotype;
use super::plots::{render_png, stage_panels, PLOT_SIZE};
use super::table::{eval_rows, eval_table, lookup_table, ssl_rows, ssl_table, MIN_SEEDS};

/// A file of a report, relative to the folder it goes into, and its bytes.
#[derive(Debug, Clone)]
pub struct OutFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// `plots/<stage>.png` for every stage with curves, then `report.md` (last, so that a
/// report never links to a plot that is not there yet).
pub fn render(run: &RunFolder) -> Result<Vec<OutFile>, ReportError> {
    let mut files = Vec::new();
    for rec in &run.stages {
        let Some(panels) = stage_panels(rec) else {
            continue;
        };
        let path = PathBuf::from("plots").join(format!("{}.png", rec.name()));
        let bytes = render_png(&panels, PLOT_SIZE).map_err(|message| ReportError::Plot {
            path: run.dir.join(&path),
            message,
        })?;
        files.push(OutFile { path, bytes });
    }
    let plots: Vec<&PathBuf> = files.iter().map(|f| &f.path).collect();
    let md = markdown(run, &plots);
    files.push(OutFile {
        path: PathBuf::from("report.md"),
        bytes: md.into_bytes(),
    });
    Ok(files)
}

/// The text of `report.md`; `plots` are the plot paths relative to the report.
pub fn markdown(run: &RunFolder, plots: &[&PathBuf]) -> String {
    let p = &run.program.pipeline;
    let mut md = String::new();
    let _ = writeln!(md, "# Run report: pipeline `{}`\n", p.name);
    let _ = writeln!(
        md,
        "Seed {}; IR format version {}; {} stages: {}.\n",
        p.seed,
        run.program.format_version,
        p.stages.len(),
        p.stages
            .iter()
            .map(|s| format!("{} ({})", s.name, s.kind.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    if !run.unfinished.is_empty() {
        let _ = writeln!(
            md,
            "**Unfinished stages** (no `done.json` yet; `nas run --resume` completes them): {}.\n",
            run.unfinished
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let evals = eval_rows(run);
    if !evals.is_empty() {
        md.push_str("## Evaluation\n\n");
        md.push_str(
            "Accuracies in %; test accuracy is the mean ± standard deviation over seeds \
             (n seeds), each seed tested once on the test images counted; val acc is the \
             mean best validation accuracy.\n\n",
        );
        md.push_str(&eval_table(&evals));
        md.push('\n');
        if evals
            .iter()
            .any(|r| r.test_acc.is_some_and(|m| m.n < MIN_SEEDS))
        {
            let _ = writeln!(
                md,
                "Fewer than {MIN_SEEDS} seeds measure those runs, not the method: their ± (if \
                 any) is no estimate of the spread between seeds. Add seeds (`seeds = [0, 1, \
                 2]`) to compare arms.\n"
            );
        }
        let loads = init_loads(run);
        if !loads.is_empty() {
            md.push_str("Initial weights:\n\n");
            md.push_str(&loads);
            md.push('\n');
        }
    }
    if let Some(table) = lookup_table(run) {
        md.push_str("## Benchmark look-ups\n\n");
        md.push_str(
            "True test accuracies of the found cell from the benchmark table (the search never \
             reads it); rank: the share of the table's cells at or above it.\n\n",
        );
        md.push_str(&table);
        md.push('\n');
    }
    let ssl = ssl_rows(run);
    if !ssl.is_empty() {
        md.push_str("## Search and self-supervised training\n\n");
        md.push_str(&ssl_table(&ssl));
        md.push('\n');
    }
    md.push_str(&genotype::sections(run));
    if !plots.is_empty() {
        md.push_str("## Curves\n\n");
        for path in plots {
            let stage = path.file_stem().unwrap_or_default().to_string_lossy();
            let link = path.to_string_lossy().replace('\\', "/");
            let _ = writeln!(md, "![{stage}]({link})\n");
        }
    }
    md
}

/// `- `tune`: 165 tensors from derive/weights.safetensors (...), 78 fresh (...)` for every
/// stage that started from another stage's weights (the same words as the run's log).
fn init_loads(run: &RunFolder) -> String {
    let mut md = String::new();
    for rec in &run.stages {
        let load = rec
            .supervised()
            .and_then(|d| d.init_load.as_ref())
            .or_else(|| rec.knn().and_then(|d| d.init_load.as_ref()));
        if let Some(load) = load {
            let _ = writeln!(md, "- `{}`: {}", rec.name(), load.summary());
        }
    }
    md
}
