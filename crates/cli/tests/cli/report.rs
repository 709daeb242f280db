//! `nas report` through the binary: bad input exits 1 with the coded error, good input 0.

use crate::report_support::{fake_every_stage, fake_sweep_run, files};
use crate::run_support::tempdir;
use crate::support::at_root;

#[test]
fn the_cli_reports_bad_input_with_exit_1_and_good_input_with_0() {
    at_root();
    let nas = crate::nas;
    let out = tempdir("report_cli_out");
    let o = nas()
        .args(["report", "tests/data", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("tests/data is not a run folder") && err.contains("nas::report::not_a_run"),
        "{err}"
    );
    assert!(files(&out).is_empty());

    let run = tempdir("report_cli_run");
    fake_every_stage(&run);
    let o = nas().arg("report").arg(&run).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("report.md"));
    assert!(run.join("report.md").exists() && run.join("plots/tune.png").exists());

    let (a, b) = (run.with_extension("a"), run.with_extension("b"));
    fake_sweep_run(&a, 6, 3.0, &[0.4, 0.5], &[0.3, 0.4], &[0.35, 0.45]);
    fake_sweep_run(&b, 12, 2.5, &[0.5, 0.6], &[0.3, 0.4], &[0.35, 0.45]);
    let o = nas()
        .arg("report")
        .args([&a, &b])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.join("sweep.md").exists() && out.join("sweep.png").exists());
}
