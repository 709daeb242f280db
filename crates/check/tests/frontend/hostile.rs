//! Hostile input: nothing makes the front end panic, overflow its stack or hang; every
//! rejected input gets a coded diagnostic, within 2 seconds.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nas_check::resolve::LoadOptions;
use nas_check::{compile_file, compile_text, Compiled, Select};
use proptest::prelude::*;

const LIMIT: Duration = Duration::from_secs(2);

fn text(src: &str) -> Compiled {
    compile_text(
        "hostile.nas",
        src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    )
}

/// Check, timing it; the result must carry an error with a code unless `may_pass`.
fn rejected(src: &str, code: &str) -> Compiled {
    let t = Instant::now();
    let c = text(src);
    assert!(t.elapsed() < LIMIT, "took {:?}", t.elapsed());
    assert!(c.has_errors(), "accepted: {:?}", &src[..src.len().min(80)]);
    let codes: Vec<&str> = c.diags.iter().map(|d| d.code).collect();
    assert!(codes.contains(&code), "expected {code}, found {codes:?}");
    c
}

/// A fresh scratch folder for files.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nas-hostile-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

fn file(path: &Path) -> Compiled {
    let t = Instant::now();
    let c = compile_file(path, &LoadOptions::default(), &Select::default());
    assert!(t.elapsed() < LIMIT, "took {:?}", t.elapsed());
    c
}

fn codes(c: &Compiled) -> Vec<&'static str> {
    c.diags.iter().map(|d| d.code).collect()
}

#[test]
fn empty_file_is_accepted_with_a_warning() {
    crate::support::at_root();
    let c = text("");
    assert!(!c.has_errors());
    assert_eq!(codes(&c), vec!["nas::syntax::empty_file"]);
}

#[test]
fn binary_bytes_are_a_syntax_error() {
    crate::support::at_root();
    rejected(
        "\u{0}\u{1}\u{2}\u{7f}let\u{0}x = \u{1b}[0m",
        "nas::syntax::unexpected",
    );
}

#[test]
fn deep_nesting_does_not_overflow() {
    crate::support::at_root();
    for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
        let src = format!("let x = {}1{}", open.repeat(20_000), close.repeat(20_000));
        rejected(&src, "nas::syntax::too_deep");
        let unclosed = format!("let x = {}", open.repeat(20_000));
        rejected(&unclosed, "nas::syntax::too_deep");
    }
    rejected(
        &format!("let x = {}1", "-".repeat(20_000)),
        "nas::syntax::too_complex",
    );
    rejected(
        &format!("let x = 1{}", " + 1".repeat(20_000)),
        "nas::syntax::too_complex",
    );
    rejected(
        &format!("let x = a{}", ".b".repeat(20_000)),
        "nas::syntax::too_complex",
    );
}

#[test]
fn unterminated_strings_and_comments() {
    crate::support::at_root();
    rejected("let s = \"abc", "nas::syntax::unterminated_string");
    rejected("let s = \"abc\\\"", "nas::syntax::unterminated_string");
    rejected("let x = 1 /* never", "nas::syntax::unterminated_comment");
}

#[test]
fn numbers_out_of_range() {
    crate::support::at_root();
    rejected(
        "let n = 9223372036854775808",
        "nas::syntax::int_out_of_range",
    );
    rejected("let x = 1e309", "nas::syntax::float_out_of_range");
    rejected("let x = 9223372036854775807 + 1", "nas::check::arithmetic");
    rejected("let x = 1e308 * 10.0", "nas::check::arithmetic");
}

#[test]
fn crlf_line_ends_are_accepted_and_located() {
    crate::support::at_root();
    let ok = std::fs::read_to_string("examples/quickstart.nas")
        .expect("example")
        .replace('\n', "\r\n");
    let c = compile_text(
        "crlf.nas",
        &ok,
        Path::new("examples"),
        &LoadOptions::default(),
        &Select::default(),
    );
    assert!(!c.has_errors(), "{:?}", c.diags);
    let c = rejected(
        "let a = 1\r\nlet b = sgd(lr = -1)\r\n",
        "nas::check::out_of_range",
    );
    let span = c.diags[0].span.expect("located");
    assert_eq!(c.sources.line_col(span.src, span.start), (2, 18));
}

