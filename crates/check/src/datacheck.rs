//! Data-aware checks of a lowered pipeline: what the data probe ([`crate::dataprobe`])
//! knows about the dataset, held against every stage. Problems that would stop the run
//! (a missing folder, a split too small for one batch, a crop larger than the padded image)
//! are errors; settings that run but make the result meaningless (no architecture step,
//! crops larger than the images, fewer labelled images than classes, a validation split of
//! a handful of images, k larger than the kNN bank, a batch larger than the labelled set)
//! are warnings.
//!
//! Contract: every diagnostic is located at the value the user wrote (the `batch`, the
//! crop's `size`, ...); when that value is in a library recipe the user extends, a note
//! points at the user's call of the recipe. Counts follow the engine's splits: a fraction
//! `f` of `n` images takes `round(f * n)`, a label fraction at least one image per class.

use std::collections::HashSet;
use std::rc::Rc;

use nas_ir::{KnnSpec, Program, SearchSpec, SslTrainSpec, StageKind, SupervisedSpec, Transition};
use nas_syntax::diagnostics::Diag;
use nas_syntax::source::Span;

use crate::checked::{CheckedPipeline, CheckedStage};
use crate::dataprobe::{probe, DataFacts};
use crate::error::CheckError;
use crate::semantics::field_span;
use crate::stages::{get_int, get_rec};
use crate::value::{Rec, Val, V};

/// Fewer validation images than this make validation accuracy noise (one image moves it
/// by 10 points or more).
pub const MIN_VALIDATION: usize = 10;

pub fn check(checked: &CheckedPipeline, program: &Program) -> Vec<Diag> {
    let mut c = Checker {
        checked,
        out: Vec::new(),
        seen: HashSet::new(),
    };
    let data = &program.pipeline.data;
    let (facts, missing) = probe(data);
    for m in &missing {
        let e = CheckError::DataMissing {
            role: m.role.into(),
            path: m.path.display().to_string(),
            what: m.what.clone(),
        };
        let help = "data paths are read from the folder `nas` runs in; fix the path, or check \
                    the spec away from its data with `nas check --no-data`";
        let d = Diag::error(
            e,
            missing_span(checked, &m.path),
            format!("this {}", m.role),
        );
        c.push_near(d.with_help(help), Some(checked.data_span));
    }
    if c.mismatch(&facts, data) {
        return c.out;
    }
    for stage in &program.pipeline.stages {
        let Some(s) = checked.stages.iter().find(|s| s.name == stage.name) else {
            continue;
        };
        c.crops(s, data.image_size);
        match &stage.kind {
            StageKind::SslSearch(spec) => c.search(s, spec, &facts),
            StageKind::SslTrain(spec) => c.ssl_train(s, spec, &facts),
            StageKind::Finetune(spec) | StageKind::LinearEval(spec) | StageKind::Train(spec) => {
                c.supervised(s, spec, &facts, data.classes)
            }
            StageKind::Knn(spec) => c.knn(s, spec, &facts, data.classes),
            StageKind::Derive(_) | StageKind::Nb201Lookup(_) => {}
        }
    }
    c.out
}

/// The span of the dataset's source path (`dir = "..."`), else of the dataset value.
fn source_span(checked: &CheckedPipeline) -> Span {
    get_rec(&checked.data, "source")
        .and_then(|src| src.get("dir").map(|v| v.span))
        .unwrap_or(checked.data_span)
}

/// Where a missing path is written: the file's name in the `train` or `test` list when it
/// names a batch file (`"data_batch_2.bin"`), else the dataset's folder (`dir = "..."`), else
/// the dataset value.
fn missing_span(checked: &CheckedPipeline, path: &std::path::Path) -> Span {
    let source = get_rec(&checked.data, "source");
    let named = source.and_then(|src| {
        ["train", "test"]
            .iter()
            .find_map(|list| match src.get(list).map(|v| &v.v) {
                Some(V::List(files)) => files.iter().find_map(|f| match &f.v {
                    V::Str(name) if !name.is_empty() && path.ends_with(name) => Some(f.span),
                    _ => None,
                }),
                _ => None,
            })
    });
    named.unwrap_or_else(|| source_span(checked))
}

/// `round(f * n)`, as the engine's splits count.
fn part(f: f64, n: usize) -> usize {
    (f * n as f64).round() as usize
}

