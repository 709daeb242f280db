//! `cargo bench --bench ops -- [ops|kernels|all] [runs] [fast|both] [case filter]`: runs the `nas bench` `ops` and/or
//! `kernels` configurations (batch 32, the three DARTS edge sizes, f32, CPU) and prints
//! fast-vs-slow tables. A stand-in until the CLI's `nas bench` is wired.

use nas::bench::{kernels, ops, table, OpsConfig};

fn main() {
    let tuned = nas::bench::keep_freed_memory();
    // cargo passes `--bench` to harness-less benches; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let which = args.first().map(String::as_str).unwrap_or("all");
    let runs = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut cfg = OpsConfig {
        runs,
        ..OpsConfig::default()
    };
    if args.get(2).map(String::as_str) == Some("fast") {
        cfg.paths = vec![nas::bench::Path::Fast];
    }
    cfg.only = args.get(3).cloned();
    println!(
        "threads: {} (RAYON_NUM_THREADS or cores), runs per case: {runs}, malloc keeps freed memory: {tuned}",
        rayon::current_num_threads()
    );
    let run =
        |name: &str,
         f: fn(&OpsConfig) -> Result<Vec<nas::bench::Timing>, nas::bench::BenchError>| {
            match f(&cfg) {
                Ok(t) => println!("== {name} (ms, median of {runs})\n{}", table(&t)),
                Err(e) => eprintln!("{name}: {e}: {:?}", std::error::Error::source(&e)),
            }
        };
    if which == "kernels" || which == "all" {
        run("kernels", kernels);
    }
    if which == "ops" || which == "all" {
        run("ops", ops);
    }
}
