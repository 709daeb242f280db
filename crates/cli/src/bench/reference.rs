//! The PyTorch reference of `nas bench` (`../shared/bench/torch_ref.py`): runs it as a
//! child process with the same configuration and thread count, and reads its figures, so
//! that both frameworks are measured side by side in one `nas bench` run.
//!
//! Contract: `twopath` runs the script's `twopath`, `darts` its `supernet`, `ops` its
//! `edge`; `derived` has no reference. A network run reports the median of the script's
//! per-step totals after its warm-up step (the statistic `network_step` reports for nas)
//! and its peak `maxrss`; an `edge` run reports each op's best-of-3 forward + backward.
//! Nothing here prints.

use std::path::PathBuf;
use std::process::Command;

use super::networks::{NetConfig, BATCH};
use super::timing::median;
use super::BenchError;

/// Where the reference runs: the Python with torch installed, and the script.
#[derive(Debug, Clone)]
pub struct Reference {
    pub python: PathBuf,
    pub script: PathBuf,
    pub threads: usize,
    /// `cpu` or `cuda` (the script's `TORCH_REF_DEVICE`).
    pub device: String,
    /// Images per network step (the script's `TORCH_REF_BATCH`).
    pub batch: usize,
}

/// One reference run of a whole network.
#[derive(Debug, Clone, PartialEq)]
pub struct RefNetwork {
    /// Median forward + backward step, ms (steps after the warm-up step).
    pub step_ms: f64,
    pub images_per_sec: f64,
    /// Peak resident memory of the Python process, MB.
    pub peak_rss_mb: f64,
    pub steps: usize,
}

/// One op at one size from the reference's `edge` run.
#[derive(Debug, Clone, PartialEq)]
pub struct RefOp {
    pub op: String,
    /// In `nas bench ops` form, e.g. `C=16 32x32 s1 batch 32`.
    pub size: String,
    pub fwd_ms: f64,
    /// Best of the script's 3 forward + backward runs.
    pub best_fwd_bwd_ms: f64,
}

fn failed(reason: String) -> BenchError {
    BenchError::Reference { reason }
}

impl Reference {
    fn run(&self, args: &[String]) -> Result<String, BenchError> {
        let out = Command::new(&self.python)
            .arg(&self.script)
            .args(args)
            .env("TORCH_REF_DEVICE", &self.device)
            .env("TORCH_REF_BATCH", self.batch.to_string())
            .output()
            .map_err(|e| failed(format!("could not start `{}`: {e}", self.python.display())))?;
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("");
            return Err(failed(format!(
                "`{} {} {}` exited with {}: {last}",
                self.python.display(),
                self.script.display(),
                args.join(" "),
                out.status
            )));
        }
        Ok(text)
    }

    /// Runs the reference of a network configuration for `steps` timed steps.
    pub fn network(&self, config: NetConfig, steps: usize) -> Result<RefNetwork, BenchError> {
        let cmd = match config {
            NetConfig::Twopath => "twopath",
            NetConfig::Darts => "supernet",
            NetConfig::Derived => {
                return Err(failed(
                    "torch_ref.py has no `derived` network to compare with".into(),
                ))
            }
        };
        let text = self.run(&[cmd.into(), steps.to_string(), self.threads.to_string()])?;
        parse_network(&text, &self.device, self.batch)
    }

    /// Runs the reference's `edge` configuration (every DARTS op at the three sizes).
    pub fn ops(&self) -> Result<Vec<RefOp>, BenchError> {
        let text = self.run(&["edge".into(), "3".into(), self.threads.to_string()])?;
        parse_edge(&text)
    }
}

