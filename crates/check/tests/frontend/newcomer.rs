//! The newcomer corpus (issue 23): `tests/data/newcomer/*.nas`, one file per mistake a new
//! user made writing pipelines from the documentation alone. Each file opens with what
//! `nas check` must report, one header line per diagnostic:
//!
//! ```text
//! // expect: nas::check::batch_exceeds_split @ 7
//! ```
//!
//! where 7 is the line of that file the diagnostic's primary label points at (`// expect:
//! nothing` for a file that must check cleanly). The test compares the exact multiset of
//! (code, line) with the header: nothing missing, nothing extra, and nothing located in
//! another file (a library recipe), since the user's own line is where a problem is shown.

use std::path::{Path, PathBuf};

use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, Compiled, Select};

const CORPUS: &str = "tests/data/newcomer";

/// Issue 23 lists 20 cases; the corpus holds at least those.
const AT_LEAST: usize = 20;

fn corpus() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(CORPUS)
        .unwrap_or_else(|e| panic!("{CORPUS}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "nas"))
        .collect();
    v.sort();
    v
}

/// The `// expect:` lines of a file as (code, where): `where` is the line number in the
/// file itself. `nothing` stands for no diagnostics; a file without any header is refused,
/// so that a forgotten header cannot pass as "expects nothing".
fn expected(path: &Path, text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut clean = false;
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("// expect:") else {
            continue;
        };
        let rest = rest.trim();
        if rest == "nothing" {
            clean = true;
            continue;
        }
        let (code, at) = rest
            .split_once(" @ ")
            .unwrap_or_else(|| panic!("{}: bad header `{line}`", path.display()));
        let at: u32 = at
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{}: bad line in `{line}`", path.display()));
        out.push((code.trim().to_string(), at.to_string()));
    }
    assert!(
        clean || !out.is_empty(),
        "{}: no `// expect:` header",
        path.display()
    );
    assert!(
        !clean || out.is_empty(),
        "{}: `expect: nothing` beside expected codes",
        path.display()
    );
    out.sort();
    out
}

/// What the checker reported, in the header's terms: a line of the file itself, or
/// `FILE:LINE` for a diagnostic located elsewhere (no header can expect that).
fn found(path: &Path, c: &Compiled) -> Vec<(String, String)> {
    let name = path.display().to_string();
    let mut out: Vec<(String, String)> = c
        .diags
        .iter()
        .map(|d| {
            let at = match d.span {
                Some(s) => {
                    let line = c.sources.line_col(s.src, s.start).0;
                    let file = c.sources.name(s.src);
                    if file == name {
                        line.to_string()
                    } else {
                        format!("{file}:{line}")
                    }
                }
                None => "no location".to_string(),
            };
            (d.code.to_string(), at)
        })
        .collect();
    out.sort();
    out
}

/// `want` less `got`, as a multiset.
fn minus(want: &[(String, String)], got: &[(String, String)]) -> Vec<String> {
    let mut rest = got.to_vec();
    let mut out = Vec::new();
    for w in want {
        match rest.iter().position(|g| g == w) {
            Some(i) => {
                rest.remove(i);
            }
            None => out.push(format!("{} @ {}", w.0, w.1)),
        }
    }
    out
}

#[test]
fn every_newcomer_case_reports_exactly_its_codes_at_the_users_lines() {
    crate::support::at_root();
    let files = corpus();
    assert!(
        files.len() >= AT_LEAST,
        "{CORPUS} holds {} cases, expected at least {AT_LEAST}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("a corpus file reads");
        let want = expected(path, &text);
        let c = compile_file(path, &LoadOptions::default(), &Select::default());
        let got = found(path, &c);
        if want != got {
            let report = nas_syntax::diagnostics::render_human(&c.diags, &c.sources, 100, false);
            failures.push(format!(
                "{}:\n  missing: {:?}\n  extra:   {:?}\n{report}",
                path.display(),
                minus(&want, &got),
                minus(&got, &want),
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} newcomer cases differ from their headers:\n\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
