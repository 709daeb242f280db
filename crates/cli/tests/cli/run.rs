//! `nas run` through the built binary: a run killed with SIGKILL and resumed equals an
//! uninterrupted one byte for byte; a second run into a running folder is refused; bad data
//! files give errors naming the file; what the checker knows is wrong is refused before
//! training starts; a device that cannot be used is a coded error.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::nas;

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nas_cli_{tag}_{}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).unwrap();
    d
}

fn run_to_end(out: &Path, resume: bool) -> std::process::Output {
    let mut cmd = nas();
    cmd.args(["run", "tests/data/run/tiny.nas", "--out"])
        .arg(out);
    if resume {
        cmd.arg("--resume");
    }
    cmd.output().expect("nas runs")
}

/// Steps reported in the search's metrics so far (one line per finished epoch).
fn finished_epochs(out: &Path) -> usize {
    fs::read_to_string(out.join("search/metrics.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn sigkill_then_resume_gives_identical_weights_alphas_and_genotype() {
    crate::support::at_root();
    let whole = tempdir("whole");
    let o = run_to_end(&whole, false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("genotype"));

    // the kill point is drawn from the clock: somewhere inside the search
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let target_epochs = 1 + (nanos as usize % 5);
    let part = tempdir("killed");
    let mut child = nas()
        .args(["run", "tests/data/run/tiny.nas", "--out"])
        .arg(&part)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while finished_epochs(&part) < target_epochs && start.elapsed() < Duration::from_secs(600) {
        std::thread::sleep(Duration::from_millis(5));
    }
    // then a random part of the next epoch (an epoch takes a few hundred ms here)
    std::thread::sleep(Duration::from_millis((nanos % 100) as u64));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    assert!(
        !part.join("derive/done.json").exists(),
        "the run finished before the kill"
    );

    let o = run_to_end(&part, true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in [
        "search/checkpoint/state.safetensors",
        "derive/weights.safetensors",
        "derive/genotype.json",
    ] {
        assert_eq!(
            fs::read(whole.join(f)).unwrap(),
            fs::read(part.join(f)).unwrap(),
            "{f} differs after a kill at epoch >= {target_epochs}"
        );
    }
}

#[test]
fn a_second_run_into_a_running_folder_is_refused_and_the_first_is_unaffected() {
    crate::support::at_root();
    let solo = tempdir("lock_solo");
    let o = run_to_end(&solo, false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let shared = tempdir("lock_shared");
    let first = nas()
        .args(["run", "tests/data/run/tiny.nas", "--out"])
        .arg(&shared)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = first.id().to_string();
    // the lock file names its holder once the first run has the folder
    let start = Instant::now();
    while fs::read_to_string(shared.join(".nas-lock")).map_or(true, |t| t.trim() != pid)
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = nas()
        .args(["run", "tests/data/run/tiny.nas", "--set", "seed=8", "--out"])
        .arg(&shared)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{err}");
    assert!(
        err.contains("nas::run::locked") && err.contains(&format!("process {pid}")),
        "{err}"
    );
    let first = first.wait_with_output().unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    for f in [
        "pipeline.ir.json",
        "search/metrics.jsonl",
        "derive/weights.safetensors",
        "derive/genotype.json",
    ] {
        let (a, b) = (
            fs::read(solo.join(f)).unwrap(),
            fs::read(shared.join(f)).unwrap(),
        );
        if f.ends_with(".jsonl") {
            // images/s differ between runs; every other field and the epochs may not
            let strip = |t: &[u8]| -> Vec<String> {
                String::from_utf8_lossy(t)
                    .lines()
                    .map(|l| {
                        let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                        v.as_object_mut().unwrap().remove("images_per_sec");
                        v.to_string()
                    })
                    .collect()
            };
            assert_eq!(strip(&a), strip(&b), "{f}");
        } else {
            assert_eq!(a, b, "{f} differs from a solo run");
        }
    }
    // the lock dies with its holder: a later run in the folder goes ahead
    let o = run_to_end(&shared, false);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn with_dir(template: &str, dir: &Path) -> PathBuf {
    let text = fs::read_to_string(template)
        .unwrap()
        .replace("DIR", &dir.display().to_string());
    let path = dir.with_extension("nas");
    fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_truncated_cifar_batch_is_an_error_naming_the_file() {
    crate::support::at_root();
    let dir = tempdir("trunc");
    // 2.5 records of 3073 bytes
    fs::write(dir.join("data_batch_1.bin"), vec![1u8; 3073 * 2 + 1500]).unwrap();
    fs::write(dir.join("test_batch.bin"), vec![1u8; 3073]).unwrap();
    let nas_file = with_dir("tests/data/run/cifar_dir.nas", &dir);
    let o = nas()
        .arg("run")
        .arg(&nas_file)
        .arg("--out")
        .arg(dir.with_extension("run"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("data_batch_1.bin") && err.contains("record 2"),
        "{err}"
    );
}

#[test]
fn a_non_image_file_in_an_image_folder_is_an_error_naming_it() {
    crate::support::at_root();
    let dir = tempdir("folder");
    // enough images that each search split holds a batch (the checker counts them)
    for class in ["a", "b"] {
        fs::create_dir_all(dir.join(class)).unwrap();
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb([10, 200, 30]));
        for i in 0..4 {
            img.save(dir.join(class).join(format!("x{i}.png"))).unwrap();
        }
    }
    fs::write(dir.join("b").join("notes.txt"), b"not an image").unwrap();
    let nas_file = with_dir("tests/data/run/folder.nas", &dir);
    let o = nas()
        .arg("run")
        .arg(&nas_file)
        .arg("--out")
        .arg(dir.with_extension("run"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("notes.txt"), "{err}");
}

/// `(cifar10, cifar100, imagenet16)` of every cell of the shared NAS-Bench-201 table, read
/// here independently of `nas-tables`.
fn nb201_table() -> std::collections::HashMap<String, (f64, f64, f64)> {
    let path = "../shared/data/nb201/nb201_tss_200ep_test_acc.csv";
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].parse::<f64>().unwrap();
            (f[1].to_string(), (n(2), n(3), n(4)))
        })
        .collect()
}

#[test]
fn nb201_lookups_report_the_true_accuracy_and_rank_of_the_found_and_a_fixed_cell() {
    crate::support::at_root();
    let out = tempdir("nb201_lookup");
    let o = nas()
        .args(["run", "tests/data/run/nb201_lookup.nas", "--out"])
        .arg(&out)
        .output()
        .expect("nas runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let table = nb201_table();
    assert_eq!(table.len(), 15_625);
    let done = |stage: &str| -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(out.join(stage).join("done.json")).unwrap())
            .unwrap()
    };
    // the fixed cell: one of the two best CIFAR-10 cells, 94.3733
    let best = &done("best")["result"];
    assert_eq!(best["cifar10"].as_f64(), Some(94.3733));
    assert_eq!(best["cifar100"].as_f64(), Some(73.22));
    assert_eq!(best["imagenet16"].as_f64(), Some(46.7111));
    assert_eq!(best["cells"].as_u64(), Some(15_625));
    // two cells tie at the top: both are "at or above" it
    let top = best["cifar10_top_percent"].as_f64().unwrap();
    assert!((top - 100.0 * 2.0 / 15_625.0).abs() < 1e-9, "{top}");
    // the derived cell: the genotype the derive stage wrote, and its row of the table
    let genotype: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("derive/genotype.json")).unwrap())
            .unwrap();
    let truth = &done("truth")["result"];
    let arch = truth["arch"].as_str().unwrap();
    assert!(
        genotype.to_string().contains(arch),
        "{arch} is not the derived cell: {genotype}"
    );
    let (c10, c100, in16) = table[arch];
    assert_eq!(truth["cifar10"].as_f64(), Some(c10));
    assert_eq!(truth["cifar100"].as_f64(), Some(c100));
    assert_eq!(truth["imagenet16"].as_f64(), Some(in16));
    let below = table.values().filter(|v| v.0 < c10).count() as f64;
    let percentile = truth["cifar10_percentile"].as_f64().unwrap();
    assert!((percentile - 100.0 * below / 15_625.0).abs() < 1e-9);
    // one row each in report.md, the cell's `|` escaped so the table keeps its columns
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Benchmark look-ups"), "{report}");
    assert!(
        report.contains("| best | `\\|nor_conv_3x3~0\\|+"),
        "{report}"
    );
    assert!(
        report.contains("| 94.37 | 73.22 | 46.71 | top 0.01 % of 15625 cells |"),
        "{report}"
    );
    assert!(report.contains("| truth | `"), "{report}");
}

#[test]
fn a_derived_cell_missing_from_a_partial_table_is_a_coded_error() {
    crate::support::at_root();
    let out = tempdir("nb201_partial");
    let src = fs::read_to_string("tests/data/run/nb201_lookup.nas").unwrap();
    // the derived cell of this search is not one of the fixture's two cells
    let partial = src
        .replace(
            "../shared/data/nb201/nb201_tss_200ep_test_acc.csv\") after derive",
            "tests/data/tables/two_cells.csv\") after derive",
        )
        .replace(
            "  stage best: nb201_lookup",
            "  stage unused_best: nb201_lookup",
        );
    let path = out.join("partial.nas");
    fs::write(&path, partial).unwrap();
    let o = nas()
        .args(["run"])
        .arg(&path)
        .arg("--out")
        .arg(out.join("run"))
        .output()
        .expect("nas runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nas::run::cell_not_in_table"), "{err}");
    assert!(!out.join("run/truth/done.json").exists());
}

