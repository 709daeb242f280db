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
}

/// Medians of forward and forward + backward, and the fastest forward + backward, in ms.
pub(crate) struct Measured {
    pub fwd_ms: f64,
    pub fwd_bwd_ms: f64,
    pub best_fwd_bwd_ms: f64,
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
    let once = || -> candle_core::Result<(f64, f64)> {
        let t0 = Instant::now();
        let y = f()?;
        let loss = y.sqr()?.sum_all()?;
        let t1 = Instant::now();
        let grads = loss.backward()?;
        let t2 = Instant::now();
        drop(grads);
        Ok(((t1 - t0).as_secs_f64() * 1e3, (t2 - t0).as_secs_f64() * 1e3))
    };
    once().map_err(tensor_err)?;
    let mut fwd = Vec::with_capacity(runs);
    let mut total = Vec::with_capacity(runs);
    for _ in 0..runs {
        let (a, b) = once().map_err(tensor_err)?;
        fwd.push(a);
        total.push(b);
    }
    let best_fwd_bwd_ms = total.iter().copied().fold(f64::INFINITY, f64::min);
    Ok(Measured {
        fwd_ms: median(&mut fwd),
        fwd_bwd_ms: median(&mut total),
        best_fwd_bwd_ms,
    })
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// A plain-text table pairing the fast and slow timings of each (case, size), with the
/// slow / fast ratio of the median forward + backward.
pub fn table(timings: &[Timing]) -> String {
    let mut out = format!(
        "{:<18} {:<24} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>6}\n",
        "case",
        "size",
        "fast fwd",
        "fast f+b",
        "fast best",
        "slow fwd",
        "slow f+b",
        "slow best",
        "ratio"
    );
    let fast = timings.iter().filter(|t| t.path == Path::Fast);
    for f in fast {
        let slow = timings
            .iter()
            .find(|s| s.path == Path::Slow && s.case == f.case && s.size == f.size);
        let (sf, sb, sbest, ratio) = match slow {
            Some(s) => (
                format!("{:.2}", s.fwd_ms),
                format!("{:.2}", s.fwd_bwd_ms),
                format!("{:.2}", s.best_fwd_bwd_ms),
                format!("{:.1}x", s.fwd_bwd_ms / f.fwd_bwd_ms),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        out.push_str(&format!(
            "{:<18} {:<24} {:>9.2} {:>9.2} {:>9.2} {:>9} {:>9} {:>9} {:>6}\n",
            f.case, f.size, f.fwd_ms, f.fwd_bwd_ms, f.best_fwd_bwd_ms, sf, sb, sbest, ratio
        ));
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
        };
        let text = table(&[t(Path::Fast, 2.0), t(Path::Slow, 10.0)]);
        assert!(text.lines().nth(1).unwrap().ends_with("5.0x"), "{text}");
    }
}
