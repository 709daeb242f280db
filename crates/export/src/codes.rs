//! The exporter's diagnostic codes (`nas::export::*`) for `nas explain`, one row per
//! `ExportError` variant (a test checks that every code in `error.rs` is here).

use nas_ir::codes::{c, CodeInfo};

pub static CODES: &[CodeInfo] = &[
    c("nas::export::not_a_run", "the folder is not a run folder",
      "`nas export` and `nas predict` read what `nas run` wrote: `pipeline.ir.json` and one folder per stage. The folder given does not exist or has no `pipeline.ir.json`.",
      "nas export examples/ --format onnx --out model.onnx"),
    c("nas::export::bad_ir", "the run's `pipeline.ir.json` cannot be read as a pipeline",
      "The file is not valid JSON, or lacks a field this version of nas needs; the message names the line and the field. It was damaged, or written by an incompatible version of nas: run the pipeline again to rewrite it.",
      "runs/quickstart/pipeline.ir.json: missing field `pipeline` at line 3 column 1"),
    c("nas::export::unknown_stage", "`--stage` names no stage of the run",
      "`--stage NAME` picks the stage whose network is exported or run. The name must be one of the run's stages; the message suggests the closest name or lists them all.",
      "nas export runs/quickstart --stage tuen --format onnx --out m.onnx   # did you mean `tune`?"),
    c("nas::export::not_exportable", "the stage has no network of its own to export",
      "Only a stage that leaves a fixed network and its weights can be exported: `derive` (the found architecture with its preserved weights) and the stages that train a network (`finetune`, `train`, `linear_eval`, `ssl_train`). A search stage's network is a supernet, `knn` and `nb201_lookup` train nothing. Without `--stage`, the run must have finished a derive stage.",
      "nas export runs/quickstart --stage search --format onnx --out m.onnx"),
    c("nas::export::not_finished", "the stage has not finished, so its weights are not final",
      "A stage's folder holds its final weights once its `done.json` is written. The run stopped before (or the stage never ran): finish it with `nas run FILE --out RUN_DIR --resume`, or export a finished stage with `--stage NAME`.",
      "nas export runs/stopped --stage tune --format onnx --out m.onnx"),
    c("nas::export::bad_network", "the file that describes the network is damaged or describes no valid network",
      "`derive/network.json` (the derived network's IR) or `derive/genotype.json` (the genotype a later stage builds its cells from) could not be read, or describes a network that cannot be built: an unknown op, a node taking an input that does not exist, a supernet where a fixed network was expected. The message names the file and the problem. Delete the stage's folder and run the pipeline again to rewrite it.",
      "runs/quickstart/derive/network.json: unknown variant `dart`, expected `darts` or `nb201` at line 2 column 20"),
    c("nas::export::missing_weight", "the weights file lacks a tensor the network needs",
      "Every parameter and batch-norm statistic of the network is read from the stage's `weights.safetensors` under its stable name (`cells.3.edges.5.sep_conv_3x3.1.weight`). A missing one means the file belongs to another network or was damaged; nothing is written.",
      "runs/quickstart/tune/weights.safetensors lacks the tensor `classifier.bias` (shape [10]) that the network needs"),
    c("nas::export::weight_shape", "a tensor of the weights file has another shape than the network needs",
      "The tensor exists under the right name but with another shape: the weights were written for a network of other channels or classes than the one `network.json` describes.",
      "runs/quickstart/tune/weights.safetensors: the tensor `classifier.weight` is [5, 64], but the network needs [10, 64]"),
    c("nas::export::bad_weights", "the weights file is not a safetensors file nas can read",
      "The stage's `weights.safetensors` could not be parsed (truncated, or not safetensors), or holds values of a type other than float32/float64.",
      "runs/quickstart/tune/weights.safetensors is not a safetensors file: invalid header"),
    c("nas::export::read", "a file of the run folder could not be read",
      "The file exists but reading it failed (permissions, an I/O error).",
      "chmod 000 runs/quickstart/pipeline.ir.json"),
    c("nas::export::write", "the export could not be written",
      "Writing the ONNX file or the PyTorch folder failed. The output is written to a temporary name and renamed, so nothing partial is left under the output name. A PyTorch folder replaces only an earlier export of the same kind, never another folder.",
      "nas export runs/quickstart --format onnx --out /proc/model.onnx"),
    c("nas::export::out_exists", "`--out` names a folder that is not an earlier PyTorch export",
      "`--format torch` writes a folder. It replaces a folder of the same name only when that folder is an earlier export (its `meta.json` says `nas_torch`), so that a mistyped `--out` never deletes someone's files.",
      "nas export runs/quickstart --format torch --out ~/Documents"),
    c("nas::export::internal", "an internal error of the exporter",
      "Something that should not happen did. Please report it with the command and the run folder.",
      "(none)"),
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
