//! Whole-network benchmark configurations: one training step (forward and backward, no
//! optimiser update) of the `twopath`, `darts` and `derived` networks of `networks.nas`,
//! built from source exactly as `nas run` builds them.
//!
//! Contract: each timed step resamples the two-path gates first (outside the timed region,
//! as `torch_ref.py` does), then times forward + loss and backward on fixed random inputs;
//! one warm-up step, then `runs` measured steps; medians in milliseconds. `twopath` is
//! NT-Xent (tau 0.07) on 2 x batch views, `darts` and `derived` cross-entropy on batch
//! images with labels `i % 10`. Peak and current resident memory are read from
//! `/proc/self/status` after the steps (the process's peak, so run one configuration per
//! process to attribute it).

use std::path::Path as FsPath;
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::timing::median;
use super::BenchError;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};
use nas_engine::nn::Network;
use nas_ir::{NetworkSpec, StageKind};

/// The source of the configurations.
pub const NETWORKS_NAS: &str = include_str!("networks.nas");

/// Images per step by default (`twopath` makes two views of each); `nas bench --batch`
/// changes it (the paper's search batch is 96).
pub const BATCH: usize = 32;

fn default_batch() -> usize {
    BATCH
}

/// A whole-network configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetConfig {
    /// SSWP search step: two-path edges, per-cell alphas, SimCLR head, NT-Xent.
    Twopath,
    /// DARTS mixed-op supernet, cross-entropy.
    Darts,
    /// The DARTS-V2 genotype network (8 cells, C = 16), cross-entropy.
    Derived,
}

impl NetConfig {
    /// The stage of `networks.nas` that describes it.
    pub fn stage(self) -> &'static str {
        match self {
            NetConfig::Twopath => "twopath",
            NetConfig::Darts => "darts",
            NetConfig::Derived => "derived",
        }
    }
}

/// One measured configuration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NetTiming {
    pub config: NetConfig,
    /// Trainable parameters (alphas excluded).
    pub params: usize,
    /// Median forward + loss time, ms.
    pub fwd_ms: f64,
    /// Median forward + loss + backward time, ms.
    pub step_ms: f64,
    /// Fastest step, ms.
    pub best_step_ms: f64,
    /// Images (not views) per second at the median step time.
    pub images_per_sec: f64,
    /// Peak resident memory of the process, MB (None off Linux).
    pub peak_rss_mb: Option<f64>,
    /// Resident memory after the first measured step and after the last, MB: growth over a
    /// long run shows here.
    pub rss_after_first_mb: Option<f64>,
    pub rss_after_last_mb: Option<f64>,
    /// Resident memory (MB) after measured step 1, every `steps / 10` steps and the last
    /// (empty off Linux): whether memory levels off or keeps growing.
    #[serde(default)]
    pub rss_trace_mb: Vec<(usize, f64)>,
    /// Heap bytes live (MB) after the same steps, where the binary counts allocations
    /// (`bench::alloc`; empty otherwise): flat when nothing leaks.
    #[serde(default)]
    pub live_trace_mb: Vec<(usize, f64)>,
    /// The most heap live at once during any measured step, MB (None when not counted).
    #[serde(default)]
    pub max_step_live_mb: Option<f64>,
    /// Measured steps.
    pub steps: usize,
    /// Images per step.
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// On a GPU: the most device memory in use after any measured forward or backward, less
    /// what was in use before the network was built, MB (None on the CPU).
    #[serde(default)]
    pub peak_device_mb: Option<f64>,
}

/// The network spec of `config`, compiled from [`NETWORKS_NAS`].
pub fn spec(config: NetConfig) -> Result<NetworkSpec, BenchError> {
    let c = compile_text(
        "bench/networks.nas",
        NETWORKS_NAS,
        FsPath::new("."),
        // only the networks are used: the placeholder dataset need not exist here
        &LoadOptions {
            no_data: true,
            ..LoadOptions::default()
        },
        &Select::default(),
    );
    let bad = |reason: String| BenchError::Config { reason };
    if c.has_errors() {
        return Err(bad(
            "the built-in bench/networks.nas does not compile".into()
        ));
    }
    let program = c
        .programs
        .into_iter()
        .next()
        .ok_or_else(|| bad("bench/networks.nas has no pipeline".into()))?;
    let stage = program
        .pipeline
        .stages
        .into_iter()
        .find(|s| s.name == config.stage())
        .ok_or_else(|| {
            bad(format!(
                "no stage `{}` in bench/networks.nas",
                config.stage()
            ))
        })?;
    match stage.kind {
        StageKind::SslSearch(s) => Ok(s.network),
        StageKind::Train(s) => Ok(s.network),
        _ => Err(bad(format!("stage `{}` has no network", config.stage()))),
    }
}

