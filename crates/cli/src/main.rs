//! The `nas` binary: parse the command line and hand over to `cli`.

use clap::Parser;
use nas_cli::{bench, cli, threads};

/// Counts live heap bytes for `nas bench` (two relaxed atomics per allocation).
#[global_allocator]
static ALLOC: bench::alloc::Counting = bench::alloc::Counting;

fn main() {
    // reuse freed tensor memory instead of returning it to the OS (page faults dominated)
    bench::keep_freed_memory();
    let cli = cli::Cli::parse();
    threads::configure(cli.threads());
    std::process::exit(nas_cli::stdio::exit_code(cli::run(cli)));
}