#[test]
fn invalid_utf8_is_reported() {
    crate::support::at_root();
    let d = scratch("utf8");
    let p = d.join("bad.nas");
    std::fs::write(&p, b"let x = \"caf\xe9\"\n").expect("write");
    let c = file(&p);
    assert!(
        codes(&c).contains(&"nas::syntax::invalid_utf8"),
        "{:?}",
        codes(&c)
    );
}

#[test]
fn a_file_that_imports_itself() {
    crate::support::at_root();
    let d = scratch("self");
    let p = d.join("me.nas");
    std::fs::write(&p, "import me\nlet x = 1\n").expect("write");
    let c = file(&p);
    assert!(
        codes(&c).contains(&"nas::resolve::import_cycle"),
        "{:?}",
        codes(&c)
    );
}

#[test]
fn a_two_file_import_cycle() {
    crate::support::at_root();
    let d = scratch("cycle");
    std::fs::write(d.join("a.nas"), "import b\nlet x = 1\n").expect("write");
    std::fs::write(d.join("b.nas"), "import a\nlet y = 1\n").expect("write");
    let c = file(&d.join("a.nas"));
    let cycle = c
        .diags
        .iter()
        .find(|d| d.code == "nas::resolve::import_cycle")
        .expect("cycle reported");
    assert!(
        cycle.message.contains("a.nas") && cycle.message.contains("b.nas"),
        "{}",
        cycle.message
    );
}

#[test]
fn imports_that_climb_out_of_the_tree() {
    crate::support::at_root();
    let d = scratch("climb");
    std::fs::create_dir_all(d.join("project")).expect("dir");
    std::fs::write(d.join("secret.nas"), "let x = 1\n").expect("write");
    std::fs::write(
        d.join("project/main.nas"),
        "import \"../secret.nas\" as s\nimport \"sub/../../secret.nas\" as t\n",
    )
    .expect("write");
    let c = file(&d.join("project/main.nas"));
    let n = codes(&c)
        .iter()
        .filter(|c| **c == "nas::resolve::import_escapes")
        .count();
    assert_eq!(n, 2, "{:?}", codes(&c));
}

#[test]
fn symbolic_links_out_of_the_tree_are_refused_without_reading_the_target() {
    crate::support::at_root();
    let d = scratch("links");
    std::fs::create_dir_all(d.join("project")).expect("dir");
    std::fs::create_dir_all(d.join("outside")).expect("dir");
    // what a link could expose: a file that is not .nas, whose first line would be shown
    std::fs::write(d.join("outside/x.nas"), "root:x:0:0:SECRET\n").expect("write");
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(d.join(target), d.join("project").join(name)).expect("symlink")
    };
    link("outside/x.nas", "link.nas");
    link("outside", "linkdir");
    std::fs::write(
        d.join("project/main.nas"),
        "import \"link.nas\" as a\nimport \"linkdir/x.nas\" as b\nimport linkdir.x\n",
    )
    .expect("write");
    let c = file(&d.join("project/main.nas"));
    let n = codes(&c)
        .iter()
        .filter(|c| **c == "nas::resolve::import_escapes")
        .count();
    assert_eq!(n, 3, "{:?}", c.diags);
    let shown = format!("{:?}", c.diags);
    assert!(!shown.contains("SECRET"), "{shown}");
    let read = (0u32..)
        .map(nas_syntax::source::SourceId)
        .take_while(|&id| c.sources.get(id).is_some())
        .any(|id| c.sources.text(id).contains("SECRET"));
    assert!(!read, "a refused import was read");
    // a link that stays inside the project folder is fine
    std::fs::write(d.join("project/real.nas"), "let y = 2\n").expect("write");
    link("project/real.nas", "inner.nas");
    std::fs::write(d.join("project/ok.nas"), "import \"inner.nas\" as i\n").expect("write");
    let c = file(&d.join("project/ok.nas"));
    assert!(codes(&c).is_empty(), "{:?}", c.diags);
}

