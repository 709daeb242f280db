//! The report's diagnostic codes (`nas::report::*`) for `nas explain`, one row per
//! `ReportError` variant (a test checks that every code in `error.rs` is here).

use nas_ir::codes::{c, CodeInfo};

pub static CODES: &[CodeInfo] = &[
    c("nas::report::not_a_run", "the folder is not a run folder",
      "`nas report` reads what `nas run` wrote: `pipeline.ir.json` and one folder per stage. The folder given has no `pipeline.ir.json` (or does not exist).",
      "nas report examples/"),
    c("nas::report::bad_json", "a file of the run folder is not valid JSON or lacks a field",
      "`pipeline.ir.json`, a `done.json` or a line of a `metrics.jsonl` could not be read as the type this version of nas writes; the message names the file, the line and the field (for example `missing field `seconds``). The file is damaged or was written by an incompatible version: rerun the stage to rewrite it.",
      "runs/quickstart/tune/done.json: missing field `per_seed`"),
    c("nas::report::bad_field", "a field of a run-folder file has a value this nas cannot use",
      "A `done.json` or metrics line was written by a newer nas (its `format_version` is higher than this one reads), or its `kind` disagrees with the stage in `pipeline.ir.json`. The message names the file, the line and the field.",
      "runs/quickstart/tune/done.json: field `format_version`: format version 2, but this nas reads up to version 1"),
    c("nas::report::no_search", "a run of a sweep has no search stage",
      "`nas report RUN1 RUN2 ...` compares runs of one pipeline at different search epochs, so every run must have an `ssl_search` stage.",
      "nas report runs/quickstart runs/supervised_only --out sweep/"),
    c("nas::report::read", "a file of the run folder could not be read",
      "The file exists but reading it failed (permissions, an I/O error).",
      "chmod 000 runs/quickstart/tune/done.json"),
    c("nas::report::write", "the report could not be written",
      "Writing `report.md`, `sweep.md` or a plot failed. Nothing is written until every output has been rendered, and each file is written to a temporary name and renamed, so no partial file is left.",
      "nas report runs/quickstart --out /proc/nope"),
    c("nas::report::plot", "a plot could not be drawn",
      "Drawing a curve failed, for example because every value of a series is not finite. The message names the plot.",
      "(a metrics.jsonl whose losses are all NaN)"),
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
