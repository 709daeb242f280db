//! Golden diagnostics: every `tests/data/errors/<stage>__<name>__<case>.nas` is checked,
//! must report the code `nas::<stage>::<name>`, and its rendered report (no colour, width
//! 80, relative paths) must match the reviewed insta snapshot.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nas_check::codes;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, Select};
use nas_syntax::diagnostics::render_human;

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("tests/data/errors")
        .expect("tests/data/errors exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "nas"))
        .collect();
    v.sort();
    v
}

/// `check__out_of_range__lr` -> `nas::check::out_of_range` (None for multi-code cases).
fn expected_code(stem: &str) -> Option<String> {
    let parts: Vec<&str> = stem.split("__").collect();
    match parts.as_slice() {
        [stage, name, _case] if *name != "many" => Some(format!("nas::{stage}::{name}")),
        _ => None,
    }
}

fn render(path: &Path) -> (Vec<&'static str>, String) {
    let c = compile_file(path, &LoadOptions::default(), &Select::default());
    let text = render_human(&c.diags, &c.sources, 80, false);
    (c.diags.iter().map(|d| d.code).collect(), text)
}

#[test]
fn every_error_case_reports_its_code_and_matches_its_snapshot() {
    crate::support::at_root();
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    for path in cases {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let (found, text) = render(&path);
        assert!(!found.is_empty(), "{stem}: no diagnostics");
        if let Some(code) = expected_code(&stem) {
            assert!(
                found.contains(&code.as_str()),
                "{stem}: expected {code}, found {found:?}\n{text}"
            );
        }
        insta::assert_snapshot!(stem, text);
    }
}

#[test]
fn at_least_thirty_distinct_codes_have_golden_cases() {
    crate::support::at_root();
    let codes: BTreeSet<String> = cases()
        .iter()
        .filter_map(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .and_then(expected_code)
        })
        .collect();
    assert!(
        codes.len() >= 30,
        "only {} distinct codes: {codes:?}",
        codes.len()
    );
    for c in &codes {
        assert!(
            codes::lookup(c).is_some(),
            "{c} is not in the code registry"
        );
    }
}

#[test]
fn all_errors_of_a_file_are_reported_at_once() {
    crate::support::at_root();
    let (found, _) = render(Path::new("tests/data/errors/check__many__all_at_once.nas"));
    let distinct: BTreeSet<&str> = found.iter().copied().collect();
    assert!(found.len() >= 4, "{found:?}");
    assert!(distinct.contains("nas::check::out_of_range"));
    assert!(distinct.contains("nas::resolve::unknown_name"));
    assert!(distinct.contains("nas::check::even_kernel"));
}

#[test]
fn every_code_used_in_the_sources_is_registered_and_explained() {
    crate::support::at_root();
    let mut used = BTreeSet::new();
    let front_end = ["crates/syntax/src", "crates/check/src"];
    for entry in front_end
        .iter()
        .flat_map(walkdir::WalkDir::new)
        .filter_map(Result::ok)
    {
        if entry.path().extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for (i, _) in text.match_indices("\"nas::") {
                let rest = &text[i + 1..];
                let end = rest.find('"').unwrap_or(0);
                let code = &rest[..end];
                let parts: Vec<&str> = code.split("::").collect();
                let word = |w: &str| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                };
                if parts.len() == 3 && parts.iter().all(|p| word(p)) {
                    used.insert(code.to_string());
                }
            }
        }
    }
    assert!(used.len() >= 30, "{used:?}");
    for code in &used {
        let info =
            codes::lookup(code).unwrap_or_else(|| panic!("{code} has no `nas explain` entry"));
        assert!(
            !info.explanation.is_empty() && !info.summary.is_empty(),
            "{code}"
        );
    }
}
