//! Problems found while evaluating and checking a program.

use nas_syntax::diagnostics::Problem;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CheckError {
    #[error("type mismatch: expected {expected}, found {found}")]
    TypeMismatch { expected: String, found: String },
    #[error("`{name}` has no field `{field}`")]
    UnknownField { name: String, field: String },
    #[error("`{name}` is missing the field `{field}`")]
    MissingField { name: String, field: String },
    #[error("field `{field}` is given more than once")]
    DuplicateField { field: String },
    #[error("`{field}` is out of range: it must be {expected}, found {found}")]
    OutOfRange {
        field: String,
        expected: String,
        found: String,
    },
    #[error("`{name}` has no parameter `{param}`")]
    UnknownArgument { name: String, param: String },
    #[error("missing argument `{param}` of `{name}`")]
    MissingArgument { name: String, param: String },
    #[error("too many arguments to `{name}`: it takes {max}")]
    TooManyArguments { name: String, max: usize },
    #[error("{what} cannot be called")]
    NotCallable { what: String },
    #[error("{reason}")]
    Arithmetic { reason: String },
    #[error("definitions call each other without end ({chain})")]
    Recursion { chain: String },
    #[error("calls nest more than {limit} deep")]
    CallDepth { limit: usize },
    #[error("this value has more than {limit} parts")]
    ValueTooLarge { limit: usize },
    #[error("unknown stage kind `{kind}`")]
    UnknownStageKind { kind: String },
    #[error("unknown stage `{name}`")]
    UnknownStage { name: String },
    #[error("stage `{name}` is defined more than once")]
    DuplicateStage { name: String },
    #[error("stages depend on each other in a cycle: {chain}")]
    StageCycle { chain: String },
    #[error("stage `{stage}` needs {needs}, which no earlier stage produces")]
    NoProducer { stage: String, needs: String },
    #[error("the phases of `{stage}` last {sum} epochs, but the stage has {epochs}")]
    PhaseEpochs {
        stage: String,
        sum: usize,
        epochs: usize,
    },
    #[error("phase `{phase}` has no length")]
    PhaseLength { phase: String },
    #[error("`when` is only allowed inside a phase")]
    MisplacedWhen,
    #[error("unknown metric `{name}`")]
    UnknownMetric { name: String },
    #[error("option `{option}` has no effect here")]
    UnusedOption { option: String },
    #[error("`{name} = {name}` assigns the inherited setting to itself and changes nothing")]
    SelfAssignment { name: String },
    #[error("reduction cell {index} is outside the network's {cells} cells")]
    ReductionOutOfRange { index: i64, cells: usize },
    #[error("{kept} kept edges per node, but a node has only {inputs} inputs")]
    KeptEdges { kept: usize, inputs: usize },
    #[error("kernel size {kernel} is even; convolutions and pools need odd kernels")]
    EvenKernel { kernel: i64 },
    #[error("{what} must be divisible by {by}, found {value}")]
    Indivisible {
        what: String,
        by: usize,
        value: usize,
    },
    #[error(
        "normalisation has {found} values per statistic, but the images have {channels} channels"
    )]
    NormArity { found: usize, channels: usize },
    #[error("op `{op}` is not in the search space")]
    UnknownOp { op: String },
    #[error("op name `{op}` is used twice in one space")]
    DuplicateOp { op: String },
    #[error("genotype does not fit the cell: {reason}")]
    GenotypeShape { reason: String },
    #[error("invalid NAS-Bench-201 architecture string: {reason}")]
    Nb201String { reason: String },
    #[error("no pipeline named `{name}`")]
    UnknownPipeline { name: String },
    #[error("there is no pipeline to build")]
    NoPipeline,
    #[error("the file has {count} pipelines; which one?")]
    SeveralPipelines { count: usize },
    #[error("`{name}` needs arguments before it can be checked")]
    NeedsArguments { name: String },
    #[error("batch of {batch} is too small for a contrastive loss")]
    BatchTooSmall { batch: i64 },
    #[error("stage `{stage}` builds a network that cannot work: {reason}")]
    InvalidNetwork { stage: String, reason: String },
    #[error("stage `{stage}`: the network's {what} ({value:.3e}) is too large to count")]
    NetworkTooLarge {
        stage: String,
        what: &'static str,
        value: f64,
    },
    #[error("stage `{stage}` looks up a cell in a NAS-Bench-201 table, but {found}")]
    NotNb201 { stage: String, found: String },
    #[error("cannot read the table `{path}`: {reason}")]
    TableUnreadable { path: String, reason: String },
    #[error("the table `{path}` is malformed at line {line}: {reason}")]
    TableMalformed {
        path: String,
        line: usize,
        reason: String,
    },
    #[error("the cell `{arch}` is not in the table `{path}`")]
    CellNotInTable { arch: String, path: String },
    #[error("{what} needs {needs}")]
    Incompatible { what: String, needs: String },
    #[error("the {role} `{path}` {what}")]
    DataMissing {
        role: String,
        path: String,
        what: String,
    },
    #[error("the dataset does not match its files: {reason}")]
    DataMismatch { reason: String },
    #[error("stage `{stage}` cannot fill one batch of {batch} images: {part} holds {images}")]
    BatchExceedsSplit {
        stage: String,
        batch: usize,
        part: String,
        images: usize,
    },
    #[error("stage `{stage}` evaluates on the test images, but the dataset has no test part")]
    NoTestImages { stage: String },
    #[error("stage `{stage}` makes no architecture step{reason}")]
    NoArchSteps { stage: String, reason: String },
    #[error("`{step}(size = {size})` is larger than the {image}x{image} images it gets")]
    CropExceedsImage {
        step: String,
        size: usize,
        image: usize,
    },
    #[error("stage `{stage}` trains on {images} labelled images for {classes} classes")]
    FewerLabelsThanClasses {
        stage: String,
        images: usize,
        classes: usize,
    },
    #[error("stage `{stage}` validates on {images} image{plural}")]
    SmallValidation {
        stage: String,
        images: usize,
        plural: &'static str,
    },
    #[error("stage `{stage}` votes with k = {k} neighbours, but its bank holds {bank} images")]
    KExceedsBank {
        stage: String,
        k: usize,
        bank: usize,
    },
    #[error(
        "stage `{stage}` has a batch of {batch}, larger than its {images} labelled training images"
    )]
    BatchExceedsLabels {
        stage: String,
        batch: usize,
        images: usize,
    },
    #[error("internal error: {reason} (please report)")]
    Internal { reason: String },
}

