//! `nas fmt [--check] FILE...`: rewrite `.nas` files in the canonical layout
//! (`nas_syntax::fmt`), or with `--check` list those whose layout would change. Part of the
//! binary.
//!
//! Contract: a file is rewritten only when its layout changes, through a temporary file and a
//! rename (`nas_ir::files::write_atomic`), so it is never left half written; a file with a
//! syntax error, or one that cannot be read, is not touched and gets its coded diagnostic.
//! Every file is tried. Exit 0 when all went well, 1 when a file could not be formatted or
//! (with `--check`) would change, 2 for a bad command line.

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};

use clap::Args;

use nas_syntax::diagnostics::Diag;
use nas_syntax::error::ParseError;
use nas_syntax::fmt::FmtError;
use nas_syntax::source::{SourceMap, Span};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Write nothing: list the files whose layout would change, and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    /// The .nas files, rewritten in place.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// Why a file was not formatted: its diagnostics and the sources they point into.
#[derive(Debug)]
pub struct Failure {
    pub sources: SourceMap,
    pub diags: Vec<Diag>,
}

pub fn cmd_fmt(a: &FmtArgs) -> i32 {
    let (mut changed, mut failed) = (0usize, 0usize);
    for path in &a.files {
        match format_file(path, !a.check) {
            Ok(false) => {}
            Ok(true) => {
                changed += 1;
                crate::outln!("{}", path.display());
            }
            Err(f) => {
                failed += 1;
                crate::cli::print_report(&f.diags, &f.sources);
            }
        }
    }
    if a.check && changed > 0 {
        crate::errln!(
            "{changed} file{} would be reformatted: run `nas fmt` on {}",
            plural(changed),
            if changed == 1 { "it" } else { "them" }
        );
    }
    if failed > 0 {
        crate::errln!("{failed} file{} not formatted", plural(failed));
    }
    i32::from(failed > 0 || (a.check && changed > 0))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Format the file at `path`: `Ok(true)` when its layout changes (and, with `write`, it was
/// rewritten), `Ok(false)` when it is already formatted.
pub fn format_file(path: &Path, write: bool) -> Result<bool, Failure> {
    let mut sources = SourceMap::new();
    let name = path.display().to_string();
    let text = read(path, &name, &mut sources)?;
    let src = sources.add(name.clone(), text.as_str());
    let formatted = match nas_syntax::fmt::format(src, &text) {
        Ok(f) => f,
        Err(diags) => return Err(Failure { sources, diags }),
    };
    if formatted == text {
        return Ok(false);
    }
    if write {
        write_file(path, formatted.as_bytes()).map_err(|d| Failure {
            sources,
            diags: vec![d],
        })?;
    }
    Ok(true)
}

/// The file's text: refused when it is not a regular file, cannot be read or is not UTF-8.
fn read(path: &Path, name: &str, sources: &mut SourceMap) -> Result<String, Failure> {
    let bytes = match nas_check::resolve::loader::read_source(path) {
        Ok((bytes, size)) if bytes.len() > nas_syntax::MAX_SOURCE_BYTES => {
            let src = sources.add(name, String::new());
            let too_large = ParseError::TooLarge {
                bytes: usize::try_from(size).unwrap_or(usize::MAX),
                limit: nas_syntax::MAX_SOURCE_BYTES,
            };
            let d = Diag::error(too_large, Span::new(src, 0, 0), "this file is too large")
                .with_help("split it into modules and import them");
            return Err(Failure {
                sources: std::mem::take(sources),
                diags: vec![d],
            });
        }
        Ok((bytes, _)) => bytes,
        Err(reason) => {
            let d = Diag::unlocated(FmtError::Unreadable {
                path: name.to_string(),
                reason,
            })
            .with_help("name the .nas files to format, e.g. `nas fmt examples/*.nas`");
            return Err(Failure {
                sources: std::mem::take(sources),
                diags: vec![d],
            });
        }
    };
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let src = sources.add(name, String::from_utf8_lossy(e.as_bytes()).into_owned());
        let end = sources.text(src)[at..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8());
        let d = Diag::error(
            ParseError::InvalidUtf8,
            Span::new(src, at, end),
            "invalid byte here",
        )
        .with_help("save the file as UTF-8");
        Failure {
            sources: std::mem::take(sources),
            diags: vec![d],
        }
    })
}

/// Replace the file at `path` (the file a symbolic link points to, not the link) with
/// `bytes`, whole or not at all, keeping its permissions.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Diag> {
    let unwritable = |reason: String| {
        Diag::unlocated(FmtError::Unwritable {
            path: path.display().to_string(),
            reason,
        })
        .with_help("check the permissions of the file and its folder, and the free space")
    };
    let target = std::fs::canonicalize(path).map_err(|e| unwritable(e.to_string()))?;
    let permissions = std::fs::metadata(&target).map(|m| m.permissions()).ok();
    nas_ir::files::write_atomic(&target, bytes).map_err(|e| unwritable(e.to_string()))?;
    if let Some(p) = permissions {
        // the new file was created with the default mode; give it the old one back
        let _ = std::fs::set_permissions(&target, p);
    }
    Ok(())
}
