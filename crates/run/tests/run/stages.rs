//! Every evaluation stage kind on tiny data: finetune (preserved), train (random),
//! linear_eval, knn, ssl_train and a finetune initialised from it.

use std::fs;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::run_support::{tempdir, tiny_with_every_stage};
use candle_core::Device;
use nas_run::events::VecSink;
use nas_run::{run, RunOptions};

fn done(dir: &std::path::Path, stage: &str) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join(stage).join("done.json")).unwrap()).unwrap()
}

#[test]
fn every_stage_kind_runs_and_reports() {
    let out = tempdir("every_stage");
    let opts = RunOptions {
        out: out.clone(),
        device: Device::Cpu,
        resume: false,
        force: false,
        stop: Arc::new(AtomicBool::new(false)),
    };
    run(&tiny_with_every_stage(), &opts, &mut VecSink::default()).expect("run");
    // as `nas run` does: the interpreter writes the stages, the report is written from them
    nas_report::write_run_report(&out, &out).expect("report");
    for stage in ["tune", "scratch", "probe", "two_stage"] {
        let d = done(&out, stage);
        let acc = d["result"]["test_acc_mean"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&acc), "{stage}: {acc}");
        assert_eq!(
            d["per_seed"].as_array().unwrap().len(),
            2,
            "{stage}: one result per seed"
        );
        let lines = fs::read_to_string(out.join(stage).join("metrics.jsonl")).unwrap();
        assert_eq!(lines.lines().count(), 4, "{stage}: 2 epochs x 2 seeds");
    }
    let knn = done(&out, "knn")["result"]["knn_acc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&knn));
    assert!(out.join("pretrain/weights.safetensors").exists());
    // the linear probe trains the classifier only: its body equals the preserved weights
    let derived =
        candle_core::safetensors::load(out.join("derive/weights.safetensors"), &Device::Cpu)
            .unwrap();
    let probe = candle_core::safetensors::load(out.join("probe/weights.safetensors"), &Device::Cpu)
        .unwrap();
    let name = "stem.0.weight";
    let diff = (&derived[name] - &probe[name])
        .unwrap()
        .abs()
        .unwrap()
        .sum_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert_eq!(diff, 0.0, "linear_eval changed a frozen body weight");
    let report = fs::read_to_string(out.join("report.md")).unwrap();
    for stage in ["tune", "scratch", "probe", "knn", "pretrain", "two_stage"] {
        assert!(
            report.contains(&format!("| {stage} |")),
            "report lacks {stage}"
        );
    }
    // curves for the stages that train; none for knn and derive
    for stage in [
        "search",
        "tune",
        "scratch",
        "probe",
        "pretrain",
        "two_stage",
    ] {
        let png = out.join("plots").join(format!("{stage}.png"));
        let img = image::open(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
        assert_eq!((img.width(), img.height()), (800, 600), "{stage}");
    }
    assert!(!out.join("plots/knn.png").exists());
    assert!(report.contains("![tune](plots/tune.png)"), "{report}");
}
