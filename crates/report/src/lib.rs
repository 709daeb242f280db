//! Reports of finished runs, built from the run folder's files alone (so they can be
//! regenerated at any time with `nas report`):
//!
//! ```text
//! run folder --folder::RunFolder::read--> stages' done.json + metrics.jsonl + IR
//!    --table--> evaluation and SSL tables --run--> report.md
//!    --plots--> plots/<stage>.png            (one run)
//! several run folders --sweep--> sweep.md + sweep.png   (a sweep over search epochs)
//! ```
//!
//! Contract: every input is read and every output rendered in memory before the first
//! file is written; each file is then written atomically (temporary file, then rename).
//! Bad input is a `ReportError` naming the file, and writes nothing.

pub mod codes;
pub mod error;
pub mod folder;
pub mod genotype;
pub mod lookups;
pub mod plots;
pub mod run;
pub mod sweep;
pub mod table;

use std::path::{Path, PathBuf};

pub use error::ReportError;
pub use folder::RunFolder;
use run::OutFile;

/// Write `report.md` and `plots/<stage>.png` of the run folder `run_dir` into `out`
/// (normally `run_dir` itself). Returns the paths written, the report last.
pub fn write_run_report(run_dir: &Path, out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let run = RunFolder::read(run_dir)?;
    let files = run::render(&run)?;
    write_files(out, &files)
}

/// Compare the runs of a sweep: write `sweep.md` and `sweep.png` into `out`. Returns the
/// paths written.
pub fn write_sweep_report(run_dirs: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let runs = run_dirs
        .iter()
        .map(|d| RunFolder::read(d))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = sweep::sweep_runs(&runs)?;
    let looks = lookups::lookup_runs(&runs);
    let files = sweep::render(&rows, &looks, out)?;
    write_files(out, &files)
}

/// Write `files` under `out` in order, each through a temporary file and a rename.
fn write_files(out: &Path, files: &[OutFile]) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::new();
    for f in files {
        let path = out.join(&f.path);
        let werr = |source| ReportError::Write {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(werr)?;
        }
        nas_ir::files::write_atomic(&path, &f.bytes).map_err(werr)?;
        written.push(path);
    }
    Ok(written)
}
