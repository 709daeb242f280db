//! How many threads tensor ops use. Part of the binary.
//!
//! candle 0.11 sizes its own worker pool from `CANDLE_NUM_THREADS` / `RAYON_NUM_THREADS`,
//! and when neither is set it counts physical cores by parsing `/proc/cpuinfo` on every
//! matrix product (measured: ~8% of a sep_conv step in `perf`). It also ignored `--threads`,
//! which only sized rayon's pool, so `--threads 1` ran a second, spin-waiting candle worker.
//! Setting both variables once, before the first tensor op, fixes the count for every pool.

/// Fix the thread count of candle's and rayon's pools: `requested`, else the variables the
/// user set, else the cores this process may run on. Returns the count in effect.
pub fn configure(requested: Option<usize>) -> usize {
    let from_env = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
    };
    let n = requested
        .map(|n| n.max(1))
        .or_else(|| from_env("CANDLE_NUM_THREADS"))
        .or_else(|| from_env("RAYON_NUM_THREADS"))
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // Single-threaded here: called from `main` before any pool or tensor exists.
    std::env::set_var("CANDLE_NUM_THREADS", n.to_string());
    std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    n
}
