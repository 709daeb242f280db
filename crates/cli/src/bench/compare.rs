//! Side-by-side tables of nas and its PyTorch reference, measured in one `nas bench` run:
//! per round the two figures, then the medians over rounds and their ratios.
//!
//! Contract: speed ratios are nas / PyTorch throughput (above 1: nas is faster), or for
//! ops PyTorch time / nas time (the same sense); memory ratios are nas / PyTorch peak
//! resident memory (below 1: nas needs less), or on a GPU peak device memory (PyTorch's
//! `max_memory_allocated` against the device memory nas's step held). Each op compares the
//! best run of each side.

use super::networks::NetTiming;
use super::reference::{RefNetwork, RefOp};
use super::timing::{median, Path, Timing};

/// One round of a network comparison.
#[derive(Debug, Clone)]
pub struct NetRound {
    pub torch: RefNetwork,
    pub nas: NetTiming,
}

/// Medians over rounds and the ratios of the medians.
#[derive(Debug, Clone, PartialEq)]
pub struct NetSummary {
    pub torch_images_per_sec: f64,
    pub nas_images_per_sec: f64,
    pub torch_peak_mb: f64,
    pub nas_peak_mb: f64,
    /// nas / PyTorch images per second.
    pub speed_ratio: f64,
    /// nas / PyTorch peak resident memory.
    pub memory_ratio: f64,
}

pub fn summarize(rounds: &[NetRound]) -> Option<NetSummary> {
    if rounds.is_empty() {
        return None;
    }
    let med = |f: &dyn Fn(&NetRound) -> f64| median(&mut rounds.iter().map(f).collect::<Vec<_>>());
    let (ti, ni) = (
        med(&|r| r.torch.images_per_sec),
        med(&|r| r.nas.images_per_sec),
    );
    let (tm, nm) = (
        med(&|r| r.torch.peak_rss_mb),
        med(&|r| nas_peak(&r.nas).unwrap_or(f64::NAN)),
    );
    Some(NetSummary {
        torch_images_per_sec: ti,
        nas_images_per_sec: ni,
        torch_peak_mb: tm,
        nas_peak_mb: nm,
        speed_ratio: ni / ti,
        memory_ratio: nm / tm,
    })
}

/// nas's peak memory: device memory on a GPU, resident memory on the CPU.
fn nas_peak(t: &NetTiming) -> Option<f64> {
    t.peak_device_mb.or(t.peak_rss_mb)
}

/// The rounds and their summary as a plain-text table.
pub fn net_comparison_table(config: &str, rounds: &[NetRound]) -> String {
    let mut out = format!(
        "{:<9} {:>6} {:>12} {:>10} {:>14} {:>12} {:>16}\n",
        "config",
        "round",
        "torch img/s",
        "nas img/s",
        "torch peak MB",
        "nas peak MB",
        "nas RSS first→last"
    );
    let mb = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.0}"));
    for (i, r) in rounds.iter().enumerate() {
        out.push_str(&format!(
            "{:<9} {:>6} {:>12.2} {:>10.2} {:>14.0} {:>12} {:>16}\n",
            config,
            i + 1,
            r.torch.images_per_sec,
            r.nas.images_per_sec,
            r.torch.peak_rss_mb,
            mb(nas_peak(&r.nas)),
            format!(
                "{}→{}",
                mb(r.nas.rss_after_first_mb),
                mb(r.nas.rss_after_last_mb)
            ),
        ));
    }
    if let Some(s) = summarize(rounds) {
        out.push_str(&format!(
            "{:<9} {:>6} {:>12.2} {:>10.2} {:>14.0} {:>12.0}\n",
            config,
            "median",
            s.torch_images_per_sec,
            s.nas_images_per_sec,
            s.torch_peak_mb,
            s.nas_peak_mb
        ));
        out.push_str(&format!(
            "{config}: speed nas/torch {:.2}x, peak memory nas/torch {:.2}x\n",
            s.speed_ratio, s.memory_ratio
        ));
    }
    out
}

/// One op at one size on both sides (best forward + backward over every round).
#[derive(Debug, Clone, PartialEq)]
pub struct OpRow {
    pub op: String,
    pub size: String,
    pub torch_ms: f64,
    pub nas_ms: f64,
    /// PyTorch time / nas time (above 1: nas is faster).
    pub speedup: f64,
}

/// Pairs the fast-path timings of nas with the reference's ops (best of every round on
/// each side); ops the reference did not time are left out.
pub fn op_rows(nas: &[Timing], torch: &[RefOp]) -> Vec<OpRow> {
    let mut rows: Vec<OpRow> = Vec::new();
    for t in nas.iter().filter(|t| t.path == Path::Fast) {
        let best_torch = torch
            .iter()
            .filter(|r| r.op == t.case && r.size == t.size)
            .map(|r| r.best_fwd_bwd_ms)
            .fold(f64::INFINITY, f64::min);
        if !best_torch.is_finite() {
            continue;
        }
        match rows.iter_mut().find(|r| r.op == t.case && r.size == t.size) {
            Some(r) => r.nas_ms = r.nas_ms.min(t.best_fwd_bwd_ms),
            None => rows.push(OpRow {
                op: t.case.clone(),
                size: t.size.clone(),
                torch_ms: best_torch,
                nas_ms: t.best_fwd_bwd_ms,
                speedup: 0.0,
            }),
        }
    }
    for r in &mut rows {
        r.speedup = r.torch_ms / r.nas_ms;
    }
    rows
}

