//! The formatter (`nas fmt`): every example and standard module is kept formatted (this is
//! CI's check); on scrambled layouts of each of them and on 5,000 generated valid pipelines,
//! formatting is idempotent and the IR of the formatted text equals the IR of the input;
//! golden outputs of hand-written ugly inputs (`tests/data/fmt/`), CRLF included.

use std::path::{Path, PathBuf};
use std::time::Instant;

use nas_check::resolve::{stdlib, LoadOptions};
use nas_check::{compile_text, Select};
use nas_syntax::diagnostics::render_human;
use nas_syntax::fmt::{format, verify};
use nas_syntax::source::{SourceId, SourceMap};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

use crate::fmt_gen::{pipeline, prelude, scramble};
use crate::fuzz::Rng;

fn nas_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "nas"))
        .collect();
    v.sort();
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The formatted text; a refusal fails the test.
fn fmt(text: &str) -> String {
    format(SourceId(0), text).unwrap_or_else(|d| panic!("not formatted: {d:#?}\n{text}"))
}

/// The IR of every pipeline of `text`, as JSON without source spans (formatting moves text,
/// so every span changes; nothing else may).
fn ir(text: &str, dir: &Path, opts: &LoadOptions) -> Vec<Value> {
    let c = compile_text("x.nas", text, dir, opts, &Select::default());
    assert!(!c.has_errors(), "{:#?}\n{text}", c.diags);
    c.programs
        .iter()
        .map(|p| without_spans(serde_json::to_value(p).expect("IR serialises")))
        .collect()
}

fn without_spans(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k != "span")
                .map(|(k, v)| (k, without_spans(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_spans).collect()),
        other => other,
    }
}

#[test]
fn every_example_and_stdlib_file_is_formatted() {
    crate::support::at_root();
    let files: Vec<PathBuf> = nas_files("examples")
        .into_iter()
        .chain(nas_files("stdlib"))
        .collect();
    assert!(files.len() >= 13, "{files:?}");
    let unformatted: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = read(f);
            fmt(&text) != text
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        unformatted.is_empty(),
        "not formatted; run `cargo run -p nas-cli -- fmt {}`",
        unformatted.join(" ")
    );
}

#[test]
fn scrambled_examples_format_to_the_same_ir_once_and_for_all() {
    crate::support::at_root();
    let mut rng = Rng(22);
    let opts = crate::without_data();
    for f in nas_files("examples") {
        let text = read(&f);
        let dir = f.parent().unwrap_or(Path::new("."));
        let original = ir(&text, dir, &opts);
        assert!(!original.is_empty(), "{}", f.display());
        for _ in 0..3 {
            let x = scramble(&text, &mut rng);
            assert_eq!(
                ir(&x, dir, &opts),
                original,
                "{}: the scramble",
                f.display()
            );
            let once = fmt(&x);
            assert_eq!(fmt(&once), once, "{}: not idempotent", f.display());
            assert_eq!(ir(&once, dir, &opts), original, "{}\n{once}", f.display());
        }
    }
}

