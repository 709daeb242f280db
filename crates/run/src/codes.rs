//! The interpreter's diagnostic codes (`nas::run::*`) for `nas explain`, one row per
//! `RuntimeError` variant (a test checks that every code in `error.rs` is here).

use nas_ir::codes::{c, CodeInfo};

pub static CODES: &[CodeInfo] = &[
    c("nas::run::tensor", "a tensor operation failed while a stage ran",
      "Building or running a network raised a shape or tensor error. The help names the stage's line in the `.nas` file. The checker catches most such problems before a run (`nas check --estimate` prints every network's shapes); one that reaches the run is a gap in the checker, worth reporting.",
      "stage search: ssl_search(network = darts.supernet(cells = 40))   // features shrink below 1x1"),
    c("nas::run::data", "a dataset could not be read",
      "A data file or folder named by the pipeline is missing, truncated or not in the format its source says (CIFAR binary batches of 3073-byte records, or one folder of PNG/JPEG images per class). The message names the file and, for batches, the record.",
      "let data = data.cifar10(dir = \"../shared/data/cifar10\")   // data_batch_1.bin missing"),
    c("nas::run::cell_not_in_table", "a derived cell that the benchmark table does not list",
      "An `nb201_lookup` stage read the cell its derive stage picked, and the table has no row for it. The complete NAS-Bench-201 table lists all 15,625 cells; a partial table, or a space whose op names differ from the table's, can miss one. Fixed cells are checked before the run (`nas::check::cell_not_in_table`).",
      "stage truth: nb201_lookup(table = \"top100.csv\") after derive"),
    c("nas::run::stage", "a stage cannot run as configured",
      "The stage's configuration is valid on its own but not on this data: a split too small for one batch, a network whose input does not match the images, a checkpoint whose metadata does not match the stage. The help names the stage's line.",
      "search.batch = 4096   // on 1,797 digits: no batch fits the weight split"),
    c("nas::run::non_finite", "the loss or a weight became NaN or infinite",
      "Training diverged. The stage stopped before writing the bad state: its last checkpoint is intact, so lowering the learning rate (or setting `clip_norm`) and running with `--resume --force` continues from there.",
      "search.weights = sgd(lr = 50.0)"),
    c("nas::run::checkpoint", "a checkpoint is missing, damaged or of another network",
      "A stage's checkpoint failed its checksum, could not be parsed, or holds tensors of other shapes than the network. Checkpoints are never replaced silently: delete the stage folder to start the stage over.",
      "runs/quickstart/search/checkpoint/state.safetensors   // truncated by a full disk"),
    c("nas::run::ir_changed", "the run folder holds a different pipeline",
      "`--resume` found a `pipeline.ir.json` that differs from the pipeline being run; the message lists the changed fields. Resuming would mix results of two pipelines. Pass `--force` to resume anyway (stages whose hash changed run again), or use another `--out` folder.",
      "nas run x.nas --resume --set seed=8   // the folder ran seed 7"),
    c("nas::run::damaged_output", "a completed stage's file changed after the stage finished",
      "A stage's `done.json` records the hash of every file the stage wrote. A later run that would skip the stage checks them first, so that a damaged checkpoint or weights file is not used silently by the stages after it. Delete the stage's folder to run it again (the result is the same: runs are deterministic).",
      "runs/quickstart/search/checkpoint/state.safetensors   // a bit flipped on disk"),
    c("nas::run::too_large", "the pipeline needs more memory than the machine has",
      "Before it allocates anything, `nas run` estimates the memory of the largest training step (weights, gradients, optimiser state and the activations kept for backward, as `nas check --estimate` prints) and compares it with the machine's memory. A step that cannot fit would abort the process inside the allocator. The estimate is a guide: `--force` runs anyway.",
      "space = darts.cifar(cells = 20, channels = 60000)"),
    c("nas::run::locked", "another `nas run` is using the run folder",
      "Each run holds a lock on its folder (`.nas-lock`) from start to end, so that two runs never write the same stage files. A second run into the folder stops at once and touches nothing. The lock is released when the holding process ends, killed or not.",
      "nas run x.nas --out runs/a &  nas run y.nas --out runs/a"),
    c("nas::run::nothing_to_resume", "`--resume` found no run to continue",
      "The output folder has no `pipeline.ir.json`, so no run was started there. Start the run without `--resume`.",
      "nas run x.nas --out runs/new --resume"),
    c("nas::run::missing_input", "a stage needs the output of a stage that has not run",
      "A stage reads another stage's files (the derive stage's genotype and weights, a search checkpoint, an `ssl_train` stage's weights) and they are not in the run folder. Run the whole pipeline, or the stage it depends on, first.",
      "stage tune: finetune(init = preserved)   // but derive/weights.safetensors is absent"),
    c("nas::run::io", "a file of the run folder could not be written",
      "Writing to the run folder failed (disk full, no permission, a read-only file system). Every file is written to a temporary name and renamed, so the files already there are intact; free space and resume with `--resume`.",
      "nas run x.nas --out /proc/nope"),
    c("nas::run::interrupted", "the run was stopped by the user",
      "Ctrl-C stopped the run after the current step; the stage wrote a checkpoint first. `nas run --resume` continues from it and gives the same result as an uninterrupted run. A second Ctrl-C exits at once.",
      "^C during `nas run examples/quickstart.nas`"),
    c("nas::run::device", "the device named by `--device` cannot be used",
      "`--device` takes `cpu` (the default) or `cuda:N`, the N-th GPU (`cuda` is `cuda:0`). CUDA needs a binary built with `--features cuda` (README, section \"GPU\": the toolchain script, then `cargo build --release --features cuda`); a build without it refuses `cuda:N` at once. In a CUDA build the reason is the driver's: no GPU visible, an ordinal past the last GPU (`nvidia-smi` lists them; CUDA_VISIBLE_DEVICES renumbers them), or a stub library instead of the driver. Nothing is written to the run folder.",
      "nas run examples/quickstart.nas --device cuda:0   // a build without --features cuda"),
    c("nas::run::internal", "an internal error of the interpreter",
      "Something the interpreter assumed did not hold. This is a bug in nas, not in the pipeline: please report it with the `.nas` file and the command.",
      "(no example: report it)"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_of_the_error_type_is_explained() {
        let source = include_str!("error.rs");
        assert_eq!(
            nas_ir::codes::unmatched(source, super::CODES),
            Vec::<String>::new()
        );
    }
}