/// The newcomer cases (`tests/data/newcomer`, issue 23) whose error used to surface only
/// once the run had started: the auxiliary head at network build time, the batches at the
/// first step (located in std/recipes/sswp.nas), the data when the stage read it, the crop
/// at the first fine-tuning batch.
const REFUSED_BEFORE_TRAINING: &[&str] = &[
    "aux_head_on_digits",
    "search_batch_4096",
    "search_batch_override",
    "recipe_default_batch_small_data",
    "missing_cifar_folder",
    "missing_cifar_batch_file",
    "missing_image_folder",
    "random_crop_32_on_digits",
];

/// What used to fail only at run time now stops before the run starts: `nas run` exits 1
/// with the case's code (from its `// expect:` header) on stderr, at the user's line, and
/// creates no run folder.
#[test]
fn the_run_refuses_data_problems_before_training() {
    crate::support::at_root();
    for case in REFUSED_BEFORE_TRAINING {
        let file = format!("tests/data/newcomer/{case}.nas");
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
        let (code, line) = text
            .lines()
            .find_map(|l| l.strip_prefix("// expect: ")?.split_once(" @ "))
            .unwrap_or_else(|| panic!("{file}: no `// expect:` header"));
        let out = tempdir(&format!("refused_{case}"));
        fs::remove_dir_all(&out).unwrap();
        let o = nas()
            .args(["run", &file, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{case}: {err}");
        assert!(err.contains(code), "{case}: no {code}\n{err}");
        assert!(
            err.contains(&format!("{file}:{line}:")),
            "{case}: not at line {line}\n{err}"
        );
        assert!(!out.exists(), "{case}: the run started");
    }
}

#[test]
fn a_file_of_several_pipelines_is_a_coded_error_naming_them() {
    crate::support::at_root();
    let out = tempdir("several");
    fs::remove_dir_all(&out).unwrap();
    let o = nas()
        .args(["run", "tests/data/run/two_pipelines.nas", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    insta::assert_snapshot!("run_several_pipelines", err);
    assert!(!out.exists(), "the run started");
}

/// `--device`: a misspelt device, and CUDA in a build without the cuda feature, are coded
/// errors (`nas::run::device`, exit 2) that leave no run folder. (A CUDA build on a machine
/// without a GPU passes the driver's error on under the same code; that needs a CUDA build
/// and a driver, so it is not a test here.)
#[test]
fn an_unusable_device_is_a_coded_error_and_writes_nothing() {
    let mut cases = vec![("run_device_unknown", "gpu")];
    if cfg!(not(feature = "cuda")) {
        cases.push(("run_device_no_cuda", "cuda:0"));
    }
    for (name, device) in cases {
        let out = tempdir(name);
        fs::remove_dir_all(&out).unwrap();
        let o = nas()
            .args([
                "run",
                "tests/data/run/tiny.nas",
                "--device",
                device,
                "--out",
            ])
            .arg(&out)
            .output()
            .expect("nas runs");
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains("nas::run::device"), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        insta::assert_snapshot!(name, err);
        assert!(!out.exists(), "{name}: the run started");
    }
}

/// A stdout that fails (a full disk: `/dev/full`) is reported once with its code, the run
/// goes on to the end and writes its folder (genotype included), and the exit status is 1.
/// Before, `println!` panicked in the middle of the derive stage.
#[test]
fn a_full_stdout_is_a_coded_error_and_the_run_still_finishes() {
    crate::support::at_root();
    let full = Path::new("/dev/full");
    assert!(full.exists(), "this test needs /dev/full (Linux)");
    let out = tempdir("stdout_full");
    let o = nas()
        .args(["run", "tests/data/run/tiny.nas", "--out"])
        .arg(&out)
        .stdout(fs::OpenOptions::new().write(true).open(full).unwrap())
        .output()
        .expect("nas runs");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.matches("nas::cli::stdout").count(), 1, "{err}");
    let block: Vec<&str> = err
        .lines()
        .skip_while(|l| !l.starts_with("nas::cli::stdout"))
        .take_while(|l| !l.starts_with("stage "))
        .collect();
    insta::assert_snapshot!("run_stdout_full", block.join("\n"));
    for f in ["derive/done.json", "derive/genotype.json", "report.md"] {
        assert!(out.join(f).exists(), "{f} was not written: {err}");
    }
}
