//! Data-aware checking: the probe counts what the run will read (built-in digits, CIFAR
//! batches in `../shared/data`, the image folder in `tests/data/images`), and the checks
//! built on it fire exactly at their thresholds.

use std::path::Path;

use nas_check::dataprobe::probe;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Compiled, Select};
use nas_ir::{DataSource, DatasetSpec, Span};

fn check(src: &str) -> Compiled {
    compile_text(
        "data.nas",
        src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    )
}

fn codes(c: &Compiled) -> Vec<&'static str> {
    c.diags.iter().map(|d| d.code).collect()
}

fn spec(source: DataSource, limit: Option<usize>) -> DatasetSpec {
    DatasetSpec {
        source,
        image_size: 32,
        channels: 3,
        classes: Some(10),
        mean: vec![0.5; 3],
        std: vec![0.25; 3],
        limit,
        test_limit: Some(100),
        span: Span::default(),
    }
}

#[test]
fn the_probe_counts_digits_cifar_batches_and_image_folders() {
    crate::support::at_root();
    let (digits, missing) = probe(&spec(DataSource::Digits, Some(700)));
    assert!(missing.is_empty());
    assert_eq!((digits.train, digits.test), (Some(700), Some(100)));
    assert_eq!((digits.geometry, digits.classes), (Some((1, 8)), Some(10)));

    // the shared CIFAR-10: one training batch and the test set, 10,000 records each
    let cifar = DataSource::Cifar10 {
        dir: "../shared/data/cifar10".into(),
        train: vec!["data_batch_1.bin".into()],
        test: vec!["test_batch.bin".into()],
    };
    let (facts, missing) = probe(&spec(cifar, None));
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!((facts.train, facts.test), (Some(10_000), Some(100)));

    let folder = DataSource::ImageFolder {
        dir: "tests/data/images".into(),
        test: None,
    };
    let (facts, missing) = probe(&spec(folder, None));
    assert!(missing.is_empty(), "{missing:?}");
    assert_eq!((facts.train, facts.classes), (Some(8), Some(2)));
    assert!(!facts.has_test);
}

#[test]
fn a_truncated_batch_is_left_to_the_run_and_a_missing_one_is_named() {
    crate::support::at_root();
    let dir = std::env::temp_dir().join(format!("nas-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch");
    std::fs::write(dir.join("a.bin"), vec![0u8; 3073 * 2 + 5]).expect("write");
    std::fs::write(dir.join("t.bin"), vec![0u8; 3073 * 3]).expect("write");
    let source = DataSource::Cifar10 {
        dir: dir.display().to_string(),
        train: vec!["a.bin".into(), "b.bin".into()],
        test: vec!["t.bin".into()],
    };
    let (facts, missing) = probe(&spec(source, None));
    assert_eq!(facts.train, None, "a count it cannot be sure of is unknown");
    assert_eq!(facts.test, Some(3));
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].path.ends_with("b.bin"));
    assert_eq!(missing[0].what, "does not exist");
    std::fs::remove_dir_all(&dir).expect("clean up");
}

/// A recipe search on the digits, with `extra` in its body and `args` in its call.
fn recipe(args: &str, extra: &str) -> String {
    format!(
        "import std.recipes.sswp\nimport std.data\nimport std.augment\n\
         pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5{args}) {{\n{extra}\n}}\n"
    )
}

#[test]
fn a_search_batch_must_fit_both_splits() {
    crate::support::at_root();
    // 1,500 digits, 50% each way: 750 fits (one weight step per epoch, so no
    // architecture step: a warning), 751 does not
    assert_eq!(
        codes(&check(&recipe(", batch = 750", ""))),
        vec!["nas::check::no_arch_steps"]
    );
    let c = check(&recipe(", batch = 751", ""));
    assert_eq!(codes(&c), vec!["nas::check::batch_exceeds_split"]);
    assert!(c.programs.is_empty(), "the run is refused");
    // a 90% weight split leaves 150 images to the architecture
    let c = check(&recipe(", batch = 151", "search.split = 90%"));
    assert_eq!(codes(&c), vec!["nas::check::batch_exceeds_split"]);
    assert!(
        c.diags[0].message.contains("architecture split"),
        "{:?}",
        c.diags
    );
    // `limit` counts
    let src = recipe(", batch = 32", "").replace("data.digits()", "data.digits(limit = 60)");
    assert_eq!(codes(&check(&src)), vec!["nas::check::batch_exceeds_split"]);
    // and `--no-data` leaves the data alone
    let opts = LoadOptions {
        no_data: true,
        ..Default::default()
    };
    let c = compile_text(
        "data.nas",
        &recipe(", batch = 4096", ""),
        Path::new("."),
        &opts,
        &Select::default(),
    );
    assert!(c.diags.is_empty(), "{:?}", c.diags);
}

