//! `sweep.md` and `sweep.png` over fake runs of one pipeline at 6, 18 and 36 search
//! epochs: the arms' accuracies, the differences (a) − (b) and (a) − (c) with their rough
//! standard errors, the final SSL losses, and the order by search epochs.

use std::fs;

use crate::report_support::fake_sweep_run;
use crate::run_support::tempdir;
use nas_report::folder::RunFolder;
use nas_report::sweep::{sweep_runs, Diff};
use nas_report::table::MeanStd;
use nas_report::write_sweep_report;

/// Three runs, given out of order (36, 6, 18).
fn three_runs(tag: &str) -> Vec<std::path::PathBuf> {
    let root = tempdir(tag);
    let dirs: Vec<_> = ["e36", "e6", "e18"].iter().map(|d| root.join(d)).collect();
    fake_sweep_run(&dirs[0], 36, 2.8, &[0.5, 0.5], &[0.45, 0.45], &[0.49, 0.51]);
    fake_sweep_run(
        &dirs[1],
        6,
        3.5,
        &[0.40, 0.42],
        &[0.30, 0.34],
        &[0.38, 0.38],
    );
    fake_sweep_run(
        &dirs[2],
        18,
        3.0,
        &[0.45, 0.47, 0.46],
        &[0.40, 0.40, 0.43],
        &[0.50],
    );
    dirs
}

#[test]
fn differences_and_their_errors_come_from_the_per_seed_accuracies() {
    let dirs = three_runs("sweep_rows");
    let runs: Vec<RunFolder> = dirs.iter().map(|d| RunFolder::read(d).unwrap()).collect();
    let rows = sweep_runs(&runs).unwrap();
    let epochs: Vec<usize> = rows.iter().map(|r| r.search_epochs).collect();
    assert_eq!(epochs, [6, 18, 36], "ordered by search epochs");
    let losses: Vec<Option<f64>> = rows.iter().map(|r| r.final_ssl_loss).collect();
    assert_eq!(losses, [Some(3.5), Some(3.0), Some(2.8)]);

    let arms = &rows[0].arms;
    assert_eq!(arms.len(), 1, "one label fraction");
    assert_eq!(arms[0].labels, 0.5);
    assert_eq!(arms[0].preserved.as_ref().unwrap().stage, "tune");
    assert_eq!(arms[0].random.as_ref().unwrap().stage, "scratch");
    assert_eq!(arms[0].two_stage.as_ref().unwrap().stage, "two_stage");
    let ab = arms[0].preserved_minus_random().unwrap();
    assert!((ab.mean - 0.09).abs() < 1e-12, "{ab:?}");
    // sqrt(s_a²/2 + s_b²/2) with s_a² = 0.0002, s_b² = 0.0008
    assert!((ab.pm.unwrap() - 0.0005f64.sqrt()).abs() < 1e-12, "{ab:?}");
    let ac = arms[0].preserved_minus_two_stage().unwrap();
    assert!((ac.mean - 0.03).abs() < 1e-12 && (ac.pm.unwrap() - 0.01).abs() < 1e-12);

    // one seed in (c): no standard error
    let ac18 = rows[1].arms[0].preserved_minus_two_stage().unwrap();
    assert!(
        (ac18.mean + 0.04).abs() < 1e-12 && ac18.pm.is_none(),
        "{ac18:?}"
    );

    let one = MeanStd::of(&[0.5]).unwrap();
    let two = MeanStd::of(&[0.4, 0.6]).unwrap();
    assert_eq!(Diff::between(&two, &one).pm, None);
}

#[test]
fn sweep_md_and_png_show_every_run() {
    let dirs = three_runs("sweep_files");
    let out = dirs[0].parent().unwrap().join("out");
    let written = write_sweep_report(&dirs, &out).expect("sweep");
    assert_eq!(written, [out.join("sweep.png"), out.join("sweep.md")]);
    let md = fs::read_to_string(out.join("sweep.md")).unwrap();
    let row = |dir: &std::path::Path, rest: &str| format!("| {} | {rest}", dir.display());
    let expected = [
        row(&dirs[1], "6 | 3.5000 | 50% | 41.00 ± 1.41 (2 seeds, too few for a spread) | 32.00 ± 2.83 (2 seeds, too few for a spread) | 38.00 ± 0.00 (2 seeds, too few for a spread) | +9.00 ± 2.24 | +3.00 ± 1.00 |"),
        row(&dirs[2], "18 | 3.0000 | 50% | 46.00 ± 1.00 (3) | 41.00 ± 1.73 (3) | 50.00 (1 seed, no spread) | +5.00 ± 1.15 | -4.00 |"),
        row(&dirs[0], "36 | 2.8000 | 50% | 50.00 ± 0.00 (2 seeds, too few for a spread) | 45.00 ± 0.00 (2 seeds, too few for a spread) | 50.00 ± 1.41 (2 seeds, too few for a spread) | +5.00 ± 0.00 | +0.00 ± 1.00 |"),
    ];
    let table: Vec<&str> = md.lines().filter(|l| l.starts_with("| /")).collect();
    assert_eq!(table, expected, "\n{md}");
    assert!(
        md.contains("![accuracy differences and final SSL loss against search epochs](sweep.png)")
    );

    let img = image::open(out.join("sweep.png")).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (800, 600));
    let of = |c: [u8; 3]| img.pixels().filter(|p| p.0 == c).count();
    assert!(of([31, 119, 180]) > 100, "no (a) − (b) line");
    assert!(of([255, 127, 14]) > 100, "no (a) − (c) line");
    assert!(of([214, 39, 40]) > 100, "no final-loss line");
}

#[test]
fn a_sweep_of_lookup_runs_summarises_each_arm() {
    let root = tempdir("sweep_lookups");
    let runs = [
        ("recipe_0", 93.5),
        ("base_0", 90.0),
        ("recipe_1", 94.1),
        ("base_1", 88.0),
    ];
    let dirs: Vec<_> = runs
        .iter()
        .map(|(name, acc)| {
            let d = root.join(name);
            crate::report_support::fake_lookup_run(&d, name, *acc);
            d
        })
        .collect();
    let out = root.join("out");
    write_sweep_report(&dirs, &out).expect("sweep");
    let md = fs::read_to_string(out.join("sweep.md")).unwrap();
    // no fine-tune arms: only the look-ups, one summary row per arm in order of appearance
    assert!(md.starts_with("# Sweep: benchmark look-ups"), "{md}");
    assert!(!md.contains("(a) preserved"), "{md}");
    // recipe: 93.5, 94.1 -> mean 93.80, sample std 0.42; search 12.5 s; entropy of the
    // last epoch (1.95 - 0.01)
    assert!(
        md.contains("| recipe | 2 | 93.80 ± 0.42 (2 runs, too few for a spread) | 94.10 | 93.50 | 12 | 1.9400 |"),
        "{md}"
    );
    assert!(
        md.contains("| base | 2 | 89.00 ± 1.41 (2 runs, too few for a spread) | 90.00 | 88.00 |"),
        "{md}"
    );
    assert!(md.contains("| recipe_1 | `\\|nor_conv_3x3~0\\|"), "{md}");
    let png = image::open(out.join("sweep.png")).expect("png");
    assert_eq!((png.width(), png.height()), (800, 600));
}
