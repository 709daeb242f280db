//! Bad input to the report: a folder that is not a run, a stage without `done.json`,
//! unparsable JSON, a sweep run without a search. Each is an error naming the file, and
//! nothing is written. Golden renderings pin down what the user reads.

use std::fs;
use std::path::Path;

use crate::report_support::{fake_every_stage, fake_sweep_run, files, write_program};
use crate::run_support::{tempdir, tiny_program};
use miette::{GraphicalReportHandler, GraphicalTheme};
use nas_report::{write_run_report, write_sweep_report, ReportError};

fn render(e: &ReportError) -> String {
    let handler =
        GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor()).with_width(80);
    let mut out = String::new();
    handler.render_report(&mut out, e).unwrap();
    out
}

#[test]
fn a_folder_that_is_not_a_run_is_named_and_nothing_is_written() {
    crate::support::at_root();
    let out = tempdir("report_err_out");
    // relative paths keep the golden text independent of the machine
    let e = write_run_report(Path::new("tests/data"), &out).unwrap_err();
    assert!(matches!(e, ReportError::NotARun { .. }), "{e:?}");
    insta::assert_snapshot!("report_error_not_a_run", render(&e));
    let e = write_run_report(Path::new("tests/data/no_such_run"), &out).unwrap_err();
    insta::assert_snapshot!("report_error_no_such_folder", render(&e));
    assert!(files(&out).is_empty(), "{:?}", files(&out));
}

#[test]
fn an_unfinished_stage_is_listed_and_the_finished_ones_are_reported() {
    crate::support::at_root();
    let dir = tempdir("report_err_unfinished");
    fake_every_stage(&dir);
    fs::remove_file(dir.join("knn/done.json")).unwrap();
    write_run_report(&dir, &dir).expect("a report of the finished stages");
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("**Unfinished stages**") && md.contains("`knn`"),
        "{md}"
    );
    assert!(
        md.contains("| tune |"),
        "finished stages stay in the table:\n{md}"
    );
}

#[test]
fn unparsable_json_names_the_file_and_line() {
    crate::support::at_root();
    let dir = tempdir("report_err_json");
    fake_every_stage(&dir);
    let metrics = dir.join("tune/metrics.jsonl");
    let text = fs::read_to_string(&metrics).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = "{\"epoch\": 1, \"loss\": ";
    fs::write(&metrics, lines.join("\n")).unwrap();
    let e = write_run_report(&dir, &dir).unwrap_err();
    let shown = e.to_string();
    assert!(
        shown.starts_with(&format!("{}, line 2: ", metrics.display())),
        "{shown}"
    );
    assert!(!dir.join("report.md").exists() && !dir.join("plots").exists());

    fs::write(dir.join("search/done.json"), "{ not json").unwrap();
    let e = write_run_report(&dir, &dir).unwrap_err();
    assert!(e.to_string().contains("search/done.json"), "{e}");
    fs::write(dir.join("pipeline.ir.json"), "{\"format_version\": 1}").unwrap();
    let e = write_run_report(&dir, &dir).unwrap_err();
    assert!(
        matches!(&e, ReportError::BadJson { path, line: None, .. } if path.ends_with("pipeline.ir.json")),
        "{e:?}"
    );
}

#[test]
fn a_sweep_with_a_bad_run_writes_nothing() {
    crate::support::at_root();
    let root = tempdir("report_err_sweep");
    let good = root.join("good");
    fake_sweep_run(&good, 6, 3.0, &[0.4], &[0.3], &[0.35]);
    let out = root.join("out");
    let e = write_sweep_report(&[good.clone(), root.join("missing")], &out).unwrap_err();
    assert!(matches!(e, ReportError::NotARun { .. }), "{e:?}");
    assert!(!out.exists());

    // a run without a search cannot be placed on the search-epochs axis
    let no_search = root.join("no_search");
    let mut p = tiny_program(0);
    p.pipeline.stages.clear();
    write_program(&no_search, &p);
    let e = write_sweep_report(&[good, no_search.clone()], &out).unwrap_err();
    assert!(
        matches!(&e, ReportError::NoSearch { path } if *path == no_search.join("pipeline.ir.json")),
        "{e:?}"
    );
    assert!(!out.exists());
}

