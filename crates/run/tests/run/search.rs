//! End-to-end runs of a tiny search + derive pipeline (IR built in Rust): the run folder,
//! determinism, stage skipping, interrupt + resume equality, and clean failure modes.

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::run_support::{tempdir, tiny_program};
use candle_core::Device;
use nas_ir::StageKind;
use nas_run::events::{Event, EventSink, VecSink};
use nas_run::{run, RunOptions};

/// Options of a run into `out` on the CPU, never stopped from outside.
pub(crate) fn opts(out: &Path, resume: bool) -> RunOptions {
    RunOptions {
        out: out.to_path_buf(),
        device: Device::Cpu,
        resume,
        force: false,
        stop: Arc::new(AtomicBool::new(false)),
    }
}

#[test]
fn tiny_pipeline_writes_the_run_folder_and_is_reproducible() {
    let a = tempdir("repro_a");
    let b = tempdir("repro_b");
    let mut sink = VecSink::default();
    run(&tiny_program(3), &opts(&a, false), &mut sink).expect("run a");
    run(&tiny_program(3), &opts(&b, false), &mut VecSink::default()).expect("run b");
    for f in [
        "pipeline.ir.json",
        "search/metrics.jsonl",
        "search/checkpoint/state.safetensors",
        "derive/genotype.json",
        "derive/genotype.nas",
        "derive/cells.dot",
        "derive/weights.safetensors",
        "derive/network.json",
        "derive/preserve.json",
    ] {
        assert!(a.join(f).exists(), "missing {f}");
    }
    // the report is the CLI's to write (`nas run` composes run and report), not the interpreter's
    assert!(!a.join("report.md").exists());
    let lines = fs::read_to_string(a.join("search/metrics.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 5, "one metrics line per epoch");
    assert_eq!(
        fs::read(a.join("derive/weights.safetensors")).unwrap(),
        fs::read(b.join("derive/weights.safetensors")).unwrap()
    );
    assert_eq!(
        fs::read(a.join("derive/genotype.json")).unwrap(),
        fs::read(b.join("derive/genotype.json")).unwrap()
    );
    // every cell was frozen by the end, so the derived network reproduces the supernet
    let done: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(a.join("derive/done.json")).unwrap()).unwrap();
    let diff = done["result"]["preservation_max_abs_diff"]
        .as_f64()
        .expect("all cells frozen");
    assert!(
        diff < 1e-5,
        "preserved network differs from the frozen supernet by {diff}"
    );
    assert!(sink.0.iter().any(|e| matches!(e, Event::Genotype { .. })));
    assert_eq!(
        sink.0
            .iter()
            .filter(|e| matches!(e, Event::CellFrozen { .. }))
            .count(),
        3
    );

    // re-running the unchanged pipeline skips both stages
    let mut again = VecSink::default();
    run(&tiny_program(3), &opts(&a, false), &mut again).expect("rerun");
    assert_eq!(
        again
            .0
            .iter()
            .filter(|e| matches!(e, Event::StageSkipped { .. }))
            .count(),
        2
    );

    // a changed stage runs again and says why; the stage before it is kept
    let mut changed = tiny_program(3);
    for st in &mut changed.pipeline.stages {
        if let StageKind::Derive(d) = &mut st.kind {
            d.max_skip = Some(1);
        }
    }
    let mut third = VecSink::default();
    run(&changed, &opts(&a, false), &mut third).expect("changed derive");
    assert_eq!(
        reruns(&third),
        [(
            "derive".to_string(),
            "its settings changed: max_skip: 2 → 1".to_string()
        )]
    );
    assert!(matches!(&third.0[0], Event::StageSkipped { stage, .. } if stage == "search"));

    // another seed re-runs the search, and derive because it depends on it
    let mut fourth = VecSink::default();
    run(&tiny_program(4), &opts(&a, false), &mut fourth).expect("new seed");
    assert_eq!(
        reruns(&fourth),
        [
            (
                "search".to_string(),
                "the pipeline's seed changed: 3 → 4".to_string()
            ),
            (
                "derive".to_string(),
                "its settings changed: max_skip: 1 → 2".to_string()
            ),
        ]
    );
}

/// The stages a run replaced, with the reason it gave.
fn reruns(sink: &VecSink) -> Vec<(String, String)> {
    sink.0
        .iter()
        .filter_map(|e| match e {
            Event::StageRerun { stage, reason } => Some((stage.clone(), reason.clone())),
            _ => None,
        })
        .collect()
}

/// Stops the run (like Ctrl-C) once `after` steps have been reported.
struct StopAfter {
    steps: usize,
    after: usize,
    flag: Arc<AtomicBool>,
}

impl EventSink for StopAfter {
    fn emit(&mut self, e: Event) {
        if matches!(e, Event::Step { .. }) {
            self.steps += 1;
            if self.steps == self.after {
                self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
}

/// Runs `tiny_program(seed)` into `dir` and stops it like Ctrl-C after `after` steps.
fn run_stopped_after(seed: u64, dir: &Path, after: usize) -> nas_run::error::RuntimeError {
    let o = opts(dir, false);
    let mut stopper = StopAfter {
        steps: 0,
        after,
        flag: o.stop.clone(),
    };
    run(&tiny_program(seed), &o, &mut stopper).expect_err("stopped")
}

#[test]
fn interrupted_then_resumed_run_equals_an_uninterrupted_one() {
    let whole = tempdir("resume_whole");
    run(
        &tiny_program(5),
        &opts(&whole, false),
        &mut VecSink::default(),
    )
    .expect("whole");
    for after in [2, 7] {
        let part = tempdir(&format!("resume_part_{after}"));
        let err = run_stopped_after(5, &part, after);
        assert!(err.to_string().contains("stopped by the user"), "{err}");
        run(
            &tiny_program(5),
            &opts(&part, true),
            &mut VecSink::default(),
        )
        .expect("resume");
        for f in [
            "derive/weights.safetensors",
            "derive/genotype.json",
            "search/checkpoint/state.safetensors",
        ] {
            assert_eq!(
                fs::read(whole.join(f)).unwrap(),
                fs::read(part.join(f)).unwrap(),
                "{f} differs (stop after {after})"
            );
        }
    }
}

#[test]
fn a_kill_between_the_first_metrics_line_and_the_first_checkpoint_resumes_from_scratch() {
    // A SIGKILL can land after epoch 0's metrics line and before its checkpoint; simulated
    // by stopping in epoch 1 and removing the checkpoint, which leaves one logged epoch.
    let whole = tempdir("first_ckpt_whole");
    run(
        &tiny_program(4),
        &opts(&whole, false),
        &mut VecSink::default(),
    )
    .expect("whole");
    let part = tempdir("first_ckpt_part");
    run_stopped_after(4, &part, 4);
    let lines = fs::read_to_string(part.join("search/metrics.jsonl")).unwrap();
    assert_eq!(lines.lines().count(), 1, "stopped inside epoch 1");
    fs::remove_file(part.join("search/checkpoint/state.safetensors")).unwrap();
    run(
        &tiny_program(4),
        &opts(&part, true),
        &mut VecSink::default(),
    )
    .expect("resume");
    assert_eq!(
        fs::read(whole.join("derive/weights.safetensors")).unwrap(),
        fs::read(part.join("derive/weights.safetensors")).unwrap()
    );
    // the log starts over too: one line per epoch, the same losses (images/s differ)
    let losses = |dir: &Path| -> Vec<f64> {
        fs::read_to_string(dir.join("search/metrics.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["loss"]
                    .as_f64()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(losses(&whole), losses(&part));

    // two logged epochs and no checkpoint: the checkpoint was removed; refuse
    let gone = tempdir("first_ckpt_gone");
    run_stopped_after(4, &gone, 7);
    fs::remove_file(gone.join("search/checkpoint/state.safetensors")).unwrap();
    let err = run(
        &tiny_program(4),
        &opts(&gone, true),
        &mut VecSink::default(),
    )
    .expect_err("missing checkpoint");
    assert!(err.to_string().contains("state.safetensors"), "{err}");
}

#[test]
fn resume_refuses_a_changed_pipeline_and_names_the_field() {
    let dir = tempdir("changed");
    run(
        &tiny_program(1),
        &opts(&dir, false),
        &mut VecSink::default(),
    )
    .expect("first");
    let err = run(&tiny_program(2), &opts(&dir, true), &mut VecSink::default())
        .expect_err("changed seed");
    assert!(err.to_string().contains("pipeline.seed"), "{err}");
}

#[test]
fn a_corrupt_checkpoint_is_an_error_naming_the_file() {
    let dir = tempdir("corrupt");
    run_stopped_after(1, &dir, 4);
    let ckpt = dir.join("search/checkpoint/state.safetensors");
    let bytes = fs::read(&ckpt).unwrap();
    fs::write(&ckpt, &bytes[..bytes.len() / 2]).unwrap();
    let err =
        run(&tiny_program(1), &opts(&dir, true), &mut VecSink::default()).expect_err("corrupt");
    assert!(err.to_string().contains("state.safetensors"), "{err}");
    assert_eq!(
        fs::read(&ckpt).unwrap().len(),
        bytes.len() / 2,
        "the corrupt file is left as it was"
    );
}

#[test]
fn a_non_finite_loss_stops_cleanly_with_the_last_checkpoint_loadable() {
    let dir = tempdir("nan");
    // a healthy start, stopped inside epoch 1 with a checkpoint
    run_stopped_after(1, &dir, 4);
    // resume (forced past the IR change) with an absurd learning rate and no clipping
    let mut p = tiny_program(1);
    if let StageKind::SslSearch(s) = &mut p.pipeline.stages[0].kind {
        s.weights.lr = 1e12;
        s.weights.clip_norm = None;
    }
    let forced = RunOptions {
        force: true,
        ..opts(&dir, true)
    };
    let err = run(&p, &forced, &mut VecSink::default()).expect_err("diverges");
    assert!(err.to_string().contains("not finite"), "{err}");
    let ckpt = nas_run::checkpoint::load(&dir.join("search/checkpoint"), &Device::Cpu)
        .expect("last checkpoint loads");
    for (name, t) in &ckpt.tensors {
        let v: Vec<f32> = t
            .flatten_all()
            .unwrap()
            .to_dtype(candle_core::DType::F32)
            .unwrap()
            .to_vec1()
            .unwrap();
        assert!(
            v.iter().all(|x| x.is_finite()),
            "checkpoint tensor {name} is not finite"
        );
    }
}

#[test]
fn weights_with_a_nan_are_refused_before_a_checkpoint_is_written() {
    use nas_run::stages::common::{check_finite_weights, Fail};
    use rand::SeedableRng;
    let p = tiny_program(1);
    let StageKind::SslSearch(s) = &p.pipeline.stages[0].kind else {
        unreachable!()
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let net = nas_engine::nn::Network::new(
        &s.network,
        None,
        &mut rng,
        candle_core::DType::F32,
        &Device::Cpu,
    )
    .unwrap();
    let fail = Fail::new(&p.pipeline.stages[0]);
    check_finite_weights(&net, &fail, 0, 0).expect("fresh weights are finite");
    let (name, var) = &net.params()[3];
    let bad = (var.as_tensor() * f64::NAN).unwrap();
    var.set(&bad).unwrap();
    let err = check_finite_weights(&net, &fail, 2, 5)
        .expect_err("NaN weight")
        .to_string();
    assert!(
        err.contains(name) && err.contains("epoch 2, step 5"),
        "{err}"
    );
}

#[test]
fn a_resumed_stage_reports_the_wall_time_of_every_segment() {
    let dir = tempdir("resume_clock");
    run_stopped_after(5, &dir, 7);
    let clock = dir.join("search/checkpoint/clock.json");
    let written: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(&clock).expect("clock.json beside the checkpoint"),
    )
    .unwrap();
    assert!(written["seconds"].as_f64().unwrap() > 0.0, "{written}");
    // Pretend the interrupted segment ran for 1000 s: the resumed stage must count them.
    fs::write(&clock, r#"{"seconds": 1000.0}"#).unwrap();
    run(&tiny_program(5), &opts(&dir, true), &mut VecSink::default()).expect("resume");
    let done: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("search/done.json")).unwrap()).unwrap();
    let seconds = done["seconds"].as_f64().unwrap();
    assert!(
        (1000.0..1100.0).contains(&seconds),
        "search done.json seconds {seconds}"
    );
}

#[test]
fn a_completed_stage_whose_checkpoint_was_damaged_is_not_skipped_silently() {
    let dir = tempdir("damaged_output");
    run(
        &tiny_program(4),
        &opts(&dir, false),
        &mut VecSink::default(),
    )
    .expect("run");
    let done: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("search/done.json")).unwrap()).unwrap();
    assert!(
        done["files"]["checkpoint/state.safetensors"].is_string(),
        "{done}"
    );
    // an unchanged folder is skipped
    run(
        &tiny_program(4),
        &opts(&dir, false),
        &mut VecSink::default(),
    )
    .expect("rerun");
    // one flipped byte in the search's final checkpoint
    let ckpt = dir.join("search/checkpoint/state.safetensors");
    let mut bytes = fs::read(&ckpt).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x10;
    fs::write(&ckpt, bytes).unwrap();
    let err = run(
        &tiny_program(4),
        &opts(&dir, false),
        &mut VecSink::default(),
    )
    .expect_err("the damage is noticed");
    assert!(
        matches!(&err, nas_run::error::RuntimeError::DamagedOutput { stage, file }
            if stage == "search" && *file == ckpt),
        "{err:?}"
    );
}

#[test]
fn a_forged_checkpoint_with_a_valid_checksum_is_refused() {
    use nas_run::checkpoint;
    for (tag, forge) in [("epoch", 0usize), ("alpha", 1usize)] {
        let dir = tempdir(&format!("forged_{tag}"));
        run_stopped_after(6, &dir, 7);
        let ckpt_dir = dir.join("search/checkpoint");
        let mut c = checkpoint::load(&ckpt_dir, &Device::Cpu).unwrap();
        if forge == 0 {
            c.meta["epoch"] = 1_000_000.into();
        } else {
            let (name, t) = c
                .tensors
                .iter()
                .find(|(n, _)| n.contains("alpha"))
                .map(|(n, t)| (n.clone(), t.clone()))
                .expect("the search checkpoint holds alphas");
            let inf = (t.ones_like().unwrap() * f64::INFINITY).unwrap();
            c.tensors.insert(name, inf);
        }
        // save writes a valid checksum: only the content gives the forgery away
        checkpoint::save(&ckpt_dir, &c).unwrap();
        let err =
            run(&tiny_program(6), &opts(&dir, true), &mut VecSink::default()).expect_err("refused");
        let shown = err.to_string();
        assert!(
            matches!(
                err,
                nas_run::error::RuntimeError::Checkpoint(
                    checkpoint::CheckpointError::Corrupt { .. }
                )
            ),
            "{tag}: {shown}"
        );
        let expected = if forge == 0 {
            "past the stage's"
        } else {
            "not finite"
        };
        assert!(shown.contains(expected), "{tag}: {shown}");
    }
}

#[test]
fn a_pipeline_larger_than_the_machine_is_refused_before_anything_is_allocated() {
    let p = tiny_program(1);
    nas_run::memory::check(&p, 64 << 30).expect("the tiny search fits in 64 GiB");
    let err = nas_run::memory::check(&p, 1 << 10).expect_err("not in 1 KiB");
    assert!(
        matches!(&err, nas_run::error::RuntimeError::TooLarge { stage, .. } if stage == "search"),
        "{err:?}"
    );
    let mut huge = tiny_program(1);
    if let StageKind::SslSearch(s) = &mut huge.pipeline.stages[0].kind {
        if let nas_ir::Family::Darts(d) = &mut s.network.family {
            d.channels = 65_536;
            d.cells = 1_000;
        }
        s.batch = 1 << 40;
    }
    let err = nas_run::memory::check(&huge, u64::MAX).expect_err("more than any machine");
    assert!(err.to_string().contains("more than 16 EiB"), "{err}");
}
