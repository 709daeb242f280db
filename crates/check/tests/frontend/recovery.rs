//! Every error of a file at once: a mistake in one argument, field, stage or definition
//! never hides a mistake elsewhere, and nothing is reported twice. Files are assembled from
//! independent mistakes, each of which reports exactly one error of a known code.

use std::path::Path;

use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Compiled, Select};
use proptest::prelude::*;

fn check(src: &str) -> Compiled {
    compile_text(
        "mistakes.nas",
        src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    )
}

/// Where a mistake goes in the file.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Place {
    /// A top-level definition of its own.
    Definition,
    /// An argument of the recipe call the pipeline extends.
    RecipeArgument,
    /// A stage of its own, after `derive`.
    Stage,
}

/// (text, where it goes, the code it reports). Each is independent of the others.
const MISTAKES: &[(&str, Place, &str)] = &[
    (
        "let bad_lr = sgd(lr = -0.1)",
        Place::Definition,
        "nas::check::out_of_range",
    ),
    (
        "let bad_name = undefined_thing",
        Place::Definition,
        "nas::resolve::unknown_name",
    ),
    (
        "op bad_kernel = conv(4)",
        Place::Definition,
        "nas::check::even_kernel",
    ),
    (
        "cells = \"4\"",
        Place::RecipeArgument,
        "nas::check::type_mismatch",
    ),
    (
        "stage a: finetune(epochs = 2, optim = sgd(lr = 0.1, momentun = 0.9)) after derive",
        Place::Stage,
        "nas::check::unknown_field",
    ),
    (
        "stage b: linear_eval(epochs = 2, batchh = 3) after derive",
        Place::Stage,
        "nas::check::unknown_field",
    ),
    (
        "stage c: fine_tune(epochs = 2) after derive",
        Place::Stage,
        "nas::check::unknown_stage_kind",
    ),
    (
        "stage d: finetune(epochs = 2, labels = 150%) after derive",
        Place::Stage,
        "nas::check::out_of_range",
    ),
    (
        "stage e: finetune(epochs = 2, optim = sgd(lr = 10%)) after derive",
        Place::Stage,
        "nas::check::type_mismatch",
    ),
];

/// A file holding the mistakes `picked` (indices into `MISTAKES`), in that order.
fn file(picked: &[usize]) -> String {
    let of = |place: Place| {
        picked
            .iter()
            .map(|&i| MISTAKES[i])
            .filter(move |m| m.1 == place)
            .map(|m| m.0)
    };
    let mut src = String::from("import std.recipes.sswp\nimport std.data\n");
    for d in of(Place::Definition) {
        src.push_str(d);
        src.push('\n');
    }
    let args: String = of(Place::RecipeArgument)
        .map(|a| format!(", {a}"))
        .collect();
    src.push_str(&format!(
        "pipeline p = sswp.recipe(data = data.digits(), channels = 8, epochs = 5, batch = 32{args}) {{\n"
    ));
    for s in of(Place::Stage) {
        src.push_str(&format!("  {s}\n"));
    }
    src.push_str("}\n");
    src
}

fn assert_all_reported(picked: &[usize]) -> Result<(), TestCaseError> {
    let src = file(picked);
    let c = check(&src);
    let mut found: Vec<&str> = c.diags.iter().map(|d| d.code).collect();
    let mut expected: Vec<&str> = picked.iter().map(|&i| MISTAKES[i].2).collect();
    found.sort_unstable();
    expected.sort_unstable();
    prop_assert_eq!(found, expected, "{}\n{:#?}", src, c.diags);
    let spans: std::collections::HashSet<_> = c.diags.iter().map(|d| d.span).collect();
    prop_assert_eq!(spans.len(), c.diags.len(), "reported twice:\n{}", src);
    Ok(())
}

#[test]
fn a_file_with_five_mistakes_reports_five() {
    crate::support::at_root();
    // an argument of the recipe call, two stage fields, a definition and a stage kind
    assert_all_reported(&[3, 4, 5, 0, 6]).expect("all five");
    assert!(check(&file(&[])).diags.is_empty(), "{}", file(&[]));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_independent_mistake_is_reported_once(
        picked in proptest::sample::subsequence((0..MISTAKES.len()).collect::<Vec<_>>(), 2..=5)
    ) {
        crate::support::at_root();
        assert_all_reported(&picked)?;
    }
}
