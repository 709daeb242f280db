//! `nas bench`: the fixed benchmark configurations of `nas::bench`, printed as tables of
//! medians (fast kernels next to their `_slow` references). Part of the binary.

use clap::{Args, ValueEnum};
use nas::bench::{kernels, net_table, network_step, ops, table, NetConfig, OpsConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Config {
    /// Each DARTS op alone, forward + backward, at the three DARTS edge sizes, batch 32.
    Ops,
    /// Each custom kernel alone at the same sizes.
    Kernels,
    /// One SSWP search step (two-path, 5 cells, C=16, NT-Xent on 64 views), forward + backward.
    Twopath,
    /// One DARTS mixed-op supernet step (5 cells, C=16, 8 ops, batch 32), forward + backward.
    Darts,
    /// One step of the DARTS-V2 network (8 cells, C=16, batch 32), forward + backward.
    Derived,
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
    let step = |c| network_step(c, cfg.runs, &candle_core::Device::Cpu).map(|t| net_table(&[t]));
    let result = match a.config {
        Config::Ops => ops(&cfg).map(|t| table(&t)),
        Config::Kernels => kernels(&cfg).map(|t| table(&t)),
        Config::Twopath => step(NetConfig::Twopath),
        Config::Darts => step(NetConfig::Darts),
        Config::Derived => step(NetConfig::Derived),
    };
    match result {
        Ok(text) => {
            println!("{text}");
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}