#[test]
fn a_diagnostic_past_column_65535_renders_without_the_snippet() {
    crate::support::at_root();
    // miette's renderer panicked on such a column; the report keeps the code and location
    let src = format!("let a = {}@\nlet b = 1\n", " ".repeat(70_000));
    let c = text(&src);
    assert!(c.has_errors(), "{:?}", c.diags);
    let shown = nas_syntax::diagnostics::render_human(&c.diags, &c.sources, 80, false);
    assert!(shown.contains("nas::syntax::unexpected"), "{shown}");
    assert!(shown.contains(":1:70009"), "{shown}");
    assert!(shown.contains("too long to show"), "{shown}");
    assert!(shown.len() < 2_000, "{} bytes", shown.len());
}

#[test]
fn absurd_sizes_are_out_of_range_before_anything_runs() {
    crate::support::at_root();
    // each of these passed `check` and then aborted `nas run` (allocation failure, capacity
    // overflow) or looped; now each is a coded error of the checker, found quickly
    let head = "import std.recipes.sswp\nimport std.data\n";
    for (what, body) in [
        ("channels", "pipeline p = sswp.recipe(data = data.digits(), channels = 1000000) {}\n"),
        ("cells", "pipeline p = sswp.recipe(data = data.digits(), cells = 9223372036854775807) {}\n"),
        (
            "views",
            "pipeline p = sswp.recipe(data = data.digits()) {\n  views = augmentation(views = 1000000, steps = [flip()])\n}\n",
        ),
        (
            "crop",
            "pipeline p = sswp.recipe(data = data.digits()) {\n  views = augmentation(views = 2, steps = [random_resized_crop(size = 100000)])\n}\n",
        ),
    ] {
        let c = text(&format!("{head}{body}"));
        assert!(
            codes(&c).contains(&"nas::check::out_of_range"),
            "{what}: {:?}",
            c.diags
        );
    }
}

#[test]
fn thousands_of_errors_render_the_first_200_and_a_count() {
    crate::support::at_root();
    let src: String = (0..1_000)
        .map(|i| format!("let x{i} = nowhere{i}\n"))
        .collect();
    let c = text(&src);
    assert!(c.diags.len() >= 1_000, "{}", c.diags.len());
    let t = Instant::now();
    let shown = nas_syntax::diagnostics::render_human(&c.diags, &c.sources, 80, false);
    assert_eq!(shown.matches("nas::resolve::unknown_name").count(), 200);
    let rest = c.diags.len() - 200;
    assert!(
        shown.contains(&format!("... and {rest} more not shown")),
        "{}",
        &shown[shown.len() - 200..]
    );
    assert!(t.elapsed() < LIMIT, "took {:?}", t.elapsed());
}

#[test]
fn a_file_larger_than_8_mib_is_refused_with_a_coded_error() {
    crate::support::at_root();
    let line = "let a = 1 + 2 * 3\n";
    let big = line.repeat((8 << 20) / line.len() + 1);
    let c = text(&big);
    assert_eq!(codes(&c), vec!["nas::syntax::too_large"], "{:?}", c.diags);
    let shown = nas_syntax::diagnostics::render_human(&c.diags, &c.sources, 80, false);
    insta::assert_snapshot!("syntax_too_large", shown);
    // just under the limit is read, and checks
    let mut fits = String::new();
    for i in 0.. {
        let next = format!("let a{i} = 1 + 2 * 3\n");
        if fits.len() + next.len() > 8 << 20 {
            break;
        }
        fits.push_str(&next);
    }
    let c = text(&fits);
    assert!(!c.has_errors(), "{:?}", &c.diags[..c.diags.len().min(3)]);
}

#[test]
fn a_chain_of_2000_stages_with_a_dangling_reference() {
    crate::support::at_root();
    let mut src = String::from(
        "import std.data\nimport std.spaces.darts\npipeline p {\n  data = data.digits()\n  space = darts.cifar(cells = 4, channels = 8)\n  views = augmentation(views = 2, steps = [normalize([0.3], [0.4])])\n  stage s0: ssl_search { objective = simclr, batch = 8, weights = sgd(lr = 0.1), arch = adam(lr = 0.001), epochs = 1 }\n",
    );
    for i in 1..2000 {
        src.push_str(&format!("  stage s{i}: derive after s{}\n", i - 1));
    }
    src.push_str("  stage last: derive after s1999, nowhere\n}\n");
    let c = rejected(&src, "nas::check::unknown_stage");
    assert!(c.diags.iter().any(|d| d.message.contains("nowhere")));
}

