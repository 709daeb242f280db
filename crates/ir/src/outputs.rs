//! What a stage leaves in the run folder for others to read: `<stage>/done.json` and the
//! lines of `<stage>/metrics.jsonl`. The interpreter writes these types and the report reads
//! them, so the two can only disagree at compile time.
//!
//! Contract: every `done.json` and every metrics line carries `format_version`
//! ([`OUTPUT_VERSION`]). Files written before the version was recorded have the same fields
//! and are read as version 1; a file of a later version is refused by the reader (the
//! report names the file and the field). Field names never change meaning within a version.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::net::Genotype;

/// Bumped whenever a field of a stage output changes meaning or shape.
pub const OUTPUT_VERSION: u32 = 1;

fn version_1() -> u32 {
    1
}

/// `<stage>/done.json`: the stage finished, with this hash, and this is what it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Done {
    #[serde(default = "version_1")]
    pub format_version: u32,
    /// The stage's hash (its IR, the pipeline's seed and data, and its inputs' hashes): a
    /// re-run skips the stage only when it is unchanged.
    pub hash: String,
    /// Wall seconds of the stage, over every segment of a resumed run.
    pub seconds: f64,
    /// Every file the stage left in its folder (path relative to it) with its FNV-1a hash,
    /// checked whenever a later run skips the stage. Empty in folders written before it was
    /// recorded (nothing is checked then).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub files: BTreeMap<String, String>,
    /// The stage kind (as `kind`) and its result.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What a stage of each kind reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    SslSearch(SslDone),
    Derive(DeriveDone),
    Finetune(SupervisedDone),
    LinearEval(SupervisedDone),
    Train(SupervisedDone),
    Knn(KnnDone),
    SslTrain(SslDone),
    Nb201Lookup(LookupDone),
}

impl Outcome {
    /// The stage kind's name as written in `.nas` files and in `done.json`'s `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            Outcome::SslSearch(_) => "ssl_search",
            Outcome::Derive(_) => "derive",
            Outcome::Finetune(_) => "finetune",
            Outcome::LinearEval(_) => "linear_eval",
            Outcome::Train(_) => "train",
            Outcome::Knn(_) => "knn",
            Outcome::SslTrain(_) => "ssl_train",
            Outcome::Nb201Lookup(_) => "nb201_lookup",
        }
    }
}

/// A self-supervised stage (`ssl_search`, `ssl_train`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SslDone {
    pub result: SslResult,
    /// The genotype the architecture weights give at the end (for `ssl_train`, the fixed
    /// network's own).
    pub genotype: Genotype,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SslResult {
    /// Epochs run.
    pub epochs: usize,
    /// Mean SSL loss and retrieval accuracy of the last epoch (none when no epoch ran).
    pub loss: Option<f64>,
    pub ssl_acc: Option<f64>,
    /// Mean entropy of the architecture weights' softmax, in nats (0 for a fixed network).
    pub alpha_entropy: f64,
}

/// `derive`: the discrete network and how much of the supernet's weights it kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeriveDone {
    pub result: DeriveResult,
    /// The genotype as `.nas` source (`derive/genotype.nas`).
    pub genotype_text: String,
    /// The genotype itself (absent in folders written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genotype: Option<Genotype>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeriveResult {
    /// Tensors copied from the supernet, created fresh, and dropped with the unchosen ops.
    pub copied: usize,
    pub fresh: usize,
    pub dropped: usize,
    /// Max |supernet(x) - derived(x)| on a fixed batch in evaluation mode; none when some
    /// cell was not frozen before derive, so the two networks differ by design.
    pub preservation_max_abs_diff: Option<f64>,
}

/// `finetune`, `train`, `linear_eval`: one training per seed, each tested once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisedDone {
    pub result: SupervisedResult,
    pub per_seed: Vec<SeedResult>,
    /// Fraction of the training split whose labels were used.
    pub labels: f64,
    pub train_images: usize,
    pub val_images: usize,
    /// Images of the test split each seed was tested on (absent in folders written before
    /// it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_images: Option<usize>,
    /// How the network took its initial weights from another stage's file (none for a
    /// random start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_load: Option<WeightsLoad>,
}

/// How a network took its initial weights from a file: the same counts appear in the run's
/// log and in its report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsLoad {
    /// The file, as the run names it.
    pub file: String,
    /// Tensors of the network set from the file.
    pub copied: usize,
    /// Tensors of the file the network does not use, by kind (e.g. the SSL projection
    /// head).
    pub unused: BTreeMap<String, usize>,
    /// Tensors of the network the file does not have, left as initialised, by kind (e.g. the
    /// new classifier, batch-norm scales and shifts the search trained without).
    pub fresh: BTreeMap<String, usize>,
}

