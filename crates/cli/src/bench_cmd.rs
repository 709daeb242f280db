//! `nas bench`: the fixed benchmark configurations of `nas::bench`, printed as tables of
//! medians (fast kernels next to their `_slow` references), or with `--torch` side by side
//! with the PyTorch reference in one run. Part of the binary.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::Command;

use crate::bench::{
    kernels, net_comparison_table, net_table, network_step, op_rows, ops, ops_comparison_table,
    table, NetConfig, NetRound, NetTiming, OpsConfig, Path, Reference, BATCH,
};
use clap::{Args, ValueEnum};

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
    /// A Python with torch installed: also run the PyTorch reference of this configuration
    /// (`twopath`, `darts` = its `supernet`, `ops` = its `edge`), alternating with nas in
    /// each round, with the same thread count, and print both and their ratios.
    #[arg(long, value_name = "PYTHON")]
    pub torch: Option<PathBuf>,
    /// The reference script.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "../shared/bench/torch_ref.py"
    )]
    pub torch_script: PathBuf,
    /// Rounds of the side-by-side comparison (each runs both frameworks once).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Where the network configurations run: `cpu` or `cuda:N` (a build with `--features
    /// cuda`). With `--torch` the reference runs on the same kind of device.
    #[arg(long, default_value = "cpu")]
    pub device: String,
    /// Images per step of a network configuration (default 32; the paper searches at 96).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Print a network configuration's timing as JSON (the side-by-side run measures nas in
    /// a child process of its own, so that its peak memory is its alone).
    #[arg(long, hide = true)]
    pub json: bool,
}

pub fn cmd_bench(a: &BenchArgs) -> i32 {
    let device = match nas_run::device::open(&a.device) {
        Ok(d) => d,
        Err(e) => {
            crate::run_cmd::report(&e);
            return 2;
        }
    };
    if net_config(a.config).is_none() && (a.batch.is_some() || !device.is_cpu()) {
        crate::errln!(
            "error: `ops` and `kernels` run at batch 32 on the CPU; --device and --batch are for \
             the network configurations (twopath, darts, derived)"
        );
        return 2;
    }
    let batch = a.batch.unwrap_or(BATCH);
    if let Some(python) = &a.torch {
        return side_by_side(a, python, batch);
    }
    if a.json {
        let Some(config) = net_config(a.config) else {
            crate::errln!("error: --json is for the network configurations");
            return 2;
        };
        return match network_step(config, a.runs.max(1), batch, &device) {
            Ok(t) => match serde_json::to_string(&t) {
                Ok(j) => {
                    crate::outln!("{j}");
                    0
                }
                Err(e) => {
                    crate::errln!("error: {e}");
                    1
                }
            },
            Err(e) => {
                crate::errln!("error: {e}");
                1
            }
        };
    }
    let cfg = OpsConfig {
        runs: a.runs.max(1),
        only: a.only.clone(),
        ..OpsConfig::default()
    };
    crate::outln!(
        "threads: {}, runs per case: {}, device: {}",
        rayon::current_num_threads(),
        cfg.runs,
        a.device
    );
    let step = |c| network_step(c, cfg.runs, batch, &device).map(|t| net_table(&[t]));
    let result = match a.config {
        Config::Ops => ops(&cfg).map(|t| table(&t)),
        Config::Kernels => kernels(&cfg).map(|t| table(&t)),
        Config::Twopath => step(NetConfig::Twopath),
        Config::Darts => step(NetConfig::Darts),
        Config::Derived => step(NetConfig::Derived),
    };
    match result {
        Ok(text) => {
            crate::outln!("{text}");
            0
        }
        Err(e) => {
            crate::errln!("error: {e}");
            1
        }
    }
}

fn net_config(c: Config) -> Option<NetConfig> {
    match c {
        Config::Twopath => Some(NetConfig::Twopath),
        Config::Darts => Some(NetConfig::Darts),
        Config::Derived => Some(NetConfig::Derived),
        Config::Ops | Config::Kernels => None,
    }
}

/// nas and the PyTorch reference in alternating rounds (odd rounds PyTorch first, even
/// rounds nas first, so that a drift of the machine's speed favours neither).
fn side_by_side(a: &BenchArgs, python: &std::path::Path, batch: usize) -> i32 {
    let threads = rayon::current_num_threads();
    let reference = Reference {
        python: python.to_path_buf(),
        script: a.torch_script.clone(),
        threads,
        device: if a.device.starts_with("cuda") {
            "cuda".into()
        } else {
            "cpu".into()
        },
        batch,
    };
    let (runs, rounds) = (a.runs.max(1), a.rounds.max(1));
    crate::outln!(
        "side by side with {} {}: {threads} threads each, {rounds} rounds",
        python.display(),
        a.torch_script.display()
    );
    let result = match a.config {
        Config::Ops => side_by_side_ops(a, &reference, rounds),
        Config::Kernels => Err("the kernels configuration has no PyTorch reference".to_string()),
        c => {
            let config = net_config(c).expect("a network configuration");
            side_by_side_network(config, &reference, runs, rounds, threads, &a.device)
        }
    };
    match result {
        Ok(text) => {
            crate::outln!("{text}");
            0
        }
        Err(e) => {
            crate::errln!("error: {e}");
            1
        }
    }
}

fn side_by_side_network(
    config: NetConfig,
    reference: &Reference,
    runs: usize,
    rounds: usize,
    threads: usize,
    device: &str,
) -> Result<String, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let name = config.stage();
    let ours = || -> Result<NetTiming, String> {
        let out = Command::new(&exe)
            .args(["bench", name, "--json", "--runs", &runs.to_string()])
            .args(["--threads", &threads.to_string()])
            .args(["--device", device, "--batch", &reference.batch.to_string()])
            .output()
            .map_err(|e| format!("could not start {}: {e}", exe.display()))?;
        if !out.status.success() {
            return Err(format!(
                "nas bench {name} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        serde_json::from_slice(&out.stdout).map_err(|e| format!("unreadable nas timing: {e}"))
    };
    let mut all = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (torch, nas) = if round % 2 == 0 {
            let t = reference.network(config, runs).map_err(|e| e.to_string())?;
            (t, ours()?)
        } else {
            let n = ours()?;
            (
                reference.network(config, runs).map_err(|e| e.to_string())?,
                n,
            )
        };
        all.push(NetRound { torch, nas });
    }
    Ok(format!(
        "{name} on {device}, batch {}: {runs} timed steps per process after one warm-up step, median step\n{}",
        reference.batch,
        net_comparison_table(name, &all)
    ))
}

fn side_by_side_ops(a: &BenchArgs, reference: &Reference, rounds: usize) -> Result<String, String> {
    let cfg = OpsConfig {
        // the reference takes the best of 3
        runs: 3,
        only: a.only.clone(),
        paths: vec![Path::Fast],
        ..OpsConfig::default()
    };
    let (mut nas, mut torch) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut ours = || ops(&cfg).map(|t| nas.extend(t)).map_err(|e| e.to_string());
        if round % 2 == 0 {
            torch.extend(reference.ops().map_err(|e| e.to_string())?);
            ours()?;
        } else {
            ours()?;
            torch.extend(reference.ops().map_err(|e| e.to_string())?);
        }
    }
    Ok(format!(
        "each op forward + sum(y^2) + backward at batch 32, best of 3 runs per round and of all rounds\n{}",
        ops_comparison_table(&op_rows(&nas, &torch))
    ))
}
