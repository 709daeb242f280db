//! `nas bench`: the fixed benchmark configurations of `nas::bench`, printed as tables of
//! medians (fast kernels next to their `_slow` references). Part of the binary.

use clap::{Args, ValueEnum};
use nas::bench::{kernels, ops, table, OpsConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Config {
    /// Each DARTS op alone, forward + backward, at the three DARTS edge sizes, batch 32.
    Ops,
    /// Each custom kernel alone at the same sizes.
    Kernels,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(value_enum, default_value = "ops")]
    pub config: Config,
    /// Timed runs per case (after one warm-up); the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Only cases whose name contains this text.
    #[arg(long)]
    pub only: Option<String>,
    /// Worker threads for tensor ops (default: all cores)
    #[arg(long)]
    pub threads: Option<usize>,
}

pub fn cmd_bench(a: &BenchArgs) -> i32 {
    let cfg = OpsConfig {
        runs: a.runs.max(1),
        only: a.only.clone(),
        ..OpsConfig::default()
    };
    println!(
        "threads: {}, runs per case: {}",
        rayon::current_num_threads(),
        cfg.runs
    );
    let result = match a.config {
        Config::Ops => ops(&cfg),
        Config::Kernels => kernels(&cfg),
    };
    match result {
        Ok(t) => {
            println!("{}", table(&t));
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
