//! Perturbation selection in a search stage, end to end on the digits: every edge of a tiny
//! NB201 supernet is fixed to one op, derivation reads those ops, and a run stopped inside
//! the selection phase resumes to the same bytes.

use std::fs;
use std::path::Path;

use crate::run_support::tempdir;
use crate::search::opts;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};
use nas_ir::Program;
use nas_run::events::{Event, EventSink, VecSink};
use nas_run::run;

const SRC: &str = r#"
import std.spaces.nb201
import std.data

pipeline p {
  data = data.digits()
  seed = 3
  space = nb201.network(channels = 4, cells_per_stage = 1)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8, scale = (0.5, 1.0)), normalize(data.mean, data.std)])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    sampler = darts
    batch = 16
    steps_per_epoch = 2
    weights = sgd(lr = 0.05, momentum = 0.9)
    arch = adam(lr = 3e-3)
    phase warmup { epochs = 1, arch = frozen }
    phase select { epochs = 3, arch = frozen, select = perturbation(batches = 2) }
  }
  stage derive: derive after search
}
"#;

fn program() -> Program {
    compiled(SRC)
}

/// The one pipeline of `src`, checked from the repository root.
fn compiled(src: &str) -> Program {
    crate::support::at_root();
    let c = compile_text(
        "select.nas",
        src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    );
    assert!(!c.has_errors(), "{:?}", c.diags);
    c.programs.into_iter().next().expect("one pipeline")
}

