//! The command line's two output streams, written without panicking. `println!` panics
//! when stdout fails (a full disk, `> /dev/full`), which would abort a run in the middle of
//! its stages; here a failed write is reported once and the command goes on, so a run still
//! finishes and writes its folder. Contract:
//! - stdout: a reader that has gone (`nas ir f.nas | head`, a broken pipe) ends the output
//!   quietly; any other failure is reported once on stderr ("cannot write to stdout") and
//!   later output is dropped; [`exit_code`] then turns a success into exit status 1, so a
//!   script that reads the output learns that it is incomplete;
//! - stderr: a write that fails is dropped (there is nowhere left to report it).

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};

use nas_ir::codes::{c, CodeInfo};

/// The code of a failed stdout, for `nas explain`.
pub static CODES: &[CodeInfo] = &[c(
    "nas::cli::stdout",
    "the command's output could not be written to stdout",
    "Writing to stdout failed for a reason other than a reader that has gone (a closed pipe, as with `| head`, ends the output quietly): most often a full disk under a redirection. The command does not stop: `nas run` finishes its stages and writes its run folder, where every result printed is kept (the genotype in `derive/genotype.json`); what would have been printed after the failure is dropped, and the exit status is 1 so that a script reading the output learns that it is incomplete.",
    "nas run examples/quickstart.nas > /dev/full   # the run completes; exit status 1",
)];

/// Writing to stdout failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write to stdout: {reason}")]
#[diagnostic(
    code(nas::cli::stdout),
    help("the command goes on without printing; a run's results stay in its folder (free space, or redirect elsewhere)")
)]
pub struct StdoutFailed {
    pub reason: String,
}

/// 0: stdout works; 1: its reader has gone (quiet); 2: it failed (reported).
static STDOUT: AtomicU8 = AtomicU8::new(0);

/// Write `args` and a line end to stdout (the `outln!` macro).
pub fn out_line(args: std::fmt::Arguments<'_>) {
    out_text(&format!("{args}\n"));
}

/// Write `text` as it is to stdout.
pub fn out_text(text: &str) {
    if STDOUT.load(Ordering::Relaxed) != 0 {
        return;
    }
    let mut out = std::io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT.store(1, Ordering::Relaxed);
        } else {
            STDOUT.store(2, Ordering::Relaxed);
            crate::run_cmd::report(&StdoutFailed {
                reason: e.to_string(),
            });
        }
    }
}

/// Write `args` to stderr, dropping a failed write (the `errln!` / `errout!` macros).
pub fn err(args: std::fmt::Arguments<'_>) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_fmt(args).and_then(|()| e.flush());
}

/// Whether stdout has taken everything written to it so far, or its reader left (quiet).
pub fn stdout_ok() -> bool {
    STDOUT.load(Ordering::Relaxed) != 2
}

/// A command's exit status, made 1 when it succeeded but its output to stdout failed.
pub fn exit_code(code: i32) -> i32 {
    if code == 0 && !stdout_ok() {
        1
    } else {
        code
    }
}

/// `println!` that does not panic: see the module.
#[macro_export]
macro_rules! outln {
    () => { $crate::stdio::out_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::stdio::out_line(format_args!($($arg)*)) };
}

/// `eprintln!` that does not panic.
#[macro_export]
macro_rules! errln {
    () => { $crate::stdio::err(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::stdio::err(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that does not panic.
#[macro_export]
macro_rules! errout {
    ($($arg:tt)*) => { $crate::stdio::err(format_args!($($arg)*)) };
}