/// Time `runs` steps of `config` at `batch` images on `device` (f32). On a GPU each
/// timestamp waits for the device to finish its queued work.
pub fn network_step(
    config: NetConfig,
    runs: usize,
    batch: usize,
    device: &Device,
) -> Result<NetTiming, BenchError> {
    if runs == 0 || batch < 2 {
        return Err(BenchError::Config {
            reason: "runs must be at least 1 and the batch at least 2".into(),
        });
    }
    let what = config.stage();
    let terr = |source| BenchError::Tensor {
        what: what.to_string(),
        source,
    };
    let nerr = |e: nas_engine::nn::NnError| BenchError::Config {
        reason: format!("building `{what}`: {e}"),
    };
    let spec = spec(config)?;
    let device_base = super::device_mem::used_mb(device);
    let mut peak_device = None::<f64>;
    let device_peak = |peak: &mut Option<f64>| {
        if let (Some(base), Some(now)) = (device_base, super::device_mem::used_mb(device)) {
            *peak = Some(peak.unwrap_or(0.0).max(now - base));
        }
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut net = Network::new(&spec, None, &mut rng, DType::F32, device).map_err(nerr)?;
    let params: usize = net.params().iter().map(|(_, v)| v.elem_count()).sum();
    let views = if config == NetConfig::Twopath { 2 } else { 1 };
    let n = views * batch;
    let x = Tensor::randn(0f32, 1f32, (n, 3, 32, 32), device).map_err(terr)?;
    let labels: Vec<u32> = (0..n as u32).map(|i| i % 10).collect();
    let y = Tensor::new(labels.as_slice(), device).map_err(terr)?;

    let mut fwd = Vec::with_capacity(runs);
    let mut step = Vec::with_capacity(runs);
    let mut rss_trace = Vec::new();
    let mut live_trace = Vec::new();
    let mut max_step_live = 0usize;
    let counted = super::alloc::installed();
    let every = (runs / 10).max(1);
    for i in 0..=runs {
        if config == NetConfig::Twopath {
            net.resample(&mut rng, true, false).map_err(nerr)?;
        }
        super::alloc::reset_peak();
        let t0 = Instant::now();
        let out = net.forward_t(&x, true).map_err(nerr)?;
        let loss = match config {
            NetConfig::Twopath => {
                nas_engine::ssl::simclr::nt_xent(&out.out, 0.07)
                    .map_err(|e| BenchError::Config {
                        reason: format!("{what}: {e}"),
                    })?
                    .loss
            }
            _ => nas_engine::ssl::supervised::cross_entropy(&out.out, &y, 0.0).map_err(|e| {
                BenchError::Config {
                    reason: format!("{what}: {e}"),
                }
            })?,
        };
        device.synchronize().map_err(terr)?;
        let t1 = Instant::now();
        if i > 0 {
            device_peak(&mut peak_device);
        }
        let grads = loss.backward().map_err(terr)?;
        device.synchronize().map_err(terr)?;
        let t2 = Instant::now();
        if i > 0 {
            device_peak(&mut peak_device);
        }
        drop(grads);
        drop(loss);
        drop(out);
        if i == 0 {
            continue; // warm-up
        }
        fwd.push((t1 - t0).as_secs_f64() * 1e3);
        step.push((t2 - t0).as_secs_f64() * 1e3);
        max_step_live = max_step_live.max(super::alloc::peak_bytes());
        if i == 1 || i % every == 0 || i == runs {
            if let Some(mb) = proc_status_mb("VmRSS:") {
                rss_trace.push((i, mb));
            }
            if counted {
                live_trace.push((i, super::alloc::live_bytes() as f64 / MB));
            }
        }
    }
    let best = step.iter().copied().fold(f64::INFINITY, f64::min);
    let step_ms = median(&mut step);
    Ok(NetTiming {
        config,
        params,
        fwd_ms: median(&mut fwd),
        step_ms,
        best_step_ms: best,
        images_per_sec: batch as f64 / (step_ms / 1e3),
        peak_rss_mb: proc_status_mb("VmHWM:"),
        rss_after_first_mb: rss_trace.first().map(|&(_, mb)| mb),
        rss_after_last_mb: rss_trace.last().map(|&(_, mb)| mb),
        rss_trace_mb: rss_trace,
        live_trace_mb: live_trace,
        max_step_live_mb: counted.then_some(max_step_live as f64 / MB),
        steps: runs,
        batch,
        peak_device_mb: peak_device,
    })
}

const MB: f64 = 1024.0 * 1024.0;

/// A field of `/proc/self/status` (kB) in MB.
fn proc_status_mb(field: &str) -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

/// A plain-text table of network timings.
pub fn net_table(t: &[NetTiming]) -> String {
    let mb = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
    let mut out = format!(
        "{:<9} {:>10} {:>9} {:>9} {:>9} {:>8} {:>9} {:>14}\n",
        "config", "params", "fwd ms", "step ms", "best ms", "img/s", "peak MB", "RSS first→last"
    );
    for r in t {
        out.push_str(&format!(
            "{:<9} {:>10} {:>9.1} {:>9.1} {:>9.1} {:>8.2} {:>9} {:>14}\n",
            r.config.stage(),
            r.params,
            r.fwd_ms,
            r.step_ms,
            r.best_step_ms,
            r.images_per_sec,
            mb(r.peak_rss_mb),
            format!("{}→{}", mb(r.rss_after_first_mb), mb(r.rss_after_last_mb)),
        ));
    }
    let trace = |out: &mut String, what: &str, v: &[(usize, f64)]| {
        out.push_str(what);
        for (step, v) in v {
            out.push_str(&format!(" {step}: {v:.1}"));
        }
        out.push('\n');
    };
    for r in t.iter().filter(|r| r.rss_trace_mb.len() > 2) {
        let name = r.config.stage();
        trace(
            &mut out,
            &format!("{name} resident MB after step:"),
            &r.rss_trace_mb,
        );
        if !r.live_trace_mb.is_empty() {
            trace(
                &mut out,
                &format!("{name} live heap MB after step:"),
                &r.live_trace_mb,
            );
        }
        if let Some(m) = r.max_step_live_mb {
            out.push_str(&format!("{name} most heap live within a step: {m:.0} MB\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configuration_compiles_to_a_network() {
        for c in [NetConfig::Twopath, NetConfig::Darts, NetConfig::Derived] {
            let s = spec(c).expect("spec");
            assert_eq!(s.in_channels, 3, "{c:?}");
        }
    }
}
