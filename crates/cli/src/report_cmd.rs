//! `nas report`: regenerate a run's `report.md` and plots from its folder, or compare the
//! runs of a sweep (`sweep.md`, `sweep.png`). Part of the binary.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Output folder. One run: where `report.md` and `plots/` go (default: the run folder).
    /// Several runs: where `sweep.md` and `sweep.png` go (default: the current folder).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Run folders written by `nas run`; several are compared as a sweep (the same pipeline
    /// at different search epochs).
    #[arg(value_name = "RUN_DIR", required = true)]
    pub runs: Vec<PathBuf>,
}

pub fn cmd_report(a: &ReportArgs) -> i32 {
    let written = match a.runs.as_slice() {
        [run] => {
            let out = a.out.clone().unwrap_or_else(|| run.clone());
            nas_report::write_run_report(run, &out)
        }
        runs => {
            let out = a.out.clone().unwrap_or_else(|| PathBuf::from("."));
            nas_report::write_sweep_report(runs, &out)
        }
    };
    match written {
        Ok(paths) => {
            for p in paths {
                crate::outln!("wrote {}", p.display());
            }
            0
        }
        Err(e) => {
            crate::run_cmd::report(&e);
            1
        }
    }
}