fn selections(events: &[Event]) -> Vec<(usize, String, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::EdgeSelected {
                epoch, edge, kept, ..
            } => Some((*epoch, edge.clone(), kept.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn every_edge_is_fixed_front_to_back_and_derivation_keeps_those_ops() {
    let out = tempdir("select_whole");
    let mut sink = VecSink::default();
    run(&program(), &opts(&out, false), &mut sink).expect("run");
    let found = selections(&sink.0);
    // 6 edges over the 3 selection epochs (1, 2, 3), evenly spaced, front to back
    let rows: Vec<String> = found.iter().map(|(_, e, _)| e.clone()).collect();
    let expected: Vec<String> = (0..6).map(|r| format!("alphas.normal[{r}]")).collect();
    assert_eq!(rows, expected, "{found:?}");
    let epochs: Vec<usize> = found.iter().map(|(e, _, _)| *e).collect();
    assert_eq!(epochs, vec![1, 1, 1, 2, 2, 3]);
    assert!(found.iter().all(|(_, _, op)| op != "none"), "{found:?}");
    // each measurement covers every candidate but the zero op
    for e in &sink.0 {
        if let Event::EdgeSelected { increase, .. } = e {
            assert_eq!(increase.len(), 4, "{increase:?}");
            assert!(increase.iter().all(|(_, d)| d.is_finite()));
        }
    }
    // derive's cell is the selected ops, edge by edge (NB201 order: node 1, node 2, node 3)
    let arch = fs::read_to_string(out.join("derive/genotype.json")).unwrap();
    let genotype: serde_json::Value = serde_json::from_str(&arch).unwrap();
    let text = genotype.to_string();
    let kept: Vec<&str> = found.iter().map(|(_, _, op)| op.as_str()).collect();
    let cell = format!(
        "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|",
        kept[0], kept[1], kept[2], kept[3], kept[4], kept[5]
    );
    assert!(text.contains(&cell), "{cell} not in {text}");
    // every row one-hot: the entropy of the last epoch is 0
    let log = fs::read_to_string(out.join("search/metrics.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert!(last["alpha_entropy"].as_f64().unwrap() < 1e-9, "{last}");
}

/// Stops the run after `after` weight steps, like Ctrl-C.
struct StopAfter {
    steps: usize,
    after: usize,
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl EventSink for StopAfter {
    fn emit(&mut self, e: Event) {
        if let Event::Step { .. } = e {
            self.steps += 1;
            if self.steps == self.after {
                self.flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
    }
}

#[test]
fn a_run_stopped_in_the_selection_phase_resumes_to_the_same_bytes() {
    let whole = tempdir("select_resume_whole");
    run(&program(), &opts(&whole, false), &mut VecSink::default()).expect("whole");
    // step 3 is inside epoch 1, after its selections; step 5 inside epoch 2
    for after in [3, 5] {
        let part = tempdir(&format!("select_resume_{after}"));
        let o = opts(&part, false);
        let mut stop = StopAfter {
            steps: 0,
            after,
            flag: o.stop.clone(),
        };
        run(&program(), &o, &mut stop).expect_err("stopped");
        let mut sink = VecSink::default();
        run(&program(), &opts(&part, true), &mut sink).expect("resume");
        for f in [
            "derive/genotype.json",
            "derive/weights.safetensors",
            "search/checkpoint/state.safetensors",
        ] {
            assert_eq!(
                fs::read(whole.join(f)).unwrap(),
                fs::read(part.join(f)).unwrap(),
                "{f} differs (stopped after {after} steps)"
            );
        }
    }
}

const DARTS_SRC: &str = r#"
import std.spaces.darts
import std.data

pipeline p {
  data = data.digits()
  seed = 4
  space = darts.cifar(cells = 3, channels = 4)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8, scale = (0.5, 1.0)), normalize(data.mean, data.std)])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    sampler = darts()
    batch = 16
    steps_per_epoch = 1
    weights = sgd(lr = 0.05, momentum = 0.9)
    arch = adam(lr = 3e-3)
    phase warmup { epochs = 1, arch = frozen }
    phase select { epochs = 2, arch = frozen, select = perturbation(batches = 1) }
  }
  stage derive: derive after search
}
"#;

#[test]
fn on_the_darts_space_each_node_keeps_two_inputs_chosen_by_perturbation() {
    let program = compiled(DARTS_SRC);
    let out = tempdir("select_darts");
    let mut sink = VecSink::default();
    run(&program, &opts(&out, false), &mut sink).expect("run");
    // two groups (normal, reduce) of 14 edges: every edge measured once
    let edges = sink
        .0
        .iter()
        .filter(|e| matches!(e, Event::EdgeSelected { .. }))
        .count();
    assert_eq!(edges, 28);
    // nodes with 3, 4 and 5 inputs (the first has exactly 2) choose 2, in both groups
    let mut kept_by_group: std::collections::BTreeMap<String, Vec<Vec<usize>>> = Default::default();
    for e in &sink.0 {
        if let Event::InputsSelected {
            group,
            kept,
            increase,
            ..
        } = e
        {
            assert_eq!(kept.len(), 2, "{kept:?}");
            assert!(kept.iter().all(|r| increase.iter().any(|(x, _)| x == r)));
            kept_by_group
                .entry(group.clone())
                .or_default()
                .push(kept.clone());
        }
    }
    assert_eq!(kept_by_group.len(), 2, "{kept_by_group:?}");
    assert!(kept_by_group.values().all(|nodes| nodes.len() == 3));
    // derivation keeps exactly those inputs: rows 2..5 are node 1's (inputs 0, 1, 2), etc.
    let geno: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("derive/genotype.json")).unwrap())
            .unwrap();
    let normal = &kept_by_group["alphas.normal"];
    let offsets = [2usize, 5, 9];
    for (node, (kept, off)) in normal.iter().zip(offsets).enumerate() {
        let mut inputs: Vec<usize> = kept.iter().map(|r| r - off).collect();
        inputs.sort();
        let edges = geno["genotype"]["normal"]["nodes"][node + 1]
            .as_array()
            .unwrap_or_else(|| panic!("{geno}"));
        let mut derived: Vec<usize> = edges
            .iter()
            .map(|e| e["input"].as_u64().unwrap() as usize)
            .collect();
        derived.sort();
        assert_eq!(derived, inputs, "node {}: {geno}", node + 1);
    }
}
