//! `report.md` and `plots/` of one run, built from a fake run folder whose numbers are
//! known: the evaluation table's rows, the SSL summary, the genotype, and PNG curves that
//! decode, have the plot size and show their lines and text.

use std::fs;
use std::path::Path;

use crate::report_support::{fake_every_stage, ssl_epoch, write_metrics};
use crate::run_support::tempdir;
use nas_report::folder::RunFolder;
use nas_report::table::{eval_rows, MeanStd};
use nas_report::write_run_report;

const BLUE: [u8; 3] = [31, 119, 180];
const ORANGE: [u8; 3] = [255, 127, 14];

fn count(img: &image::RgbImage, pred: impl Fn(&[u8; 3]) -> bool) -> usize {
    img.pixels().filter(|p| pred(&p.0)).count()
}

fn decode(path: &Path) -> image::RgbImage {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8()
}

#[test]
fn the_evaluation_table_has_one_row_per_evaluation_stage_with_its_numbers() {
    let dir = tempdir("report_table");
    fake_every_stage(&dir);
    write_run_report(&dir, &dir).expect("report");
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    let expected = [
        "| tune | finetune | preserved | 50% | 2 | 2 | 55.00 | 42.40 ± 0.71 (2 seeds, too few for a spread) | - | 100 | 7.5 | 230 |",
        "| scratch | train | random | 50% | 2 | 2 | - | 31.00 ± 1.41 (2 seeds, too few for a spread) | - | 100 | 7.5 | 230 |",
        "| probe | linear_eval | preserved | 50% | 2 | 2 | 40.00 | 36.00 ± 1.41 (2 seeds, too few for a spread) | - | 100 | 7.5 | 230 |",
        "| knn | knn | preserved | 50% | - | - | - | - | 61.25 | 100 | 1.3 | - |",
        "| pretrain | ssl_train | random | - | 2 | - | - | - | - | - | 3.0 | 100 |",
        "| two_stage | finetune | from pretrain | 50% | 2 | 2 | 46.00 | 40.50 ± 0.71 (2 seeds, too few for a spread) | - | 100 | 7.5 | 230 |",
        "| search | ssl_search | SimCLR | 5 | 4.0000 → 3.1000 | 1.9500 → 1.9100 | 12.5 | 120 |",
        "| pretrain | ssl_train | SimCLR | 2 | 5.0000 → 4.5000 | - | 3.0 | 100 |",
    ];
    for line in expected {
        assert!(
            md.lines().any(|l| l == line),
            "missing row\n{line}\nin\n{md}"
        );
    }
    // rows in pipeline order, and nothing else in the evaluation table
    let order: Vec<&str> = md
        .lines()
        .filter(|l| {
            l.contains(" | finetune |") || l.contains(" | train |") || l.contains(" | knn |")
        })
        .map(|l| l.split(" | ").next().unwrap().trim_start_matches("| "))
        .collect();
    assert_eq!(order, ["tune", "scratch", "knn", "two_stage"]);
    assert!(md.contains("# Run report: pipeline `tiny`"), "{md}");
    assert!(md.contains("Seed 3;"), "{md}");
    // the genotype one cell kind per line, the reduction cells named; the search's alpha
    // entropy fell by 2 %: no warning
    assert!(
        md.contains("```\nnormal: [('sep_conv_3x3', 0), ('sep_conv_3x3', 1),"),
        "{md}"
    );
    assert!(
        md.contains("\nreduce (reduction cells 1, 2): [('max_pool_3x3', 0),"),
        "{md}"
    );
    assert!(!md.contains("not learned"), "{md}");
    // the load counts add up with derive's: 175 loaded + 4 unused = 179 copied
    assert!(md.contains(
        "- `tune`: 175 tensors from derive/weights.safetensors (not used: 4 projection head), \
         12 fresh (10 batch-norm scale/shift, 2 classifier)"
    ));
    assert!(md.contains("Weights preserved: 179 tensors copied from the supernet"));
    assert!(md.contains("Fewer than 3 seeds measure those runs, not the method"));
    for stage in [
        "search",
        "tune",
        "scratch",
        "probe",
        "pretrain",
        "two_stage",
    ] {
        assert!(
            md.contains(&format!("![{stage}](plots/{stage}.png)")),
            "{stage}: {md}"
        );
    }
}

