//! The `nas` binary: parse the command line and hand over to `cli`.

mod cli;
mod progress;
mod run_cmd;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    std::process::exit(cli::run(cli));
}