/// Images of a class-balanced label fraction: `round(f * n)`, but at least one per class.
fn labelled(f: f64, n: usize, classes: Option<usize>) -> usize {
    part(f, n).max(classes.unwrap_or(0)).min(n)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

struct Checker<'c> {
    checked: &'c CheckedPipeline,
    out: Vec<Diag>,
    seen: HashSet<(&'static str, Span)>,
}

impl Checker<'_> {
    /// Add `d` once per (code, span), with a note at the user's call when it points into a
    /// library file.
    fn push(&mut self, d: Diag) {
        self.push_near(d, None);
    }

    /// `push`, where `near` is the place in the user's file that uses the value `d` points
    /// at (a stage's `augment = augment.cifar_train(data)`, the `data = ...` of the
    /// pipeline): a problem with a library's default is noted there rather than at the call
    /// of the recipe, and the front end shows it there (`at_user_lines`).
    fn push_near(&mut self, mut d: Diag, near: Option<Span>) {
        if let Some(span) = d.span {
            if !self.seen.insert((d.code, span)) {
                return;
            }
            let own = self.checked.span.src;
            match near.filter(|n| span.src != own && n.src == own) {
                Some(at) => d = d.with_note(at, "used here"),
                None => {
                    if let Some((at, text)) = self.checked.user_site(span) {
                        d = d.with_note(at, text);
                    }
                }
            }
        }
        self.out.push(d);
    }

    /// The declared geometry and classes against what the files hold; true when they differ
    /// (counts are then meaningless, and the run refuses the data).
    fn mismatch(&mut self, facts: &DataFacts, data: &nas_ir::DatasetSpec) -> bool {
        let mut reasons = Vec::new();
        if let Some((channels, side)) = facts.geometry {
            if (channels, side) != (data.channels, data.image_size) {
                reasons.push(format!(
                    "the files hold {channels}-channel {side}x{side} images, but the dataset \
                     declares {}-channel {}x{} images",
                    data.channels, data.image_size, data.image_size
                ));
            }
        }
        if let (Some(found), Some(declared)) = (facts.classes, data.classes) {
            if found != declared {
                reasons.push(format!(
                    "the files hold {found} classes, but the dataset declares {declared}"
                ));
            }
        }
        let at = self.checked.data_span;
        for reason in &reasons {
            let e = CheckError::DataMismatch {
                reason: reason.clone(),
            };
            let help =
                "declare what the files hold (`size`, `channels`, `classes` of `dataset(...)`)";
            self.push(Diag::error(e, at, "this dataset").with_help(help));
        }
        !reasons.is_empty()
    }

    /// A search: both splits must hold one batch, and the architecture must be stepped.
    fn search(&mut self, s: &CheckedStage, spec: &SearchSpec, facts: &DataFacts) {
        let needs_arch = spec
            .phases
            .iter()
            .any(|p| p.arch_updates || p.select.is_some());
        let Some(n) = facts.train else {
            self.arch_steps(s, spec, None);
            return;
        };
        let split = if needs_arch { spec.split } else { 1.0 };
        let w = part(split, n);
        let a = n - w.min(n);
        let pct = |f: f64| format!("{}%", (f * 1000.0).round() / 10.0);
        let short = if w < spec.batch {
            Some((
                format!("the weight split ({} of {n} training images)", pct(split)),
                w,
            ))
        } else if needs_arch && a < spec.batch {
            Some((
                format!(
                    "the architecture split ({} of {n} training images)",
                    pct(1.0 - split)
                ),
                a,
            ))
        } else {
            None
        };
        if let Some((what, images)) = short {
            let fits = if needs_arch { w.min(a) } else { w };
            self.batch_exceeds(s, spec.batch, what, images, fits, true);
            return;
        }
        self.arch_steps(s, spec, Some(w / spec.batch.max(1)));
    }

    fn ssl_train(&mut self, s: &CheckedStage, spec: &SslTrainSpec, facts: &DataFacts) {
        if let Some(n) = facts.train.filter(|n| *n < spec.batch) {
            self.batch_exceeds(s, spec.batch, "the training set".into(), n, n, false);
        }
    }

    fn batch_exceeds(
        &mut self,
        s: &CheckedStage,
        batch: usize,
        part: String,
        images: usize,
        fits: usize,
        split: bool,
    ) {
        let e = CheckError::BatchExceedsSplit {
            stage: s.name.clone(),
            batch,
            part: part.clone(),
            images,
        };
        let why = if split {
            "a search drops incomplete batches, so each of its splits must hold a full batch"
        } else {
            "self-supervised training drops incomplete batches"
        };
        let help = if fits >= 2 {
            format!("{why}: use `batch = {fits}` or less, or more images")
        } else {
            format!("{why}: use more images (a larger `limit`, or the whole dataset)")
        };
        let d = Diag::error(
            e,
            field_span(s, "batch"),
            format!("{batch} images per batch"),
        )
        .with_help(help);
        self.push(d);
    }

    /// Architecture steps over the phases that learn it: `epochs * floor(steps / every)`,
    /// counted before the first freezing phase too (its first cell is frozen at once).
    fn arch_steps(&mut self, s: &CheckedStage, spec: &SearchSpec, steps_from_data: Option<usize>) {
        if !spec.phases.iter().any(|p| p.arch_updates) {
            return;
        }
        let Some(steps) = spec.steps_per_epoch.or(steps_from_data) else {
            return;
        };
        let every = spec.arch_every.max(1);
        let per_epoch = steps / every;
        let epochs = |t: &Transition| match t {
            Transition::Epochs { epochs } => *epochs,
            Transition::When { max_epochs, .. } => *max_epochs,
        };
        let total: usize = spec
            .phases
            .iter()
            .filter(|p| p.arch_updates)
            .map(|p| epochs(&p.until) * per_epoch)
            .sum();
        let first_freeze = spec.phases.iter().position(|p| p.freeze.is_some());
        let before_freeze: usize = spec.phases[..first_freeze.unwrap_or(0)]
            .iter()
            .filter(|p| p.arch_updates)
            .map(|p| epochs(&p.until) * per_epoch)
            .sum();
        let every_span = get_rec(&s.rec, "arch")
            .and_then(|a| a.get("every").map(|v| v.span))
            .unwrap_or(s.span);
        let (reason, at, label) = if per_epoch == 0 {
            let (at, label) = match s.rec.get("steps_per_epoch").filter(|v| !v.v.is_none()) {
                Some(v) => (
                    v.span,
                    format!("{steps} weight step{} per epoch", plural(steps)),
                ),
                None => (
                    field_span(s, "batch"),
                    format!(
                        "{steps} weight step{} per epoch at this batch",
                        plural(steps)
                    ),
                ),
            };
            let reason = format!(
                ": an epoch has {steps} weight step{}, but the architecture steps after every {every}",
                plural(steps)
            );
            (reason, at, label)
        } else if total == 0 {
            let phase = spec.phases.iter().find(|p| p.arch_updates);
            let at = s
                .phases
                .iter()
                .find(|p| phase.is_some_and(|q| q.name == p.name))
                .map_or(s.span, |p| p.span);
            let reason = ": the phases that learn the architecture last 0 epochs".to_string();
            (reason, at, "0 epochs".to_string())
        } else if first_freeze.is_some() && before_freeze == 0 {
            let at = first_freeze
                .and_then(|i| s.phases.get(i))
                .map_or(s.span, |p| p.span);
            let reason =
                " before its first cell is frozen: that cell keeps untrained alphas".to_string();
            (
                reason,
                at,
                "freezes a cell before any architecture step".to_string(),
            )
        } else {
            return;
        };
        let e = CheckError::NoArchSteps {
            stage: s.name.clone(),
            reason,
        };
        let mut d = Diag::warning(e, at, label).with_help(
            "the derived genotype would be the tie-break of untrained alphas, not a found \
             architecture: give the learning phases more epochs or steps, or a smaller `every`",
        );
        if per_epoch == 0 && every_span != at {
            d = d.with_note(every_span, format!("one architecture step every {every}"));
        }
        self.push(d);
    }

    /// Crops and cutouts against the image side, step by step (a crop sets the side the
    /// steps after it see).
    fn crops(&mut self, s: &CheckedStage, image: usize) {
        for field in ["views", "augment"] {
            let Some(aug) = get_rec(&s.rec, field) else {
                continue;
            };
            let Some(Val {
                v: V::List(steps), ..
            }) = aug.get("steps")
            else {
                continue;
            };
            let near = field_span(s, field);
            let mut side = image;
            for st in steps {
                if let V::Rec(r) = &st.v {
                    side = self.crop_step(r, st.span, side, near);
                }
            }
        }
    }

    /// Check one step on images of `side`; the side after it.
    fn crop_step(&mut self, r: &Rc<Rec>, span: Span, side: usize, near: Span) -> usize {
        let size = get_int(r, "size").unwrap_or(0).max(0) as usize;
        let at = r.get("size").map_or(span, |v| v.span);
        let name = r.schema.name;
        let (label, error) = match name {
            "random_resized_crop" if size > side => ("scales every image up", false),
            "random_crop" => {
                let padding = get_int(r, "padding").unwrap_or(0).max(0) as usize;
                if size > side + 2 * padding {
                    ("larger than the padded image", true)
                } else if size > side {
                    ("crops mostly padding", false)
                } else {
                    return size;
                }
            }
            "cutout" if size > side => ("blanks most or all of every image", false),
            "random_resized_crop" => return size,
            _ => return side,
        };
        let e = CheckError::CropExceedsImage {
            step: name.into(),
            size,
            image: side,
        };
        let help = match name {
            "cutout" => format!(
                "a hole larger than the image blanks most of it (all of it from {}): use a \
                 `size` of at most {}",
                2 * side,
                (side / 2).max(1)
            ),
            "random_crop" if !error => format!(
                "the crop is mostly the zero padding around a {side}x{side} image: use \
                 `size = {side}` (`data.size`)"
            ),
            _ if error => format!(
                "a crop cannot be larger than the padded image ({side} + 2 x padding): use \
                 `size = {side}`"
            ),
            _ => format!(
                "training on images scaled up from {side}x{side} while evaluation sees them at \
                 {side}x{side} gives chance accuracy: use `size = {side}` (`data.size`)"
            ),
        };
        let d = if error {
            Diag::error(e, at, label)
        } else {
            Diag::warning(e, at, label)
        };
        self.push_near(d.with_help(help), Some(near));
        if name == "cutout" {
            side
        } else {
            size
        }
    }

    fn supervised(
        &mut self,
        s: &CheckedStage,
        spec: &SupervisedSpec,
        facts: &DataFacts,
        classes: Option<usize>,
    ) {
        self.test_part(s, facts);
        let Some(n) = facts.train else { return };
        let labelled = labelled(spec.labels, n, classes);
        let val = part(spec.val_fraction, labelled);
        let train = labelled - val.min(labelled);
        let labels_at = field_span(s, "labels");
        if let Some(c) = classes.filter(|c| train < *c) {
            let e = CheckError::FewerLabelsThanClasses {
                stage: s.name.clone(),
                images: train,
                classes: c,
            };
            let help = format!(
                "{labelled} of the {n} training images are labelled, {val} of them held out for \
                 validation: raise `labels` so that every class has training images"
            );
            let label = format!("{train} training image{}", plural(train));
            self.push(Diag::warning(e, labels_at, label).with_help(help));
        }
        if spec.val_fraction > 0.0 && val < MIN_VALIDATION {
            let e = CheckError::SmallValidation {
                stage: s.name.clone(),
                images: val,
                plural: plural(val),
            };
            let at = s.rec.get("val_fraction").map_or(labels_at, |v| v.span);
            let help = format!(
                "validation accuracy on {val} image{} says nothing: hold out at least \
                 {MIN_VALIDATION} (a larger `val_fraction` or `labels`), or `val_fraction = 0`",
                plural(val)
            );
            let label = format!("{val} of {labelled} labelled images");
            self.push(Diag::warning(e, at, label).with_help(help));
        }
        if spec.batch > train && train > 0 {
            let e = CheckError::BatchExceedsLabels {
                stage: s.name.clone(),
                batch: spec.batch,
                images: train,
            };
            let help = format!(
                "every step sees the whole labelled set, one step per epoch: use `batch = {}` \
                 or less, or more labels",
                (train / 4).max(1)
            );
            let d = Diag::warning(e, field_span(s, "batch"), format!("{} images", spec.batch));
            self.push(d.with_help(help));
        }
    }

    fn knn(&mut self, s: &CheckedStage, spec: &KnnSpec, facts: &DataFacts, classes: Option<usize>) {
        self.test_part(s, facts);
        let Some(n) = facts.train else { return };
        let bank = labelled(spec.labels, n, classes);
        if spec.k > bank {
            let e = CheckError::KExceedsBank {
                stage: s.name.clone(),
                k: spec.k,
                bank,
            };
            let help = format!(
                "each test image then votes with the whole bank, weighted only by similarity: \
                 use `k = {}` or less, or more `labels`",
                (bank / 4).max(1)
            );
            let d = Diag::warning(e, field_span(s, "k"), format!("{} neighbours", spec.k));
            self.push(d.with_help(help));
        }
    }

    /// A stage that reports test accuracy needs a test part.
    fn test_part(&mut self, s: &CheckedStage, facts: &DataFacts) {
        if facts.has_test {
            return;
        }
        let e = CheckError::NoTestImages {
            stage: s.name.clone(),
        };
        let mut d = Diag::error(e, s.span, "reports test accuracy").with_help(
            "give the image folder a test folder: `data.image_folder(..., test = \"DIR\")`",
        );
        let data_at = source_span(self.checked);
        if data_at != s.span {
            d = d.with_note(data_at, "the dataset is defined here");
        }
        self.push(d);
    }
}
