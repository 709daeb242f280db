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