#[test]
fn architecture_steps_are_counted_per_epoch() {
    crate::support::at_root();
    let warn = |steps: usize| {
        let c = check(&recipe(
            ", batch = 32",
            &format!("search.steps_per_epoch = {steps}"),
        ));
        assert!(!c.has_errors(), "{:?}", c.diags);
        codes(&c).contains(&"nas::check::no_arch_steps")
    };
    // one architecture step after every 5 weight steps, counted within an epoch
    assert!(warn(4));
    assert!(!warn(5));
    // the search phase of a 2-epoch recipe lasts 0 epochs (40% of 2), so the first cell is
    // frozen before any architecture step
    let src = recipe(", batch = 32", "").replace("epochs = 5", "epochs = 2");
    assert_eq!(codes(&check(&src)), vec!["nas::check::no_arch_steps"]);
}

#[test]
fn label_checks_follow_the_engine_splits() {
    crate::support::at_root();
    let tune = |args: &str| {
        let c = check(&recipe(
            ", batch = 32",
            &format!("stage tune: finetune(epochs = 2, {args}) after derive"),
        ));
        assert!(!c.has_errors(), "{:?}", c.diags);
        codes(&c)
    };
    // 7% of 1,500 = 105 labelled, 11 validate: clean; 6% = 90 labelled, 9 validate
    assert!(tune("labels = 7%, batch = 32").is_empty());
    assert_eq!(
        tune("labels = 6%, batch = 32"),
        vec!["nas::check::small_validation"]
    );
    // no validation split at all is a choice, not a warning
    assert!(tune("labels = 1%, batch = 8, val_fraction = 0").is_empty());
    // a batch larger than the 94 training images of 7%
    assert_eq!(
        tune("labels = 7%, batch = 128"),
        vec!["nas::check::batch_exceeds_labels"]
    );
    let knn = |k: usize| {
        let c = check(&recipe(
            ", batch = 32",
            &format!("stage probe: knn(k = {k}, labels = 10%) after derive"),
        ));
        codes(&c)
    };
    assert!(knn(150).is_empty());
    assert_eq!(knn(151), vec!["nas::check::k_exceeds_bank"]);
}

#[test]
fn crops_are_followed_through_the_steps() {
    crate::support::at_root();
    let views = |steps: &str| {
        let c = check(&recipe(
            ", batch = 32",
            &format!("views = augmentation(views = 2, steps = [{steps}, normalize(data.mean, data.std)])"),
        ));
        codes(&c)
    };
    assert!(views("random_resized_crop(size = 8)").is_empty());
    assert_eq!(
        views("random_resized_crop(size = 9)"),
        vec!["nas::check::crop_exceeds_image"]
    );
    // a crop sets the side the steps after it see
    assert!(views("random_resized_crop(size = 8), cutout(size = 8)").is_empty());
    assert_eq!(
        views("random_crop(size = 8, padding = 1), cutout(size = 9)"),
        vec!["nas::check::crop_exceeds_image"]
    );
}

#[test]
fn the_grammar_readme_example_checks_without_warnings() {
    crate::support::at_root();
    let readme = std::fs::read_to_string("grammar/README.md").expect("grammar/README.md");
    let start = readme
        .find("pipeline search_digits")
        .expect("the example pipeline");
    let end = start + readme[start..].find("\n}\n").expect("its end") + 3;
    let src = format!(
        "import std.data\nimport std.spaces.darts\nimport std.augment\n{}",
        &readme[start..end]
    );
    let c = check(&src);
    assert!(c.diags.is_empty(), "{:#?}", c.diags);
    assert_eq!(c.programs.len(), 1);
}
