//! The `nas` binary: exit codes (0 ok, 1 diagnostics, 2 usage), human and JSON output,
//! `nas ir`, `nas explain`, `--lib` and `NAS_PATH`.

use std::path::PathBuf;
use std::process::Output;

use nas_check::codes::CODES;

fn nas(args: &[&str]) -> Output {
    crate::nas()
        .args(args)
        .env_remove("NAS_PATH")
        .output()
        .expect("run nas")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_ok_exits_0() {
    crate::support::at_root();
    let o = nas(&["check", "examples/quickstart.nas"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("ok: examples/quickstart.nas"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn check_errors_exit_1_with_located_codes() {
    crate::support::at_root();
    let o = nas(&["check", "tests/data/errors/check__many__all_at_once.nas"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("nas::check::out_of_range") && err.contains("nas::check::even_kernel"),
        "{err}"
    );
    assert!(
        err.contains("tests/data/errors/check__many__all_at_once.nas:1:18"),
        "{err}"
    );
    assert!(err.contains("4 errors"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    crate::support::at_root();
    assert_eq!(nas(&["check"]).status.code(), Some(2));
    assert_eq!(nas(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(
        nas(&["check", "--format", "xml", "examples/quickstart.nas"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn json_format_lists_every_diagnostic() {
    crate::support::at_root();
    let o = nas(&[
        "check",
        "--format",
        "json",
        "tests/data/errors/check__many__all_at_once.nas",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let diags = v["diagnostics"].as_array().expect("array");
    assert_eq!(diags.len(), 4);
    assert_eq!(v["errors"], 4);
    assert_eq!(diags[0]["code"], "nas::check::out_of_range");
    assert_eq!(
        (diags[0]["line"].as_u64(), diags[0]["col"].as_u64()),
        (Some(1), Some(18))
    );
    assert_eq!(diags[0]["severity"], "error");
}

#[test]
fn warnings_do_not_fail_the_check() {
    crate::support::at_root();
    let o = nas(&[
        "check",
        "--format",
        "json",
        "tests/data/errors/check__unused_option__darts_skip_drop.nas",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["warnings"], 1);
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
}

#[test]
fn ir_prints_the_program_as_json() {
    crate::support::at_root();
    let o = nas(&["ir", "examples/quickstart.nas"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p: nas_ir::Program = serde_json::from_str(&stdout(&o)).expect("program json");
    assert_eq!(p.format_version, nas_ir::FORMAT_VERSION);
    assert_eq!(p.pipeline.name, "quickstart");
    let o = nas(&["ir", "examples/quickstart.nas", "--pipeline", "quickstrat"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("did you mean `quickstart`?"),
        "{}",
        stderr(&o)
    );
    let o = nas(&["ir", "stdlib/spaces/darts.nas"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("ir_no_pipeline", stderr(&o));
}

#[test]
fn explain_knows_every_code() {
    crate::support::at_root();
    // every layer's table, as `nas explain` reads them (a new table cannot be left out)
    let tables = nas_cli::cli::code_tables();
    assert!(tables
        .iter()
        .any(|t| std::ptr::eq(*t, nas_cli::stdio::CODES)));
    assert!(tables[1].iter().any(|c| c.code == "nas::run::checkpoint"));
    assert!(tables[2].iter().any(|c| c.code == "nas::report::bad_json"));
    for c in tables.into_iter().flatten() {
        let o = nas(&["explain", c.code]);
        assert_eq!(o.status.code(), Some(0), "{}", c.code);
        let out = stdout(&o);
        assert!(out.contains(c.summary) && out.contains("Example:"), "{out}");
    }
    let o = nas(&["explain", "check::out_of_rang"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("did you mean"), "{}", stderr(&o));
    let o = nas(&["explain", "run::non_finit"]);
    assert!(
        stderr(&o).contains("`nas::run::non_finite`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn estimate_reports_every_network() {
    crate::support::at_root();
    let o = nas(&[
        "check",
        "--estimate",
        "--format",
        "json",
        "--no-data",
        "examples/darts_supervised.nas",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    let stages = v["estimates"][0]["stages"].as_array().expect("stages");
    let names: Vec<&str> = stages.iter().filter_map(|s| s["stage"].as_str()).collect();
    assert_eq!(names, ["search", "train", "darts_v2"]);
    // The derived network's architecture is known only once the derive stage has run.
    let train = &stages[1];
    assert!(
        train["params"].is_u64() || train["unknown"].as_str().is_some_and(|u| !u.is_empty()),
        "{train}"
    );
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nas-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("lib/shared")).expect("dirs");
    std::fs::create_dir_all(d.join("proj")).expect("dirs");
    std::fs::write(
        d.join("lib/shared/opt.nas"),
        "/// A shared optimiser.\nlet fast = sgd(lr = 0.1)\n",
    )
    .expect("write");
    std::fs::write(
        d.join("proj/main.nas"),
        "import shared.opt\nlet w = opt.fast\n",
    )
    .expect("write");
    d
}

#[test]
fn lib_dirs_and_nas_path_extend_the_search_path() {
    crate::support::at_root();
    let d = scratch("lib");
    let main = d.join("proj/main.nas");
    let main = main.to_str().expect("utf8 path");
    let lib = d.join("lib");
    let lib = lib.to_str().expect("utf8 path");
    assert_eq!(nas(&["check", main]).status.code(), Some(1));
    assert_eq!(nas(&["check", "--lib", lib, main]).status.code(), Some(0));
    let o = crate::nas()
        .args(["check", main])
        .env("NAS_PATH", lib)
        .output()
        .expect("run");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn estimate_accepts_a_genotype_for_derived_networks() {
    crate::support::at_root();
    let o = nas(&["ir", "--no-data", "examples/darts_supervised.nas"]);
    let p: nas_ir::Program = serde_json::from_str(&stdout(&o)).expect("program");
    let net = p.pipeline.stages.iter().find_map(|s| match &s.kind {
        nas_ir::StageKind::Train(t) if s.name == "darts_v2" => Some(t.network.clone()),
        _ => None,
    });
    let Some(nas_ir::NetworkSpec {
        family: nas_ir::Family::Darts(d),
        ..
    }) = net
    else {
        panic!("darts_v2 network")
    };
    let nas_ir::CellSpec::Genotype { genotype } = d.cell else {
        panic!("fixed genotype")
    };
    let path = std::env::temp_dir().join(format!("nas-cli-{}-genotype.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&genotype).expect("json")).expect("write");
    let path = path.to_str().expect("utf8");
    let o = nas(&[
        "check",
        "--estimate",
        "--genotype",
        path,
        "--no-data",
        "examples/darts_supervised.nas",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // a run's own derive/genotype.json holds the genotype beside its other forms
    let run_file = serde_json::json!({
        "cells": [],
        "darts": "Genotype(...)",
        "genotype": genotype,
    });
    let run_path =
        std::env::temp_dir().join(format!("nas-cli-{}-run-genotype.json", std::process::id()));
    std::fs::write(&run_path, run_file.to_string()).expect("write");
    let o = nas(&[
        "check",
        "--estimate",
        "--genotype",
        run_path.to_str().expect("utf8"),
        "--no-data",
        "examples/darts_supervised.nas",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("darts_v2 (train): 3,"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        nas(&[
            "check",
            "--estimate",
            "--genotype",
            "/nonexistent.json",
            "examples/quickstart.nas"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        nas(&["check", "--genotype", path, "examples/quickstart.nas"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn the_data_is_checked_unless_told_not_to() {
    crate::support::at_root();
    // full CIFAR-10 is not shipped: the check says so, located, and the run would refuse
    let o = nas(&["check", "examples/cifar10.nas"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nas::check::data_missing"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("examples/cifar10.nas:10:"),
        "{}",
        stderr(&o)
    );
    let o = nas(&["check", "--no-data", "examples/cifar10.nas"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // a split too small for one batch is an error of `check`, not of the run
    let o = nas(&[
        "check",
        "tests/data/errors/check__batch_exceeds_split__search_batch.nas",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("nas::check::batch_exceeds_split"));
}

#[test]
fn a_closed_stdout_is_a_quiet_end() {
    crate::support::at_root();
    for args in [
        &["ir", "examples/quickstart.nas"][..],
        &["explain", "--list"][..],
        &["check", "--format", "json", "examples/quickstart.nas"][..],
    ] {
        let mut child = crate::nas()
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // the reader goes away before nas writes (as `| head -1` does after one line)
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn explain_lists_every_code_and_takes_a_bare_name() {
    crate::support::at_root();
    let listed = stdout(&nas(&["explain"]));
    assert_eq!(listed, stdout(&nas(&["explain", "--list"])));
    // the tables `nas explain` reads, every layer's
    let all = nas_cli::cli::code_tables();
    assert!(all.iter().any(|t| std::ptr::eq(*t, CODES)));
    let count: usize = all.iter().map(|t| t.len()).sum();
    assert_eq!(listed.lines().count(), count, "{listed}");
    for t in all {
        for c in t {
            assert!(listed.contains(c.code), "{} is not listed", c.code);
        }
    }
    let o = nas(&["explain", "unknown_field"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("nas::check::unknown_field:"));
    let o = nas(&["explain", "batch_exceeds_split"]);
    assert!(stdout(&o).starts_with("nas::check::batch_exceeds_split:"));
    let o = nas(&["explain", "no_such_thing"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--list"), "{}", stderr(&o));
}

#[test]
fn ir_of_a_file_of_several_pipelines_asks_which() {
    crate::support::at_root();
    let o = nas(&["ir", "examples/semi_supervised.nas"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("nas::check::several_pipelines"), "{err}");
    assert!(err.contains("--pipeline NAME"), "{err}");
    assert!(!err.contains("there is no pipeline"), "{err}");
    let o = nas(&["ir", "tests/data/run/two_pipelines.nas"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("ir_several_pipelines", stderr(&o));
}

#[test]
fn estimates_show_small_memory_in_small_units() {
    use nas_cli::cli::bytes_text;
    assert_eq!(bytes_text(512), "512 bytes");
    assert_eq!(bytes_text(3 << 19), "1.5 MiB");
    assert_eq!(bytes_text(5 << 30), "5.0 GiB");
    crate::support::at_root();
    let o = nas(&["check", "--estimate", "examples/quickstart.nas"]);
    let out = stdout(&o);
    assert!(out.contains("needs about"), "{out}");
    assert!(!out.contains(" 0.0 GiB"), "{out}");
}
