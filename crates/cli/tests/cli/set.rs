//! `--set PATH=VALUE` as a value: an override changes only the field it names, a path that
//! names nothing is an unknown field with did-you-mean, and every refusal is coded, located
//! in the argument, and leaves no run folder behind (golden renderings).

#[test]
fn an_override_cannot_add_a_stage_and_every_refusal_is_coded() {
    crate::support::at_root();
    let cases = [
        ("newline", "seed=7\nstage evil: derive after derive"),
        ("two_items", "seed=7 stage evil: derive after derive"),
        ("no_equals", "seed"),
        ("empty", ""),
        ("unknown_path", "sed=8"),
        ("not_a_path", "Seed=3"),
    ];
    for (name, arg) in cases {
        let out = std::env::temp_dir().join(format!("nas_cli_set_{name}_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let o = crate::nas()
            .args(["run", "tests/data/run/tiny.nas", "--out"])
            .arg(&out)
            .args(["--set", arg])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(!out.exists(), "{name}: a run folder was written");
        assert!(!err.contains("unknown_pipeline"), "{name}: {err}");
        insta::assert_snapshot!(format!("set_{name}"), err);
    }
}

#[test]
fn a_good_override_changes_the_field() {
    crate::support::at_root();
    let out = std::env::temp_dir().join(format!("nas_cli_set_ok_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = crate::nas()
        .args(["run", "tests/data/run/tiny.nas", "--out"])
        .arg(&out)
        .args(["--set", "seed = 12 // a comment", "--set", "search.batch=8"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let ir: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("pipeline.ir.json")).unwrap())
            .unwrap();
    assert_eq!(ir["pipeline"]["seed"], 12);
    let search = &ir["pipeline"]["stages"][0];
    assert_eq!(
        (search["name"].as_str(), search["kind"]["batch"].as_u64()),
        (Some("search"), Some(8))
    );
}

#[test]
fn a_bare_word_as_a_value_is_not_matched_to_an_unrelated_name() {
    crate::support::at_root();
    let out = std::env::temp_dir().join(format!("nas_cli_set_abc_{}", std::process::id()));
    let o = crate::nas()
        .args(["run", "tests/data/run/tiny.nas", "--out"])
        .arg(&out)
        .args(["--set", "search.batch=abc"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nas::resolve::unknown_name"), "{err}");
    assert!(!err.contains("`bn`"), "{err}");
    assert!(err.contains("\"abc\""), "{err}");
    assert!(!out.exists());
}