/// The number after `key` in `line` (e.g. `total 1.506s` -> 1.506 for key `total`).
fn number_after(line: &str, key: &str) -> Option<f64> {
    let rest = line.split(key).nth(1)?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Reads `step K: ... total Xs maxrss M MB` lines: median total of steps K >= 1. The
/// header line (`torch V threads T cmd C device D batch B`) must name the `device` and
/// `batch` asked for: a script that ignores them would be compared at another setting.
pub fn parse_network(text: &str, device: &str, batch: usize) -> Result<RefNetwork, BenchError> {
    let header = text.lines().find(|l| l.starts_with("torch ")).unwrap_or("");
    let ran_batch = number_after(header, " batch ").map_or(BATCH, |b| b as usize);
    let ran_device = header
        .split(" device ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map_or("cpu", |d| d.split(':').next().unwrap_or(d));
    if ran_batch != batch || ran_device != device {
        return Err(failed(format!(
            "the reference ran on {ran_device} at batch {ran_batch}, not on {device} at batch {batch} (does the script read TORCH_REF_DEVICE and TORCH_REF_BATCH?)"
        )));
    }
    let mut totals = Vec::new();
    let mut peak = 0.0f64;
    for line in text.lines().filter(|l| l.starts_with("step ")) {
        let step = number_after(line, "step ");
        let total = number_after(line, " total ");
        let rss = number_after(line, " maxrss ");
        match (step, total, rss) {
            (Some(k), Some(t), Some(m)) => {
                peak = peak.max(m);
                if k >= 1.0 {
                    totals.push(t * 1e3);
                }
            }
            _ => return Err(failed(format!("unreadable step line `{line}`"))),
        }
    }
    if totals.is_empty() {
        return Err(failed("the reference printed no timed step".into()));
    }
    let steps = totals.len();
    let step_ms = median(&mut totals);
    Ok(RefNetwork {
        step_ms,
        images_per_sec: batch as f64 / (step_ms / 1e3),
        peak_rss_mb: peak,
        steps,
    })
}

/// Reads `edge C=.. HxW stride S batch B:` headers and `  op  fwd X ms  fwd+bwd Y ms` rows.
pub fn parse_edge(text: &str) -> Result<Vec<RefOp>, BenchError> {
    let mut size: Option<String> = None;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("edge ") {
            let words: Vec<&str> = h.trim_end_matches(':').split_whitespace().collect();
            // ["C=16", "32x32", "stride", "1", "batch", "32"]
            if words.len() != 6 || words[2] != "stride" || words[4] != "batch" {
                return Err(failed(format!("unreadable edge header `{line}`")));
            }
            size = Some(format!(
                "{} {} s{} batch {}",
                words[0], words[1], words[3], words[5]
            ));
        } else if line.starts_with("  ") && line.contains("fwd+bwd") {
            let op = line.split_whitespace().next().unwrap_or("");
            if op == "sum" {
                continue;
            }
            let (Some(size), Some(f), Some(fb)) = (
                size.clone(),
                number_after(line, " fwd "),
                number_after(line, "fwd+bwd "),
            ) else {
                return Err(failed(format!("unreadable edge row `{line}`")));
            };
            out.push(RefOp {
                op: op.to_string(),
                size,
                fwd_ms: f,
                best_fwd_bwd_ms: fb,
            });
        }
    }
    if out.is_empty() {
        return Err(failed("the reference printed no op timings".into()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_lines_give_the_median_after_warm_up_and_the_peak() {
        let text = "torch 2.15.0 threads 2 cmd twopath\nparams 1372442\n\
            step 0: loss 4.9 fwd 1.036s bwd 0.889s total 1.926s maxrss 1516 MB\n\
            step 1: loss 5.4 fwd 0.709s bwd 0.797s total 1.506s maxrss 1596 MB\n\
            step 2: loss 4.7 fwd 0.590s bwd 0.874s total 1.463s maxrss 1644 MB\n\
            step 3: loss 5.3 fwd 0.660s bwd 0.714s total 1.375s maxrss 1644 MB\n\
            RESULT torch twopath: mean fwd+bwd 1.457s/step = 22.0 img/s\n";
        let r = parse_network(text, "cpu", 32).unwrap();
        assert_eq!(r.steps, 3);
        assert!((r.step_ms - 1463.0).abs() < 1e-9, "{}", r.step_ms);
        assert_eq!(r.peak_rss_mb, 1644.0);
        assert!((r.images_per_sec - 32.0 / 1.463).abs() < 1e-9);
    }

    #[test]
    fn the_reference_must_run_on_the_device_and_batch_asked_for() {
        let steps = "step 0: loss 4.9 fwd 1.0s bwd 0.9s total 0.200s maxrss 900 MB\n\
            step 1: loss 5.4 fwd 0.1s bwd 0.1s total 0.100s maxrss 1000 MB\n";
        let cuda = format!("torch 2.15.0 threads 16 cmd twopath device cuda batch 96\n{steps}");
        let r = parse_network(&cuda, "cuda", 96).unwrap();
        assert!(
            (r.images_per_sec - 960.0).abs() < 1e-9,
            "{}",
            r.images_per_sec
        );
        assert_eq!(r.peak_rss_mb, 1000.0);
        let e = parse_network(&cuda, "cuda", 32).unwrap_err().to_string();
        assert!(e.contains("not on cuda at batch 32"), "{e}");
        let e = parse_network(&cuda, "cpu", 96).unwrap_err().to_string();
        assert!(e.contains("ran on cuda at batch 96"), "{e}");
        // an older script prints neither: it ran on the CPU at batch 32
        let old = format!("torch 2.15.0 threads 2 cmd twopath\n{steps}");
        assert!(parse_network(&old, "cpu", 32).is_ok());
        assert!(parse_network(&old, "cuda", 32).is_err());
    }

    #[test]
    fn edge_rows_are_named_like_nas_bench_ops() {
        let text = "torch 2.15.0 threads 2 cmd edge\nedge C=16 32x32 stride 1 batch 32:\n\
            \x20 none           fwd     0.88 ms  fwd+bwd     3.16 ms\n\
            \x20 sep_conv_3x3   fwd     3.94 ms  fwd+bwd    10.65 ms\n\
            \x20 sum            fwd+bwd    96.19 ms\n\
            edge C=64 8x8 stride 1 batch 32:\n\
            \x20 dil_conv_5x5   fwd     0.92 ms  fwd+bwd     5.75 ms\n";
        let r = parse_edge(text).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1].op, "sep_conv_3x3");
        assert_eq!(r[1].size, "C=16 32x32 s1 batch 32");
        assert_eq!((r[1].fwd_ms, r[1].best_fwd_bwd_ms), (3.94, 10.65));
        assert_eq!(r[2].size, "C=64 8x8 s1 batch 32");
    }

    #[test]
    fn output_without_figures_is_an_error() {
        assert!(parse_network("Traceback: no module named torch\n", "cpu", 32).is_err());
        assert!(parse_edge("nothing here\n").is_err());
        assert!(parse_network("step 1: loss nan fwd 1s bwd 1s\n", "cpu", 32).is_err());
    }

    #[test]
    fn a_missing_python_is_an_error_not_a_panic() {
        let r = Reference {
            python: PathBuf::from("/nonexistent/python3"),
            script: PathBuf::from("torch_ref.py"),
            threads: 1,
            device: "cpu".into(),
            batch: 32,
        };
        let e = r.network(NetConfig::Twopath, 1).unwrap_err();
        assert!(e.to_string().contains("could not start"), "{e}");
        assert!(r.network(NetConfig::Derived, 1).is_err());
    }
}