/// The op rows as a plain-text table, each marked where nas is slower.
pub fn ops_comparison_table(rows: &[OpRow]) -> String {
    let mut out = format!(
        "{:<14} {:<24} {:>10} {:>10} {:>11}\n",
        "op", "size", "torch ms", "nas ms", "torch/nas"
    );
    for r in rows {
        let mark = if r.speedup < 1.0 { "  slower" } else { "" };
        out.push_str(&format!(
            "{:<14} {:<24} {:>10.2} {:>10.2} {:>10.2}x{mark}\n",
            r.op, r.size, r.torch_ms, r.nas_ms, r.speedup
        ));
    }
    let slower = rows.iter().filter(|r| r.speedup < 1.0).count();
    out.push_str(&format!(
        "{} of {} op sizes no slower than PyTorch\n",
        rows.len() - slower,
        rows.len()
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::NetConfig;

    fn nas(ips: f64, peak: f64) -> NetTiming {
        NetTiming {
            config: NetConfig::Twopath,
            params: 1,
            fwd_ms: 1.0,
            step_ms: 32e3 / ips,
            best_step_ms: 1.0,
            images_per_sec: ips,
            peak_rss_mb: Some(peak),
            rss_after_first_mb: Some(peak),
            rss_after_last_mb: Some(peak),
            rss_trace_mb: Vec::new(),
            live_trace_mb: Vec::new(),
            max_step_live_mb: None,
            steps: 3,
            batch: 32,
            peak_device_mb: None,
        }
    }

    fn torch(ips: f64, peak: f64) -> RefNetwork {
        RefNetwork {
            step_ms: 32e3 / ips,
            images_per_sec: ips,
            peak_rss_mb: peak,
            steps: 3,
        }
    }

    #[test]
    fn ratios_are_of_the_medians_over_rounds() {
        let rounds = [
            NetRound {
                torch: torch(20.0, 1600.0),
                nas: nas(30.0, 800.0),
            },
            NetRound {
                torch: torch(10.0, 1700.0),
                nas: nas(10.0, 900.0),
            },
            NetRound {
                torch: torch(22.0, 1650.0),
                nas: nas(33.0, 850.0),
            },
        ];
        let s = summarize(&rounds).unwrap();
        assert_eq!((s.torch_images_per_sec, s.nas_images_per_sec), (20.0, 30.0));
        assert!((s.speed_ratio - 1.5).abs() < 1e-12);
        assert!((s.memory_ratio - 850.0 / 1650.0).abs() < 1e-12);
        let text = net_comparison_table("twopath", &rounds);
        assert!(
            text.contains("speed nas/torch 1.50x, peak memory nas/torch 0.52x"),
            "{text}"
        );
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn on_a_gpu_the_memory_ratio_is_of_device_memory() {
        // the child's resident memory (host side) is not what PyTorch's CUDA peak measures
        let mut on_gpu = nas(30.0, 5000.0);
        on_gpu.peak_device_mb = Some(400.0);
        let rounds = [NetRound {
            torch: torch(20.0, 800.0),
            nas: on_gpu,
        }];
        let s = summarize(&rounds).unwrap();
        assert!((s.memory_ratio - 0.5).abs() < 1e-12, "{}", s.memory_ratio);
        let text = net_comparison_table("twopath", &rounds);
        assert!(text.contains("peak memory nas/torch 0.50x"), "{text}");
    }

    #[test]
    fn op_rows_take_the_best_of_each_side_and_mark_slower_ops() {
        let t = |case: &str, ms: f64| Timing {
            case: case.into(),
            size: "C=16 32x32 s1 batch 32".into(),
            path: Path::Fast,
            fwd_ms: ms,
            fwd_bwd_ms: ms,
            best_fwd_bwd_ms: ms,
            cpu_fwd_bwd_ms: ms,
        };
        let r = |op: &str, ms: f64| RefOp {
            op: op.into(),
            size: "C=16 32x32 s1 batch 32".into(),
            fwd_ms: ms,
            best_fwd_bwd_ms: ms,
        };
        let nas = [
            t("sep_conv_3x3", 12.0),
            t("sep_conv_3x3", 10.0),
            t("max_pool_3x3", 8.0),
            t("zzz", 1.0),
        ];
        let torch = [
            r("sep_conv_3x3", 11.0),
            r("sep_conv_3x3", 12.0),
            r("max_pool_3x3", 4.0),
        ];
        let rows = op_rows(&nas, &torch);
        assert_eq!(rows.len(), 2, "an op the reference lacks is left out");
        assert_eq!((rows[0].torch_ms, rows[0].nas_ms), (11.0, 10.0));
        assert!((rows[0].speedup - 1.1).abs() < 1e-12);
        let text = ops_comparison_table(&rows);
        assert!(text.lines().nth(2).unwrap().ends_with("slower"), "{text}");
        assert!(text.contains("1 of 2 op sizes no slower than PyTorch"));
    }
}