impl Problem for CheckError {
    fn code(&self) -> &'static str {
        use CheckError::*;
        match self {
            TypeMismatch { .. } => "nas::check::type_mismatch",
            UnknownField { .. } => "nas::check::unknown_field",
            MissingField { .. } => "nas::check::missing_field",
            DuplicateField { .. } => "nas::check::duplicate_field",
            OutOfRange { .. } => "nas::check::out_of_range",
            UnknownArgument { .. } => "nas::check::unknown_argument",
            MissingArgument { .. } => "nas::check::missing_argument",
            TooManyArguments { .. } => "nas::check::too_many_arguments",
            NotCallable { .. } => "nas::check::not_callable",
            Arithmetic { .. } => "nas::check::arithmetic",
            Recursion { .. } => "nas::check::recursion",
            CallDepth { .. } => "nas::check::call_depth",
            ValueTooLarge { .. } => "nas::check::value_too_large",
            UnknownStageKind { .. } => "nas::check::unknown_stage_kind",
            UnknownStage { .. } => "nas::check::unknown_stage",
            DuplicateStage { .. } => "nas::check::duplicate_stage",
            StageCycle { .. } => "nas::check::stage_cycle",
            NoProducer { .. } => "nas::check::no_producer",
            PhaseEpochs { .. } => "nas::check::phase_epochs",
            PhaseLength { .. } => "nas::check::phase_length",
            MisplacedWhen => "nas::check::misplaced_when",
            UnknownMetric { .. } => "nas::check::unknown_metric",
            UnusedOption { .. } => "nas::check::unused_option",
            SelfAssignment { .. } => "nas::check::self_assignment",
            ReductionOutOfRange { .. } => "nas::check::reduction_out_of_range",
            KeptEdges { .. } => "nas::check::kept_edges",
            EvenKernel { .. } => "nas::check::even_kernel",
            Indivisible { .. } => "nas::check::indivisible",
            NormArity { .. } => "nas::check::norm_arity",
            UnknownOp { .. } => "nas::check::unknown_op",
            DuplicateOp { .. } => "nas::check::duplicate_op",
            GenotypeShape { .. } => "nas::check::genotype_shape",
            Nb201String { .. } => "nas::check::nb201_string",
            UnknownPipeline { .. } => "nas::check::unknown_pipeline",
            NoPipeline => "nas::check::no_pipeline",
            SeveralPipelines { .. } => "nas::check::several_pipelines",
            NeedsArguments { .. } => "nas::check::needs_arguments",
            BatchTooSmall { .. } => "nas::check::batch_too_small",
            InvalidNetwork { .. } => "nas::check::invalid_network",
            NotNb201 { .. } => "nas::check::not_nb201",
            Incompatible { .. } => "nas::check::incompatible",
            TableUnreadable { .. } => "nas::check::table_unreadable",
            TableMalformed { .. } => "nas::check::table_malformed",
            CellNotInTable { .. } => "nas::check::cell_not_in_table",
            NetworkTooLarge { .. } => "nas::check::network_too_large",
            DataMissing { .. } => "nas::check::data_missing",
            DataMismatch { .. } => "nas::check::data_mismatch",
            BatchExceedsSplit { .. } => "nas::check::batch_exceeds_split",
            NoTestImages { .. } => "nas::check::no_test_images",
            NoArchSteps { .. } => "nas::check::no_arch_steps",
            CropExceedsImage { .. } => "nas::check::crop_exceeds_image",
            FewerLabelsThanClasses { .. } => "nas::check::fewer_labels_than_classes",
            SmallValidation { .. } => "nas::check::small_validation",
            KExceedsBank { .. } => "nas::check::k_exceeds_bank",
            BatchExceedsLabels { .. } => "nas::check::batch_exceeds_labels",
            Internal { .. } => "nas::check::internal",
        }
    }
}