impl WeightsLoad {
    /// What kind of tensor `name` of this `rank` is, for the counts above.
    pub fn tensor_kind(name: &str, rank: usize) -> &'static str {
        let last = name.rsplit('.').next().unwrap_or(name);
        if name.starts_with("classifier") {
            "classifier"
        } else if name.starts_with("head.") {
            "projection head"
        } else if last.starts_with("running_") {
            "batch-norm statistics"
        } else if rank == 1 && (last == "weight" || last == "bias") {
            "batch-norm scale/shift"
        } else {
            "other"
        }
    }

    /// `165 tensors from derive/weights.safetensors (not used: 4 projection head),
    /// 78 fresh (76 batch-norm scale/shift, 2 classifier)`.
    pub fn summary(&self) -> String {
        fn kinds(m: &BTreeMap<String, usize>) -> String {
            m.iter()
                .map(|(k, n)| format!("{n} {k}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
        let mut text = format!("{} tensors from {}", self.copied, self.file);
        if !self.unused.is_empty() {
            text.push_str(&format!(" (not used: {})", kinds(&self.unused)));
        }
        let fresh: usize = self.fresh.values().sum();
        text.push_str(&format!(", {fresh} fresh"));
        if fresh > 0 {
            text.push_str(&format!(" ({})", kinds(&self.fresh)));
        }
        text
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisedResult {
    /// Test accuracy over the seeds: mean and sample standard deviation (0 for one seed).
    pub test_acc_mean: f64,
    pub test_acc_std: f64,
    pub seeds: usize,
}

/// One seed's result, written as `[seed, best validation accuracy, test accuracy]`; the
/// validation accuracy is absent when the stage has no validation split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeedResult(pub u64, pub Option<f64>, pub f64);

impl SeedResult {
    pub fn seed(&self) -> u64 {
        self.0
    }
    pub fn val_acc(&self) -> Option<f64> {
        self.1
    }
    pub fn test_acc(&self) -> f64 {
        self.2
    }
}

/// `knn`: weighted k-nearest-neighbour accuracy of the frozen features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnnDone {
    pub result: KnnResult,
    /// How the network took its weights from another stage's file (none for random).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_load: Option<WeightsLoad>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnnResult {
    pub knn_acc: f64,
    pub k: usize,
    /// Labelled images in the feature bank.
    pub bank: usize,
    /// Test images classified (absent in folders written before it was recorded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_images: Option<usize>,
}

/// `nb201_lookup`: a cell's true accuracies and where they rank in the table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupDone {
    pub result: LookupResult,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupResult {
    /// The cell in NAS-Bench-201's string form.
    pub arch: String,
    /// Test accuracies in percent (the benchmark's 200-epoch training).
    pub cifar10: f64,
    pub cifar100: f64,
    pub imagenet16: f64,
    /// Percent of the table's cells below this one on CIFAR-10 (100 = the best).
    pub cifar10_percentile: f64,
    /// Percent of the table's cells at or above it on CIFAR-10 ("top 2.6 %").
    pub cifar10_top_percent: f64,
    pub cifar100_percentile: f64,
    pub imagenet16_percentile: f64,
    /// Cells in the table.
    pub cells: usize,
}

/// One line of a self-supervised stage's `metrics.jsonl`: the means of one epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SslEpoch {
    #[serde(default = "version_1")]
    pub format_version: u32,
    pub epoch: usize,
    /// The phase the epoch belongs to (`warmup`, `search`, ...).
    pub phase: String,
    pub loss: f64,
    /// Top-1 retrieval accuracy of the positive among the batch (the SSL task's accuracy);
    /// with a supervised (cross-entropy) objective, the training accuracy (the log shows it
    /// as `train_acc`).
    pub ssl_acc: f64,
    /// Standard deviation of the normalised projections: near 0 means collapse.
    pub feature_std: f64,
    pub alpha_entropy: f64,
    pub lr: f64,
    /// Architecture steps taken in the epoch.
    pub arch_steps: usize,
    pub frozen_cells: usize,
    pub images_per_sec: f64,
    /// Consecutive epochs the derived genotype has not changed.
    pub arch_stable_epochs: usize,
}

/// One line of a supervised stage's `metrics.jsonl`: one epoch of one seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisedEpoch {
    #[serde(default = "version_1")]
    pub format_version: u32,
    pub epoch: usize,
    pub seed: u64,
    pub loss: f64,
    pub train_acc: f64,
    /// None when the stage has no validation split.
    pub val_acc: Option<f64>,
    pub lr: f64,
    pub images_per_sec: f64,
}