#[test]
fn runaway_definitions_are_stopped() {
    crate::support::at_root();
    rejected(
        "def f(n: int) = f(n + 1)\nlet x = f(0)\n",
        "nas::check::recursion",
    );
    rejected("let a = b\nlet b = a\n", "nas::check::recursion");
}

const TOKENS: &[&str] = &[
    "import",
    "std.data",
    "std.spaces.darts",
    "let",
    "def",
    "op",
    "pipeline",
    "stage",
    "phase",
    "after",
    "when",
    "of",
    "x",
    "p",
    "data",
    "darts",
    "=",
    ":",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "1",
    "0.5",
    "10%",
    "\"s\"",
    "-",
    "+",
    "*",
    "/",
    "<",
    ".",
    "?",
    "ssl_search",
    "derive",
    "finetune",
    "sgd",
    "lr",
    "epochs",
    "batch",
    "none",
    "true",
    "int",
    "\n",
    "// c\n",
    "/*",
    "*/",
    "cells(forward)",
    "darts.cifar()",
    "mlp(4, 2)",
    "data.digits()",
    "1e999",
    "\\",
    "\r\n",
];

fn soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..60).prop_map(|t| t.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_strings_never_crash(s in "\\PC{0,200}") {
        crate::support::at_root();
        let t = Instant::now();
        let c = text(&s);
        prop_assert!(t.elapsed() < LIMIT);
        prop_assert!(c.diags.iter().all(|d| d.code.starts_with("nas::")));
    }

    #[test]
    fn token_soups_never_crash(s in soup()) {
        crate::support::at_root();
        let t = Instant::now();
        let c = text(&s);
        prop_assert!(t.elapsed() < LIMIT);
        prop_assert!(c.diags.iter().all(|d| d.code.starts_with("nas::")));
        prop_assert!(c.diags.iter().all(|d| d.code != "nas::check::internal"), "{:?}", c.diags);
    }
}

#[test]
fn long_call_chains_are_one_error_and_true_cycles_name_their_path() {
    crate::support::at_root();
    // 16,000 definitions, each calling the one before: one `call_depth` error, not one per
    // definition, and no claim of recursion where there is none
    let mut src = String::from("def f0() = 1\n");
    for i in 1..16_000 {
        src.push_str(&format!("def f{i}() = f{}()\n", i - 1));
    }
    let c = text(&src);
    assert_eq!(
        codes(&c),
        vec!["nas::check::call_depth"],
        "{:?}",
        &c.diags[..3.min(c.diags.len())]
    );
    let c = rejected(
        "def ping(n: int = 1): int = pong(n = n)\ndef pong(n: int = 1): int = ping(n = n)\n",
        "nas::check::recursion",
    );
    assert!(
        c.diags[0].message.contains("`pong` -> `ping` -> `pong`"),
        "{}",
        c.diags[0].message
    );
}

#[test]
fn lists_that_double_at_every_step_are_stopped() {
    crate::support::at_root();
    // a list or tuple holding two copies of the one before doubles each line: 2^40 parts
    for (open, close) in [("[", "]"), ("(", ")")] {
        let mut src = format!("def a0 = {open}1, 2{close}\n");
        for i in 1..40 {
            src.push_str(&format!("def a{i} = {open}a{}, a{}{close}\n", i - 1, i - 1));
        }
        let c = rejected(&src, "nas::check::value_too_large");
        assert_eq!(c.diags.len(), 1, "{:?}", c.diags);
    }
}

#[test]
fn a_fifo_or_a_device_as_the_source_file_is_refused_without_reading_it() {
    crate::support::at_root();
    let d = scratch("fifo-source");
    let fifo = d.join("pipe.nas");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    for path in [fifo, PathBuf::from("/dev/zero")] {
        // `file` fails if this takes long: a FIFO would block for ever, /dev/zero would read
        // until memory ran out
        let c = file(&path);
        assert_eq!(codes(&c), vec!["nas::resolve::unreadable"], "{:?}", c.diags);
        assert!(
            c.diags[0].message.contains("not a regular file"),
            "{}",
            c.diags[0].message
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}
