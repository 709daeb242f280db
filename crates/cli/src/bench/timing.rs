//! Timing records and the median-of-runs timer shared by the benchmark configurations.
//!
//! Contract: [`time_fwd_bwd`] runs one warm-up and then `runs` measured repetitions of
//! forward, `sum(y^2)`, backward, and reports the medians in milliseconds.

use super::BenchError;
use candle_core::Tensor;
use std::time::Instant;

/// Which implementation was timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The custom CPU kernels of `nn::kernels`.
    Fast,
    /// The `_slow` composite references.
    Slow,
}

/// One measured case.
#[derive(Debug, Clone, PartialEq)]
pub struct Timing {
    /// What ran, e.g. `sep_conv_3x3` or `depthwise 5x5 d2`.
    pub case: String,
    /// The size, e.g. `C=16 32x32 s1 batch 32`.
    pub size: String,
    pub path: Path,
    /// Median forward time in milliseconds.
    pub fwd_ms: f64,
    /// Median forward + backward time in milliseconds.
    pub fwd_bwd_ms: f64,
    /// Fastest forward + backward run in milliseconds (less sensitive to a busy machine).
    pub best_fwd_bwd_ms: f64,
    /// Median process CPU time (all threads) of forward + backward in milliseconds; on a
    /// machine shared with other jobs this measures the work done, not the waiting.
    pub cpu_fwd_bwd_ms: f64,
}

/// Medians of forward and forward + backward, and the fastest forward + backward, in ms.
pub(crate) struct Measured {
    pub fwd_ms: f64,
    pub fwd_bwd_ms: f64,
    pub best_fwd_bwd_ms: f64,
    pub cpu_fwd_bwd_ms: f64,
}

/// CPU time of the whole process (all threads) in ms, or NaN where it is unavailable.
fn process_cpu_ms() -> f64 {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec through a valid, exclusive pointer.
        if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } == 0 {
            return ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 * 1e-6;
        }
    }
    f64::NAN
}

/// Times `runs` repetitions of `f` (forward), `sum(f()^2)` and backward after a warm-up;
/// the squared loss gives every input and parameter a gradient.
pub(crate) fn time_fwd_bwd(
    runs: usize,
    what: &str,
    f: &dyn Fn() -> candle_core::Result<Tensor>,
) -> Result<Measured, BenchError> {
    if runs == 0 {
        return Err(BenchError::Config {
            reason: "runs must be at least 1".into(),
        });
    }
    let tensor_err = |source| BenchError::Tensor {
        what: what.to_string(),
        source,
    };
    let once = || -> candle_core::Result<[f64; 3]> {
        let (t0, c0) = (Instant::now(), process_cpu_ms());
        let y = f()?;
        let loss = y.sqr()?.sum_all()?;
        let t1 = Instant::now();
        let grads = loss.backward()?;
        let (t2, c2) = (Instant::now(), process_cpu_ms());
        drop(grads);
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
        Ok([ms(t1 - t0), ms(t2 - t0), c2 - c0])
    };
    once().map_err(tensor_err)?;
    let mut runs_ms = [const { Vec::new() }; 3];
    for _ in 0..runs {
        let r = once().map_err(tensor_err)?;
        for (v, x) in runs_ms.iter_mut().zip(r) {
            v.push(x);
        }
    }
    let [mut fwd, mut total, mut cpu] = runs_ms;
    Ok(Measured {
        best_fwd_bwd_ms: total.iter().copied().fold(f64::INFINITY, f64::min),
        fwd_ms: median(&mut fwd),
        fwd_bwd_ms: median(&mut total),
        cpu_fwd_bwd_ms: median(&mut cpu),
    })
}

/// The median of `v` (sorts it).
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// A plain-text table pairing the fast and slow timings of each (case, size): median wall
/// time of forward and of forward + backward, the fastest forward + backward, median
/// process CPU time of forward + backward, and the slow / fast ratio of median wall time.
pub fn table(timings: &[Timing]) -> String {
    let head = ["fwd", "f+b", "best", "cpu"];
    let mut out = format!("{:<18} {:<24}", "case", "size");
    for side in ["fast", "slow"] {
        for h in head {
            out.push_str(&format!(" {:>10}", format!("{side} {h}")));
        }
    }
    out.push_str(&format!(" {:>6}\n", "ratio"));
    for f in timings.iter().filter(|t| t.path == Path::Fast) {
        let slow = timings
            .iter()
            .find(|s| s.path == Path::Slow && s.case == f.case && s.size == f.size);
        out.push_str(&format!("{:<18} {:<24}", f.case, f.size));
        for t in [Some(f), slow] {
            for v in t.map_or([f64::NAN; 4], |t| {
                [t.fwd_ms, t.fwd_bwd_ms, t.best_fwd_bwd_ms, t.cpu_fwd_bwd_ms]
            }) {
                out.push_str(&format!(" {v:>10.2}"));
            }
        }
        let ratio = slow.map_or(f64::NAN, |s| s.fwd_bwd_ms / f.fwd_bwd_ms);
        out.push_str(&format!(" {:>5.1}x\n", ratio));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn table_pairs_fast_with_slow_and_reports_the_ratio() {
        let t = |path, ms| Timing {
            case: "op".into(),
            size: "s".into(),
            path,
            fwd_ms: ms / 2.0,
            fwd_bwd_ms: ms,
            best_fwd_bwd_ms: ms,
            cpu_fwd_bwd_ms: ms,
        };
        let text = table(&[t(Path::Fast, 2.0), t(Path::Slow, 10.0)]);
        assert!(text.lines().nth(1).unwrap().ends_with("5.0x"), "{text}");
    }
}