/// The standard library, scrambled and then formatted, is given as a `--lib` folder: every
/// example still lowers to the same IR (and through it, not through the embedded copy).
#[test]
fn a_scrambled_and_formatted_stdlib_gives_every_example_the_same_ir() {
    crate::support::at_root();
    let lib = std::env::temp_dir().join(format!("nas-fmt-stdlib-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&lib);
    let mut rng = Rng(7);
    for (module, text) in stdlib::STDLIB {
        let once = fmt(&scramble(text, &mut rng));
        assert_eq!(fmt(&once), once, "std.{module}: not idempotent");
        let path = lib.join(format!("std/{}.nas", module.replace('.', "/")));
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        std::fs::write(&path, once).expect("write");
    }
    let formatted = LoadOptions {
        lib_dirs: vec![lib.clone()],
        no_data: true,
    };
    for f in nas_files("examples") {
        let text = read(&f);
        let dir = f.parent().unwrap_or(Path::new("."));
        assert_eq!(
            ir(&text, dir, &formatted),
            ir(&text, dir, &crate::without_data()),
            "{}",
            f.display()
        );
        let c = compile_text("x.nas", &text, dir, &formatted, &Select::default());
        let json = serde_json::to_string(&c.programs).expect("IR serialises");
        assert!(
            json.contains(&lib.display().to_string()),
            "{}: the --lib copy was not used",
            f.display()
        );
    }
    std::fs::remove_dir_all(&lib).expect("clean up");
}

/// Files of this many pipelines, this many files per worker, two workers: 5,000 generated
/// pipelines (about 10 s of one core in the dev profile, half that on two).
const PIPELINES_PER_FILE: usize = 25;
const FILES: u32 = 100;
const WORKERS: u8 = 2;

#[test]
fn generated_pipelines_format_to_the_same_ir_once_and_for_all() {
    crate::support::at_root();
    let start = Instant::now();
    let checked: Vec<usize> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|w| s.spawn(move || check_generated(w)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let total: usize = checked.iter().sum();
    assert!(total >= 5_000, "{total} pipelines");
    println!(
        "{total} generated pipelines formatted and compared in {:.1?}",
        start.elapsed()
    );
}

/// One worker's share: files of generated pipelines under layout noise, each formatted
/// twice and compiled before and after. Returns the number of pipelines checked.
fn check_generated(worker: u8) -> usize {
    let config = Config {
        cases: FILES,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[worker; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let strategy = (
        prop::collection::vec(any::<u64>(), PIPELINES_PER_FILE),
        any::<u64>(),
    );
    let checked = std::cell::Cell::new(0usize);
    let result = runner.run(&strategy, |(seeds, layout)| {
        let mut text = prelude().to_string();
        for (i, s) in seeds.iter().enumerate() {
            text.push_str(&pipeline(&mut Rng(*s), i));
            text.push('\n');
        }
        let x = scramble(&text, &mut Rng(layout));
        let (dir, opts) = (Path::new("examples"), crate::without_data());
        let before = ir(&x, dir, &opts);
        prop_assert_eq!(before.len(), seeds.len(), "every pipeline is valid");
        let once = fmt(&x);
        prop_assert_eq!(&fmt(&once), &once, "idempotent; the input:\n{}", x);
        prop_assert!(ir(&once, dir, &opts) == before, "same IR:\n{}", once);
        checked.set(checked.get() + seeds.len());
        Ok(())
    });
    if let Err(e) = result {
        panic!("worker {worker}: {e}");
    }
    checked.get()
}

/// The ugly inputs that are complete programs: their IR is compared too.
const CHECKED_GOLDENS: &[&str] = &["blank_lines", "comments"];

#[test]
fn ugly_inputs_match_their_golden_formatting() {
    crate::support::at_root();
    let cases = nas_files("tests/data/fmt");
    assert!(cases.len() >= 5, "{cases:?}");
    for path in cases {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let text = read(&path);
        let out = fmt(&text);
        assert_eq!(fmt(&out), out, "{stem}: not idempotent");
        if CHECKED_GOLDENS.contains(&stem.as_str()) {
            let (dir, opts) = (Path::new("examples"), crate::without_data());
            assert_eq!(ir(&out, dir, &opts), ir(&text, dir, &opts), "{stem}");
        }
        insta::assert_snapshot!(stem, out);
    }
}

#[test]
fn crlf_input_keeps_crlf_and_formats_like_lf() {
    crate::support::at_root();
    let lf = read(Path::new("tests/data/fmt/comments.nas"));
    let crlf = lf.replace('\n', "\r\n");
    let out = fmt(&crlf);
    assert_eq!(out, fmt(&lf).replace('\n', "\r\n"));
    assert_eq!(fmt(&out), out, "not idempotent");
    assert!(!out.replace("\r\n", "").contains('\n'), "a bare LF");
    // a file that starts LF comes out LF, whatever follows
    let mixed = format!("let a = 1\n{}", crlf);
    assert!(!fmt(&mixed).contains('\r'));
    insta::assert_snapshot!("crlf", out.replace('\r', "\\r"));
}

#[test]
fn a_file_with_a_syntax_error_is_refused_with_the_parser_diagnostic() {
    let d = format(SourceId(0), "let x = (1\nlet y = 2\n").expect_err("refused");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "nas::syntax::unexpected");
}

#[test]
fn a_formatted_text_that_means_something_else_is_refused() {
    crate::support::at_root();
    let mut sources = SourceMap::new();
    let before = "let a = 1 // one\n";
    let src = sources.add("x.nas", before);
    assert!(verify(src, before, "let a = 1 // one\n").is_ok());
    assert!(verify(src, before, "let a = 1\r\n// one\r\n").is_ok());
    let lost_comment = verify(src, before, "let a = 1\n").expect_err("refused");
    let other_value = verify(src, before, "let a = 2 // one\n").expect_err("refused");
    assert_eq!(lost_comment.code, "nas::fmt::internal");
    let text = render_human(&[other_value], &sources, 80, false);
    insta::assert_snapshot!("internal", text);
}

/// Mutants of every example and standard module (the mutation fuzz's): each one that parses
/// formats (the formatter never refuses its own output), and formats once and for all.
#[test]
fn every_mutant_that_parses_formats_once_and_for_all() {
    crate::support::at_root();
    let mut rng = Rng(20_261_208);
    let (mut parsed, mut cases) = (0usize, 0usize);
    for f in nas_files("examples").into_iter().chain(nas_files("stdlib")) {
        let text = read(&f);
        for _ in 0..200 {
            let m = crate::fuzz::mutate(&text, &mut rng);
            cases += 1;
            let Ok(once) = format(SourceId(0), &m) else {
                let (tree, diags) = nas_syntax::parse(SourceId(0), &m);
                let refused = tree.is_none() || diags.iter().any(|d| d.is_error());
                assert!(
                    refused,
                    "{}: a parsed mutant was refused:\n{m}",
                    f.display()
                );
                continue;
            };
            parsed += 1;
            assert_eq!(fmt(&once), once, "{}: not idempotent:\n{m}", f.display());
        }
    }
    assert!(
        parsed >= cases / 4,
        "only {parsed} of {cases} mutants parse"
    );
}
