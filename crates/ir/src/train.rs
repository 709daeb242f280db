//! IR of training: objectives, samplers, optimisers, schedules, and the spec of every
//! stage kind.

use serde::{Deserialize, Serialize};

use super::{AugmentSpec, NetworkSpec, Span};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "objective", rename_all = "snake_case")]
pub enum ObjectiveSpec {
    /// SimCLR NT-Xent over 2 views; the projection head is the network's `HeadSpec::Mlp`.
    Simclr { temperature: f64 },
    /// Supervised cross-entropy.
    CrossEntropy { label_smoothing: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "sampler", rename_all = "snake_case")]
pub enum SamplerSpec {
    /// ProxylessNAS two-path gates. On weight steps after warm-up, when a pool was drawn
    /// resample without pools with prob `pool_drop`; then when skip was drawn resample
    /// from the parametric ops only with prob `skip_drop`.
    TwoPath { skip_drop: f64, pool_drop: f64 },
    /// Continuous relaxation, first order.
    Darts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptimSpec {
    pub kind: OptimKind,
    pub lr: f64,
    /// L2 weight decay added to the gradient (PyTorch semantics, not decoupled).
    pub weight_decay: f64,
    /// Clip the global gradient norm to this value.
    pub clip_norm: Option<f64>,
    pub schedule: ScheduleSpec,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "optim", rename_all = "snake_case")]
pub enum OptimKind {
    Sgd { momentum: f64, nesterov: bool },
    Adam { beta1: f64, beta2: f64, eps: f64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleSpec {
    pub kind: ScheduleKind,
    /// Update the learning rate once per epoch or once per step.
    pub per: SchedulePer,
    /// Linear warm-up from 0 over this many epochs (may be fractional), then `kind`.
    pub warmup_epochs: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "schedule", rename_all = "snake_case")]
pub enum ScheduleKind {
    Constant,
    /// Cosine from lr to `min_lr` over the stage's epochs (after warm-up).
    Cosine {
        min_lr: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SchedulePer {
    Epoch,
    Step,
}

/// `ssl_search`: self-supervised search of a supernet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSpec {
    /// The supernet (its `CellSpec` is `Search`), head = SimCLR projection.
    pub network: NetworkSpec,
    pub views: AugmentSpec,
    pub objective: ObjectiveSpec,
    pub sampler: SamplerSpec,
    /// Images per step (each gives `views.views` views).
    pub batch: usize,
    /// Fraction of the training images used for weight steps; the rest drive alpha.
    pub split: f64,
    pub weights: OptimSpec,
    pub arch: OptimSpec,
    /// One architecture step after every `arch_every` weight steps.
    pub arch_every: usize,
    /// Phases in order; their epochs add up to `epochs`.
    pub phases: Vec<PhaseSpec>,
    pub epochs: usize,
    /// Cap on weight steps per epoch (tiny runs); `None` = a full pass over the split.
    pub steps_per_epoch: Option<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseSpec {
    pub name: String,
    pub until: Transition,
    /// Architecture steps run in this phase.
    pub arch_updates: bool,
    /// Skip/pool drop resampling on weight steps (off in warm-up, as the official code).
    pub drop: bool,
    /// Cells are frozen one by one at evenly spaced epochs across this phase.
    pub freeze: Option<FreezeOrder>,
    /// Edges are fixed to one op each, front to back at evenly spaced epochs across this
    /// phase, by perturbation (the op whose removal raises the loss most).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<SelectSpec>,
    pub span: Span,
}

/// Perturbation-based selection (Wang et al. 2021, "Rethinking architecture selection in
/// differentiable NAS"), with the stage's own objective as the measure: for an edge, the
/// loss of the supernet on `batches` held-out batches (the architecture split) with each
/// candidate op removed; the op whose removal raises it most is kept, the others dropped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelectSpec {
    pub batches: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "until", rename_all = "snake_case")]
pub enum Transition {
    /// The phase lasts exactly this many epochs.
    Epochs { epochs: usize },
    /// The phase ends after the first epoch where `condition` holds, or after `max_epochs`.
    When {
        condition: Condition,
        max_epochs: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "condition", rename_all = "snake_case")]
pub enum Condition {
    /// The derived genotype has not changed for `epochs` consecutive epochs.
    ArchStable { epochs: usize },
    /// A logged metric (e.g. `loss`, `alpha_entropy`) compared with a value.
    Metric {
        metric: String,
        cmp: Cmp,
        value: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FreezeOrder {
    /// Cell 0 first.
    Forward,
    /// Last cell first.
    Backward,
}

/// `derive`: discrete architecture and preserved weights from a search stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeriveSpec {
    /// The `ssl_search` stage to derive from.
    pub search: String,
    pub edges_per_node: usize,
    pub max_skip: Option<usize>,
    pub max_pool: Option<usize>,
    pub span: Span,
}

/// Where a network's initial weights come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "init", rename_all = "snake_case")]
pub enum InitSpec {
    /// The concomitant weights of the derive stage.
    Preserved,
    /// Fresh, seeded random initialisation.
    Random,
    /// The final weights of another stage (e.g. an `ssl_train` stage).
    Stage { stage: String },
}

/// `finetune`, `linear_eval` and `train`: supervised training of a fixed network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupervisedSpec {
    /// The network; its cells are `Derived` (from a derive stage) or a fixed `Genotype`;
    /// head = classifier.
    pub network: NetworkSpec,
    pub init: InitSpec,
    /// Fraction of the training images whose labels are used (class-balanced), in (0, 1].
    pub labels: f64,
    /// Fraction of the labelled images held out for validation (model selection).
    pub val_fraction: f64,
    pub epochs: usize,
    /// Cap on steps per epoch; `None` = a full pass.
    pub steps_per_epoch: Option<usize>,
    pub batch: usize,
    pub optim: OptimSpec,
    pub augment: AugmentSpec,
    /// Train only the classifier (features and BN statistics frozen): linear evaluation.
    pub frozen_features: bool,
    pub drop_path: f64,
    /// Seeds to repeat the stage with (results reported as mean and std).
    pub seeds: Vec<u64>,
    pub span: Span,
}

/// `knn`: cosine kNN on normalised features, no training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnnSpec {
    pub network: NetworkSpec,
    pub init: InitSpec,
    pub k: usize,
    pub temperature: f64,
    pub labels: f64,
    pub span: Span,
}

/// `nb201_lookup`: the true accuracies of a NAS-Bench-201 cell, from a benchmark table.
/// The search never reads the table; this stage runs after the cell is fixed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LookupSpec {
    /// The table file (CSV with `arch` and the three `*_test_acc` columns), as written in
    /// the program.
    pub table: String,
    /// FNV-1a hash of the table's bytes when the program was checked: a changed table
    /// changes the stage's hash, so the look-up runs again.
    pub table_hash: String,
    pub cell: LookupCell,
    pub span: Span,
}

/// Which cell a look-up stage reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum LookupCell {
    /// The cell the named derive stage picks at run time.
    Derived { stage: String },
    /// A cell given in the program, as its NB201 string.
    Fixed { arch: String },
}

/// `ssl_train`: self-supervised training of a fixed network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SslTrainSpec {
    pub network: NetworkSpec,
    pub init: InitSpec,
    pub views: AugmentSpec,
    pub objective: ObjectiveSpec,
    pub epochs: usize,
    pub steps_per_epoch: Option<usize>,
    pub batch: usize,
    pub optim: OptimSpec,
    pub span: Span,
}
