//! Every evaluation stage kind on tiny data: finetune (preserved), train (random),
//! linear_eval, knn, ssl_train and a finetune initialised from it.

use std::fs;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::run_support::{tempdir, tiny_with_every_stage};
use crate::search::opts;
use candle_core::Device;
use nas_run::events::{Event, EventSink, VecSink};
use nas_run::run;

fn done(dir: &std::path::Path, stage: &str) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join(stage).join("done.json")).unwrap()).unwrap()
}

#[test]
fn every_stage_kind_runs_and_reports() {
    let out = tempdir("every_stage");
    run(
        &tiny_with_every_stage(),
        &opts(&out, false),
        &mut VecSink::default(),
    )
    .expect("run");
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

/// Stops the run (like Ctrl-C) during epoch `epoch` of stage `stage`: the stage finishes the
/// epoch, writes its metrics line and checkpoint, and stops.
struct StopIn {
    stage: &'static str,
    epoch: usize,
    flag: Arc<AtomicBool>,
}

impl EventSink for StopIn {
    fn emit(&mut self, e: Event) {
        if let Event::Step { stage, epoch, .. } = &e {
            if stage == self.stage && *epoch == self.epoch {
                self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
}

/// `(seed, epoch, loss, val_acc)` of every line of `<stage>/metrics.jsonl`.
fn lines(dir: &std::path::Path, stage: &str) -> Vec<(u64, u64, f64, Option<f64>)> {
    fs::read_to_string(dir.join(stage).join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["seed"].as_u64().unwrap(),
                v["epoch"].as_u64().unwrap(),
                v["loss"].as_f64().unwrap(),
                v["val_acc"].as_f64(),
            )
        })
        .collect()
}

/// Runs the every-stage program, stopped during `tune`'s first epoch (so `tune` holds one
/// metrics line and its first checkpoint), then lets `damage` change the stage folder the
/// way a kill would have, resumes, and returns the folder.
fn stopped_damaged_resumed(tag: &str, damage: impl FnOnce(&std::path::Path)) -> std::path::PathBuf {
    let part = tempdir(tag);
    let o = opts(&part, false);
    let mut stop = StopIn {
        stage: "tune",
        epoch: 0,
        flag: o.stop.clone(),
    };
    let err = run(&tiny_with_every_stage(), &o, &mut stop).expect_err("stopped");
    assert!(err.to_string().contains("stopped by the user"), "{err}");
    assert_eq!(lines(&part, "tune").len(), 1);
    damage(&part.join("tune"));
    run(
        &tiny_with_every_stage(),
        &opts(&part, true),
        &mut VecSink::default(),
    )
    .expect("resumed");
    part
}

#[test]
fn a_finetune_killed_between_its_log_line_and_checkpoint_resumes_without_a_duplicate_line() {
    let whole = tempdir("tune_whole");
    run(
        &tiny_with_every_stage(),
        &opts(&whole, false),
        &mut VecSink::default(),
    )
    .expect("whole");
    // the kill fell after epoch 1's line was appended and before its checkpoint was written
    let part = stopped_damaged_resumed("tune_kill_window", |tune| {
        let log = tune.join("metrics.jsonl");
        let mut text = fs::read_to_string(&log).unwrap();
        let seed = lines(tune.parent().unwrap(), "tune")[0].0;
        text.push_str(&format!(
            "{{\"format_version\":1,\"epoch\":1,\"seed\":{seed},\"loss\":9.0,\"train_acc\":0.0,\
             \"val_acc\":null,\"lr\":0.05,\"images_per_sec\":1.0}}\n"
        ));
        fs::write(&log, text).unwrap();
    });
    assert_eq!(lines(&part, "tune"), lines(&whole, "tune"));
    assert_eq!(
        done(&part, "tune")["per_seed"],
        done(&whole, "tune")["per_seed"]
    );
    // the kill fell during the first checkpoint's write: one line, no checkpoint file
    let part = stopped_damaged_resumed("tune_first_checkpoint", |tune| {
        fs::remove_file(tune.join("checkpoint/state.safetensors")).unwrap();
        fs::remove_file(tune.join("checkpoint/clock.json")).unwrap();
    });
    assert_eq!(lines(&part, "tune"), lines(&whole, "tune"));
    assert_eq!(
        done(&part, "tune")["per_seed"],
        done(&whole, "tune")["per_seed"]
    );
}