/// Rewrite the JSON file at `path` through `f`.
fn edit_json(path: &Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn stage_outputs_without_a_format_version_read_as_version_1() {
    // Run folders written before outputs were versioned have the same fields and no
    // `format_version`: they still report, with the same numbers.
    let dir = tempdir("report_old_format");
    fake_every_stage(&dir);
    write_run_report(&dir, &dir).unwrap();
    let current = fs::read_to_string(dir.join("report.md")).unwrap();
    for stage in [
        "search",
        "derive",
        "tune",
        "scratch",
        "probe",
        "knn",
        "pretrain",
        "two_stage",
    ] {
        edit_json(&dir.join(stage).join("done.json"), |v| {
            v.as_object_mut().unwrap().remove("format_version");
        });
    }
    let metrics = dir.join("tune/metrics.jsonl");
    let old_lines: Vec<String> = fs::read_to_string(&metrics)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("format_version");
            v.to_string()
        })
        .collect();
    assert!(!old_lines[0].contains("format_version"));
    fs::write(&metrics, old_lines.join("\n")).unwrap();
    write_run_report(&dir, &dir).unwrap();
    assert_eq!(fs::read_to_string(dir.join("report.md")).unwrap(), current);
}

#[test]
fn a_newer_format_or_a_missing_field_names_the_file_and_the_field() {
    crate::support::at_root();
    // a relative folder, so that the golden text is the same on every machine
    let dir = Path::new("target/report-golden-bad-field").to_path_buf();
    let _ = fs::remove_dir_all(&dir);
    fake_every_stage(&dir);
    let done = dir.join("tune/done.json");
    edit_json(&done, |v| v["format_version"] = 2.into());
    let e = write_run_report(&dir, &dir).unwrap_err();
    assert!(
        matches!(&e, ReportError::Field { path, field, .. } if *path == done && field == "format_version"),
        "{e:?}"
    );
    insta::assert_snapshot!("report_error_bad_field", render(&e));

    edit_json(&done, |v| {
        let o = v.as_object_mut().unwrap();
        o.insert("format_version".into(), 1.into());
        o.remove("per_seed");
    });
    let e = write_run_report(&dir, &dir).unwrap_err();
    let shown = e.to_string();
    assert!(
        matches!(&e, ReportError::BadJson { path, .. } if *path == done)
            && shown.contains("`per_seed`"),
        "{shown}"
    );

    edit_json(&done, |v| {
        v["kind"] = "knn".into();
        v["result"] = serde_json::json!({"knn_acc": 0.5, "k": 5, "bank": 10});
    });
    let e = write_run_report(&dir, &dir).unwrap_err();
    assert!(
        matches!(&e, ReportError::Field { field, .. } if field == "kind"),
        "{e:?}"
    );
    assert!(!dir.join("report.md").exists());
    fs::remove_dir_all(&dir).unwrap();
}

/// Remove `key` from every object of `v` that also holds `beside`.
fn remove_beside(v: &mut serde_json::Value, key: &str, beside: &str) -> usize {
    match v {
        serde_json::Value::Object(m) => {
            let here = usize::from(m.contains_key(beside) && m.remove(key).is_some());
            here + m
                .values_mut()
                .map(|c| remove_beside(c, key, beside))
                .sum::<usize>()
        }
        serde_json::Value::Array(a) => a.iter_mut().map(|c| remove_beside(c, key, beside)).sum(),
        _ => 0,
    }
}

#[test]
fn a_derive_stage_written_before_done_json_held_the_genotype_reads_it_from_genotype_json() {
    // derive/done.json gained `genotype` on 2026-12-07; older run folders keep it only in
    // derive/genotype.json (under `genotype`), and their report still lists the cells one
    // kind per line with the reductions named.
    let dir = tempdir("report_old_genotype");
    fake_every_stage(&dir);
    write_run_report(&dir, &dir).unwrap();
    let current = fs::read_to_string(dir.join("report.md")).unwrap();
    let mut removed = 0;
    edit_json(&dir.join("derive/done.json"), |v| {
        removed = remove_beside(v, "genotype", "genotype_text");
    });
    assert_eq!(removed, 1, "the fake derive stage records its genotype");
    let g = serde_json::to_value(nas_ir::specs::darts_v2_genotype()).unwrap();
    let file = serde_json::json!({ "cells": [], "darts": "(text)", "genotype": g });
    fs::write(dir.join("derive/genotype.json"), file.to_string()).unwrap();
    write_run_report(&dir, &dir).unwrap();
    assert_eq!(fs::read_to_string(dir.join("report.md")).unwrap(), current);

    // without genotype.json the report falls back to derive's text form
    fs::remove_file(dir.join("derive/genotype.json")).unwrap();
    write_run_report(&dir, &dir).unwrap();
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("```\n[[('sep_conv_3x3', 0), ('skip_connect', 1)]]\n```"),
        "{md}"
    );

    // a genotype.json that is not JSON is an error naming it
    fs::write(dir.join("derive/genotype.json"), "{ not json").unwrap();
    let e = write_run_report(&dir, &dir).unwrap_err();
    assert!(render(&e).contains("genotype.json"), "{}", render(&e));
}
