//! `nas export` and `nas predict` through the binary, on a run of a tiny pipeline
//! (`tests/data/run/export.nas`: search, derive, fine-tune on digits): what they write and
//! print, the default stage, `nas predict`'s accuracy against the fine-tuning stage's own, and
//! every refusal as a coded error (golden renderings, run from the scratch folder so that
//! paths read the same in every run).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use nas_ir::outputs::{Done, Outcome};

/// Scratch folder of this test process; the finished run is `run/` inside it.
fn base() -> &'static Path {
    static BASE: OnceLock<PathBuf> = OnceLock::new();
    BASE.get_or_init(|| {
        crate::support::at_root();
        let base = std::env::temp_dir().join(format!("nas_cli_export_{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let o = crate::nas()
            .args(["run", "tests/data/run/export.nas", "--out"])
            .arg(base.join("run"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        base
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `nas ARGS` run in the scratch folder.
fn nas_in_base(args: &[&str]) -> Output {
    let mut c = crate::nas();
    c.current_dir(base()).args(args).output().unwrap()
}

/// A copy of the finished run under `name`, to damage.
fn copy_run(name: &str) -> PathBuf {
    let to = base().join(name);
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&base().join("run"), &to);
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn tune_test_accuracy(run: &Path) -> f64 {
    let done: Done =
        serde_json::from_str(&std::fs::read_to_string(run.join("tune/done.json")).unwrap())
            .unwrap();
    match done.outcome {
        Outcome::Finetune(s) => s.per_seed.last().unwrap().test_acc(),
        other => panic!("tune is a {}", other.kind()),
    }
}

#[test]
fn export_writes_onnx_and_torch_of_the_fine_tuned_network_by_default() {
    let out = base().join("out");
    let o = nas_in_base(&[
        "export",
        "run",
        "--format",
        "onnx",
        "--out",
        "out/model.onnx",
    ]);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        stdout.starts_with("exported stage `tune` (finetune) to out/model.onnx"),
        "{stdout}"
    );
    let bytes = std::fs::read(out.join("model.onnx")).unwrap();
    assert!(bytes.len() > 1000, "{} bytes", bytes.len());

    let o = nas_in_base(&[
        "export",
        "run",
        "--stage",
        "derive",
        "--format",
        "torch",
        "--out",
        "out/torch",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("torch/meta.json")).unwrap())
            .unwrap();
    assert_eq!(meta["stage"], "derive");
    assert_eq!(
        meta["output"], "projection",
        "derive keeps the search's projection head"
    );
    assert_eq!(meta["input_size"], serde_json::json!([1, 8, 8]));
    let spec: nas_ir::NetworkSpec =
        serde_json::from_str(&std::fs::read_to_string(out.join("torch/network.json")).unwrap())
            .unwrap();
    assert!(
        matches!(&spec.family, nas_ir::Family::Darts(d) if matches!(d.cell, nas_ir::CellSpec::Genotype { .. }))
    );
    // a second export replaces the first; nothing temporary is left beside it
    let o = nas_in_base(&["export", "run", "--format", "torch", "--out", "out/torch"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("torch/meta.json")).unwrap())
            .unwrap();
    assert_eq!(
        (meta["stage"].as_str(), meta["output"].as_str()),
        (Some("tune"), Some("logits"))
    );
    assert_eq!(meta["classes"].as_array().map(Vec::len), Some(10));
}

#[test]
fn predict_on_the_test_split_scores_what_the_fine_tuning_stage_reported() {
    let run = base().join("run");
    let o = crate::nas()
        .arg("predict")
        .arg(&run)
        .args(["--data", "data/digits/test_batch.bin"])
        .output()
        .unwrap();
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 297 + 1, "{stdout}");
    assert!(
        lines[0].starts_with("data/digits/test_batch.bin#0: "),
        "{}",
        lines[0]
    );
    let last = lines[297];
    let counts = last
        .split('(')
        .nth(1)
        .and_then(|s| s.strip_suffix(')'))
        .expect("accuracy: A (C of N)");
    let (correct, of) = counts.split_once(" of ").unwrap();
    let (correct, of): (usize, usize) = (correct.parse().unwrap(), of.parse().unwrap());
    assert_eq!(of, 297);
    let reported = tune_test_accuracy(&run);
    assert_eq!(correct as f64 / of as f64, reported, "{last}");

    let o = crate::nas()
        .arg("predict")
        .arg(&run)
        .args(["--format", "json", "--data", "data/digits/test_batch.bin"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rows: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 297);
    let right = rows.iter().filter(|r| r["correct"] == true).count();
    assert_eq!(right, correct);
    let total: f64 = rows[0]["probabilities"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-4, "{total}");
    assert!(
        text(&o.stderr).contains("accuracy: "),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn predict_reads_image_files() {
    let dir = base().join("images");
    std::fs::create_dir_all(&dir).unwrap();
    let test = std::fs::read("data/digits/test_batch.bin").unwrap();
    let mut names = Vec::new();
    for i in 0..2 {
        let rec = &test[i * 65..(i + 1) * 65];
        let px: Vec<u8> = rec[1..]
            .iter()
            .map(|&v| (v as u32 * 255 / 16) as u8)
            .collect();
        let img = image::GrayImage::from_raw(8, 8, px).unwrap();
        let name = format!("images/digit{i}.png");
        img.save(base().join(&name)).unwrap();
        names.push(name);
    }
    let mut args = vec!["predict", "run"];
    args.extend(names.iter().map(String::as_str));
    let o = nas_in_base(&args);
    let stdout = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[1].starts_with("images/digit1.png: ") && lines[1].contains('%'),
        "{stdout}"
    );
}

#[test]
fn an_unfinished_stage_is_skipped_by_default_and_refused_by_name() {
    let run = copy_run("unfinished");
    std::fs::remove_file(run.join("tune/done.json")).unwrap();
    let o = nas_in_base(&[
        "export",
        "unfinished",
        "--format",
        "onnx",
        "--out",
        "unfinished.onnx",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("exported stage `derive` (derive)"),
        "{}",
        text(&o.stdout)
    );
    let o = nas_in_base(&[
        "export",
        "unfinished",
        "--stage",
        "tune",
        "--format",
        "onnx",
        "--out",
        "x.onnx",
    ]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!("export_not_finished", text(&o.stderr));
    assert!(!base().join("x.onnx").exists());
}

/// Rewrite `file` (safetensors) with `change` applied to its tensors.
fn edit_weights(
    file: &Path,
    change: impl FnOnce(&mut std::collections::HashMap<String, candle_core::Tensor>),
) {
    let mut map = candle_core::safetensors::load(file, &candle_core::Device::Cpu).unwrap();
    change(&mut map);
    candle_core::safetensors::save(&map, file).unwrap();
}

#[test]
fn every_refusal_is_a_coded_error() {
    let onnx = ["--format", "onnx", "--out", "refused.onnx"];
    let run = copy_run("broken_network");
    std::fs::write(run.join("derive/network.json"), "{\"family\": ").unwrap();
    let run = copy_run("missing_weight");
    edit_weights(&run.join("tune/weights.safetensors"), |m| {
        m.remove("classifier.bias");
    });
    let run = copy_run("weight_shape");
    edit_weights(&run.join("tune/weights.safetensors"), |m| {
        let t = candle_core::Tensor::zeros(3, candle_core::DType::F32, &candle_core::Device::Cpu)
            .unwrap();
        m.insert("classifier.bias".into(), t);
    });
    let run = copy_run("bad_weights");
    std::fs::write(run.join("tune/weights.safetensors"), b"not safetensors").unwrap();
    let run = copy_run("bad_ir");
    std::fs::write(run.join("pipeline.ir.json"), "{}").unwrap();
    std::fs::create_dir_all(base().join("not_an_export")).unwrap();
    std::fs::write(base().join("not_an_export/keep.txt"), "mine").unwrap();
    std::fs::write(base().join("notes.txt"), "not an image").unwrap();
    std::fs::write(base().join("short.bin"), [1u8; 30]).unwrap();
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("export_not_a_run", vec!["export", "nowhere"]),
        ("export_bad_ir", vec!["export", "bad_ir"]),
        (
            "export_unknown_stage",
            vec!["export", "run", "--stage", "tuen"],
        ),
        (
            "export_not_exportable",
            vec!["export", "run", "--stage", "search"],
        ),
        (
            "export_bad_network",
            vec!["export", "broken_network", "--stage", "derive"],
        ),
        ("export_missing_weight", vec!["export", "missing_weight"]),
        ("export_weight_shape", vec!["export", "weight_shape"]),
        ("export_bad_weights", vec!["export", "bad_weights"]),
        (
            "export_out_exists",
            vec![
                "export",
                "run",
                "--format",
                "torch",
                "--out",
                "not_an_export",
            ],
        ),
        (
            "export_write",
            vec!["export", "run", "--format", "onnx", "--out", "run"],
        ),
        (
            "predict_no_classifier",
            vec!["predict", "run", "--stage", "derive", "notes.txt"],
        ),
        ("predict_bad_image", vec!["predict", "run", "notes.txt"]),
        (
            "predict_bad_data",
            vec!["predict", "run", "--data", "short.bin"],
        ),
        (
            "predict_missing_weight",
            vec!["predict", "missing_weight", "--data", "short.bin"],
        ),
    ];
    for (name, mut args) in cases {
        if args[0] == "export" && !args.contains(&"--format") {
            args.extend(onnx);
        }
        let o = nas_in_base(&args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{name}: {err}");
        assert!(
            err.contains("nas::export::") || err.contains("nas::predict::"),
            "{name}: {err}"
        );
        insta::assert_snapshot!(name, err);
    }
    assert!(!base().join("refused.onnx").exists());
    assert_eq!(
        std::fs::read_to_string(base().join("not_an_export/keep.txt")).unwrap(),
        "mine"
    );
}