#[test]
fn rows_carry_the_per_seed_statistics() {
    let dir = tempdir("report_rows");
    fake_every_stage(&dir);
    let rows = eval_rows(&RunFolder::read(&dir).unwrap());
    let tune = rows.iter().find(|r| r.stage == "tune").unwrap();
    let t = tune.test_acc.unwrap();
    assert!((t.mean - 0.424).abs() < 1e-12, "{t:?}");
    assert!((t.std - 0.01 / 2f64.sqrt()).abs() < 1e-12, "{t:?}");
    assert_eq!(t.n, 2);
    assert_eq!(tune.init, "preserved");
    assert_eq!(tune.labels, Some(0.5));
    let knn = rows.iter().find(|r| r.stage == "knn").unwrap();
    assert_eq!(knn.knn_acc, Some(0.6125));
    assert_eq!(knn.test_acc, None);
    assert_eq!(
        MeanStd::of(&[0.42, 0.43, 0.418]).map(|m| nas_report::table::mean_std_text(&m)),
        Some("42.27 ± 0.64 (3)".to_string())
    );
}

#[test]
fn every_training_stage_gets_a_png_of_the_plot_size_with_its_curves() {
    let dir = tempdir("report_plots");
    fake_every_stage(&dir);
    let written = write_run_report(&dir, &dir).expect("report");
    assert_eq!(
        written.last().unwrap(),
        &dir.join("report.md"),
        "report written last"
    );
    for stage in [
        "search",
        "tune",
        "scratch",
        "probe",
        "pretrain",
        "two_stage",
    ] {
        let img = decode(&dir.join("plots").join(format!("{stage}.png")));
        assert_eq!(img.dimensions(), (800, 600), "{stage}");
        assert!(count(&img, |p| *p == BLUE) > 300, "{stage}: no first curve");
        let dark = count(&img, |p| p.iter().all(|&c| c < 90));
        assert!(dark > 500, "{stage}: no text or axes ({dark} dark pixels)");
    }
    // second series: alpha entropy for the search, seed 2 for supervised stages
    for stage in ["search", "tune"] {
        let img = decode(&dir.join("plots").join(format!("{stage}.png")));
        assert!(
            count(&img, |p| *p == ORANGE) > 300,
            "{stage}: no second curve"
        );
    }
    for stage in ["derive", "knn"] {
        assert!(
            !dir.join("plots").join(format!("{stage}.png")).exists(),
            "{stage}"
        );
    }
    let leftovers: Vec<_> = walk(&dir)
        .into_iter()
        .filter(|p| p.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn regenerating_a_report_gives_the_same_files_and_can_go_elsewhere() {
    let dir = tempdir("report_again");
    fake_every_stage(&dir);
    write_run_report(&dir, &dir).unwrap();
    let first = fs::read(dir.join("report.md")).unwrap();
    let other = dir.with_extension("copy");
    let _ = fs::remove_dir_all(&other);
    write_run_report(&dir, &other).unwrap();
    assert_eq!(first, fs::read(other.join("report.md")).unwrap());
    assert_eq!(
        fs::read(dir.join("plots/tune.png")).unwrap(),
        fs::read(other.join("plots/tune.png")).unwrap()
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn a_search_whose_alphas_did_not_move_is_reported_as_not_learned() {
    let dir = tempdir("report_not_learned");
    fake_every_stage(&dir);
    // alpha entropy 1.9459 -> 1.9409 (the quick start's): less than 1 % of its start
    let lines: Vec<serde_json::Value> = (0..5)
        .map(|e| {
            let line = ssl_epoch(e, 4.0, 1.9459 - 0.00125 * e as f64, 100.0);
            serde_json::to_value(line).unwrap()
        })
        .collect();
    write_metrics(&dir.join("search"), &lines);
    write_run_report(&dir, &dir).expect("report");
    let md = fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains(
            "**Architecture not learned: the genotype is close to a random draw.** The alpha \
             entropy of `search` moved from 1.9459 to 1.9409 nats (less than 1 % of its start)"
        ),
        "{md}"
    );
}
