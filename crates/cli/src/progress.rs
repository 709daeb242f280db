//! The CLI's renderer of run events: a progress bar per epoch on a terminal, one plain
//! line per epoch otherwise. Part of the binary, not the library (the library never prints).

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal, Write};

use indicatif::{ProgressBar, ProgressStyle};
use nas_run::events::{Event, EventSink};

/// Renders events to stderr (progress) and stdout (results such as genotypes).
pub struct Renderer {
    tty: bool,
    bar: Option<ProgressBar>,
}

impl Renderer {
    pub fn new() -> Self {
        Renderer {
            tty: std::io::stderr().is_terminal(),
            bar: None,
        }
    }

    fn finish_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }

    fn line(&mut self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let mut err = std::io::stderr();
                let _ = writeln!(err, "{text}");
            }
        }
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl EventSink for Renderer {
    fn emit(&mut self, event: Event) {
        match event {
            Event::StageStart {
                stage,
                kind,
                epochs,
            } => {
                self.line(&format!("stage {stage} ({kind}, {epochs} epochs)"));
            }
            Event::StageSkipped { stage, reason } => {
                self.line(&format!("stage {stage}: kept ({reason})"))
            }
            Event::StageRerun { stage, reason } => self.line(&format!(
                "stage {stage}: runs again, replacing its earlier results ({reason})"
            )),
            Event::EpochStart {
                stage,
                epoch,
                epochs,
                steps,
                phase,
            } if self.tty => {
                self.finish_bar();
                let bar = ProgressBar::new(steps as u64);
                let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
                bar.set_style(style.progress_chars("=> "));
                bar.set_prefix(format!("{stage} {phase} epoch {}/{epochs}", epoch + 1));
                self.bar = Some(bar);
            }
            Event::Step {
                loss,
                lr,
                images_per_sec,
                step,
                ..
            } => {
                if let Some(bar) = &self.bar {
                    bar.set_position(step as u64 + 1);
                    bar.set_message(format!(
                        "loss {loss:.4} lr {lr:.2e} {images_per_sec:.0} img/s"
                    ));
                }
            }
            Event::EpochEnd {
                stage,
                epoch,
                metrics,
            } => {
                self.finish_bar();
                let mut parts = vec![format!("{stage} epoch {}", epoch + 1)];
                if let Some(obj) = metrics.as_object() {
                    for (k, v) in obj {
                        // the line's schema version is for readers of metrics.jsonl, not people
                        if k == "epoch" || k == "stage" || k == "format_version" {
                            continue;
                        }
                        match v.as_f64() {
                            Some(f) if f.fract() != 0.0 => parts.push(format!("{k} {f:.4}")),
                            _ => parts.push(format!("{k} {v}")),
                        }
                    }
                }
                self.line(&parts.join("  "));
            }
            Event::CellFrozen { stage, cell, epoch } => self.line(&format!(
                "{stage}: cell {cell} frozen at epoch {}",
                epoch + 1
            )),
            Event::EdgeSelected {
                stage,
                epoch,
                edge,
                kept,
                increase,
            } => {
                let shown: Vec<String> = increase
                    .iter()
                    .map(|(op, d)| format!("{op} {d:+.4}"))
                    .collect();
                self.line(&format!(
                    "{stage}: epoch {}: {edge} keeps {kept} (loss without each op: {})",
                    epoch + 1,
                    shown.join(", ")
                ))
            }
            Event::InputsSelected {
                stage,
                epoch,
                group,
                kept,
                increase,
            } => {
                let shown: Vec<String> = increase
                    .iter()
                    .map(|(r, d)| format!("{group}[{r}] {d:+.4}"))
                    .collect();
                self.line(&format!(
                    "{stage}: epoch {}: a node keeps inputs {kept:?} (loss without each: {})",
                    epoch + 1,
                    shown.join(", ")
                ))
            }
            Event::Genotype { stage, text } => {
                self.finish_bar();
                crate::outln!("genotype ({stage}):\n{text}");
            }
            Event::Resumed { stage, epoch } => {
                self.line(&format!("stage {stage}: resumed at epoch {}", epoch + 1))
            }
            Event::StageEnd { stage, seconds } => {
                self.finish_bar();
                self.line(&format!("stage {stage} done in {seconds:.1} s"));
            }
            Event::Note { text } => self.line(&text),
            Event::EpochStart { .. } => {}
        }
    }
}
