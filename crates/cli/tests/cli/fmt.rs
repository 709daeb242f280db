//! `nas fmt`: `--check` lists the files that would change, exits 1 and writes nothing; a
//! file with a syntax error is not touched and gets the diagnostic `nas check` shows; a file
//! is replaced whole (a temporary file renamed over it), through a symbolic link to its
//! target, with its permissions; unreadable and unwritable files have coded reports; the
//! repository's examples and standard library pass `--check`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use nas_syntax::diagnostics::render_human;
use nas_syntax::source::SourceMap;

const UGLY: &str = "let  a=1\nlet b = [1,2]\n";
const NEAT: &str = "let a = 1\n\nlet b = [1, 2]\n";

fn nas(args: &[&str]) -> Output {
    crate::nas().args(args).output().expect("run nas")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh folder holding the files `(name, text)`.
fn scratch(tag: &str, files: &[(&str, &str)]) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nas-fmt-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("scratch folder");
    for (name, text) in files {
        fs::write(d.join(name), text).expect("write");
    }
    d
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).expect("read")
}

/// Names in `dir` that look like a temporary file left behind.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn check_lists_the_files_that_would_change_and_writes_nothing() {
    crate::support::at_root();
    let d = scratch("check", &[("ugly.nas", UGLY), ("neat.nas", NEAT)]);
    let (ugly, neat) = (d.join("ugly.nas"), d.join("neat.nas"));
    let o = nas(&["fmt", "--check", s(&ugly), s(&neat)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{}\n", ugly.display()));
    assert!(
        stderr(&o).contains("1 file would be reformatted"),
        "{}",
        stderr(&o)
    );
    assert_eq!((read(&ugly), read(&neat)), (UGLY.into(), NEAT.into()));
    let o = nas(&["fmt", "--check", s(&neat)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    fs::remove_dir_all(&d).expect("clean up");
}

#[test]
fn fmt_rewrites_the_files_that_change_and_lists_them() {
    crate::support::at_root();
    let d = scratch("write", &[("ugly.nas", UGLY), ("neat.nas", NEAT)]);
    let (ugly, neat) = (d.join("ugly.nas"), d.join("neat.nas"));
    let before = fs::metadata(&neat)
        .and_then(|m| m.modified())
        .expect("mtime");
    let o = nas(&["fmt", s(&ugly), s(&neat)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), format!("{}\n", ugly.display()));
    assert_eq!(read(&ugly), NEAT);
    let after = fs::metadata(&neat)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after, "a formatted file is not written again");
    fs::remove_dir_all(&d).expect("clean up");
}

#[test]
fn a_file_with_a_syntax_error_is_untouched_and_gets_the_check_diagnostic() {
    crate::support::at_root();
    let bad_text = "let a =  (1\nlet   b = 2\n";
    let d = scratch("syntax", &[("bad.nas", bad_text), ("ugly.nas", UGLY)]);
    let (bad, ugly) = (d.join("bad.nas"), d.join("ugly.nas"));
    let before = fs::metadata(&bad)
        .and_then(|m| m.modified())
        .expect("mtime");
    let o = nas(&["fmt", s(&bad), s(&ugly)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(read(&bad), bad_text);
    let after = fs::metadata(&bad)
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after);
    assert_eq!(read(&ugly), NEAT, "the other files are still formatted");
    let err = stderr(&o);
    assert!(err.ends_with("1 file not formatted\n"), "{err}");
    // the report is the one `nas check` gives
    let check = stderr(&nas(&["check", s(&bad)]));
    let report = check.split("1 error").next().unwrap_or_default();
    assert!(report.contains("nas::syntax::unexpected"), "{check}");
    assert!(err.starts_with(report), "{err}\n---\n{check}");
    assert!(leftovers(&d).is_empty());
    fs::remove_dir_all(&d).expect("clean up");
}

#[test]
fn a_file_is_replaced_whole_by_a_rename_and_keeps_its_permissions() {
    crate::support::at_root();
    let d = scratch("atomic", &[("a.nas", UGLY)]);
    let a = d.join("a.nas");
    fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).expect("chmod");
    // a second name for the file's old contents: written in place, it would change too
    fs::hard_link(&a, d.join("old.nas")).expect("hard link");
    let o = nas(&["fmt", s(&a)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(read(&a), NEAT);
    assert_eq!(
        read(&d.join("old.nas")),
        UGLY,
        "the old file was not rewritten"
    );
    let mode = fs::metadata(&a).expect("metadata").permissions().mode();
    assert_eq!(mode & 0o777, 0o640);
    assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
    fs::remove_dir_all(&d).expect("clean up");
}

#[test]
fn a_symbolic_link_is_followed_not_replaced() {
    crate::support::at_root();
    let d = scratch("link", &[("target.nas", UGLY)]);
    let link = d.join("link.nas");
    std::os::unix::fs::symlink(d.join("target.nas"), &link).expect("symlink");
    let o = nas(&["fmt", s(&link)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(fs::symlink_metadata(&link).expect("link").is_symlink());
    assert_eq!(read(&d.join("target.nas")), NEAT);
    fs::remove_dir_all(&d).expect("clean up");
}

#[test]
fn unreadable_files_are_reported_with_their_code() {
    crate::support::at_root();
    let o = nas(&["fmt", "tests/data/fmt/missing.nas", "tests/data/fmt"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("it is a folder"), "{err}");
    insta::assert_snapshot!("fmt_unreadable", err);
}

#[test]
fn an_unwritable_file_is_reported_and_left_whole() {
    crate::support::at_root();
    let d = scratch("unwritable", &[]);
    // a folder where the file should go: the rename over it fails after the write
    let blocked = d.join("blocked.nas");
    fs::create_dir_all(blocked.join("inside")).expect("folder");
    let diag = nas_cli::fmt_cmd::write_file(&blocked, NEAT.as_bytes()).expect_err("refused");
    assert_eq!(diag.code, "nas::fmt::unwritable");
    assert!(blocked.join("inside").is_dir());
    assert!(leftovers(&d).is_empty(), "{:?}", leftovers(&d));
    let text = render_human(&[diag], &SourceMap::new(), 80, false);
    insta::assert_snapshot!("fmt_unwritable", text.replace(s(&d), "<scratch>"));
    fs::remove_dir_all(&d).expect("clean up");
}

#[test]
fn the_repository_examples_and_stdlib_pass_the_check() {
    let root = crate::support::at_root();
    let files: Vec<String> = ["examples", "stdlib", "stdlib/recipes", "stdlib/spaces"]
        .iter()
        .flat_map(|d| fs::read_dir(root.join(d)).expect("folder"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "nas"))
        .map(|p| s(&p).to_string())
        .collect();
    assert!(files.len() >= 13, "{files:?}");
    let mut args = vec!["fmt", "--check"];
    args.extend(files.iter().map(String::as_str));
    let o = nas(&args);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(stdout(&o), "");
}
