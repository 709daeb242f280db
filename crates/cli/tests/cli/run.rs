//! `nas run` through the built binary: a run killed with SIGKILL and resumed equals an
//! uninterrupted one byte for byte; a second run into a running folder is refused; bad data
//! files give errors naming the file.

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
    for class in ["a", "b"] {
        fs::create_dir_all(dir.join(class)).unwrap();
        let img = image::RgbImage::from_pixel(8, 8, image::Rgb([10, 200, 30]));
        img.save(dir.join(class).join("x.png")).unwrap();
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
