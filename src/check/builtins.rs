//! The built-in vocabulary of the language: constructors (primitives of ops, networks,
//! datasets, augmentation steps, objectives, samplers, optimisers, ...), stage kinds,
//! phase fields, symbols and metric names, each with typed, ranged, defaulted fields.
//!
//! Contract: this table is the single source of truth for field names, types, defaults and
//! ranges; the checker validates against it and the lowering reads records shaped by it.

/// What a record built by a constructor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Op,
    Network,
    Dataset,
    Source,
    Augment,
    Step,
    Objective,
    Head,
    Sampler,
    Optim,
    Schedule,
    Genotype,
    Condition,
    Init,
    Freeze,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Op => "op",
            Kind::Network => "network",
            Kind::Dataset => "dataset",
            Kind::Source => "data source",
            Kind::Augment => "augmentation",
            Kind::Step => "augmentation step",
            Kind::Objective => "objective",
            Kind::Head => "head",
            Kind::Sampler => "sampler",
            Kind::Optim => "optimiser",
            Kind::Schedule => "schedule",
            Kind::Genotype => "genotype",
            Kind::Condition => "condition",
            Kind::Init => "initialisation",
            Kind::Freeze => "freeze order",
        }
    }
}

/// A field's type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    Any,
    Int,
    /// A number; integers are accepted.
    Float,
    /// A fraction: `10%` or a number, stored in [0, 1] units.
    Frac,
    Str,
    Bool,
    /// One of the listed symbols.
    Sym(&'static [&'static str]),
    List(&'static Ty),
    /// Two numbers: `(0.08, 1.0)`.
    Pair,
    /// A genotype edge: `(op, input)`.
    Edge,
    Rec(Kind),
    /// The type, or `none`.
    Opt(&'static Ty),
}

impl Ty {
    pub fn describe(self) -> String {
        match self {
            Ty::Any => "any value".into(),
            Ty::Int => "an integer".into(),
            Ty::Float => "a number".into(),
            Ty::Frac => "a fraction (`10%` or a number in [0, 1])".into(),
            Ty::Str => "a string".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Sym(s) => format!(
                "one of {}",
                s.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::List(t) => format!("a list of {}", t.describe_plain()),
            Ty::Pair => "a pair of numbers `(a, b)`".into(),
            Ty::Edge => "an edge `(op, input)`".into(),
            Ty::Rec(k) => format!("a {}", k.name()),
            Ty::Opt(t) => format!("{} or `none`", t.describe()),
        }
    }
    fn describe_plain(self) -> String {
        match self {
            Ty::Rec(k) => format!("{}s", k.name()),
            Ty::Int => "integers".into(),
            Ty::Float => "numbers".into(),
            Ty::Str => "strings".into(),
            other => other.describe(),
        }
    }
}

/// A field's default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dflt {
    /// Must be given.
    Req,
    /// `none` when not given.
    Nothing,
    /// Worked out from context at check time (documented per field).
    Computed,
    Int(i64),
    Float(f64),
    Bool(bool),
    Sym(&'static str),
    Pair(f64, f64),
    /// A built-in constructor with all defaults: `cosine`.
    Ctor(&'static str),
}

/// The values a field accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    Any,
    /// > 0
    Pos,
    /// >= 0
    NonNeg,
    /// In [0, 1].
    Prob,
    /// In (0, 1].
    Frac,
    /// In [0, 1).
    Below1,
    /// An integer >= n.
    Min(i64),
    /// An odd integer >= 1.
    Odd,
    /// In [a, b].
    Between(f64, f64),
}

impl Range {
    /// Whether `x` is accepted; else a description of the accepted values.
    pub fn check(self, x: f64) -> Result<(), String> {
        let ok = match self {
            Range::Any => true,
            Range::Pos => x > 0.0,
            Range::NonNeg => x >= 0.0,
            Range::Prob => (0.0..=1.0).contains(&x),
            Range::Frac => x > 0.0 && x <= 1.0,
            Range::Below1 => (0.0..1.0).contains(&x),
            Range::Min(n) => x >= n as f64,
            Range::Odd => x >= 1.0 && (x as i64) % 2 == 1,
            Range::Between(a, b) => x >= a && x <= b,
        };
        if ok {
            return Ok(());
        }
        Err(match self {
            Range::Any => "any value".into(),
            Range::Pos => "greater than 0".into(),
            Range::NonNeg => "at least 0".into(),
            Range::Prob => "between 0 and 1 (0% to 100%)".into(),
            Range::Frac => "more than 0 and at most 1 (100%)".into(),
            Range::Below1 => "at least 0 and less than 1".into(),
            Range::Min(n) => format!("at least {n}"),
            Range::Odd => "an odd number of at least 1".into(),
            Range::Between(a, b) => format!("between {a} and {b}"),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub dflt: Dflt,
    pub range: Range,
}

const fn f(name: &'static str, ty: Ty, dflt: Dflt, range: Range) -> Field {
    Field {
        name,
        ty,
        dflt,
        range,
    }
}

/// A constructor (or stage kind, or phase): its fields and what it builds.
#[derive(Debug, PartialEq)]
pub struct Schema {
    pub name: &'static str,
    pub kind: Kind,
    pub fields: &'static [Field],
    /// Extra positional arguments collected as a list (`seq(a, b, c)`, `mlp(576, 128)`).
    pub variadic: Option<Ty>,
    pub doc: &'static str,
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

const INT: Ty = Ty::Int;
const FLOAT: Ty = Ty::Float;
const OP: Ty = Ty::Rec(Kind::Op);
const STRIDE: Ty = Ty::Sym(&["one", "edge"]);
const OPT_BOOL: Ty = Ty::Opt(&Ty::Bool);
const OPT_INT: Ty = Ty::Opt(&Ty::Int);
const OPT_FLOAT: Ty = Ty::Opt(&Ty::Float);
const FLOATS: Ty = Ty::List(&Ty::Float);
const STRS: Ty = Ty::List(&Ty::Str);
const PER: Ty = Ty::Sym(&["epoch", "step"]);

macro_rules! schema {
    ($name:literal, $kind:ident, $doc:literal, [$($field:expr),* $(,)?] $(, variadic = $v:expr)?) => {
        Schema { name: $name, kind: Kind::$kind, fields: &[$($field),*], variadic: schema!(@v $($v)?), doc: $doc }
    };
    (@v) => { None };
    (@v $v:expr) => { Some($v) };
}

/// Every built-in constructor.
pub static CONSTRUCTORS: &[Schema] = &[
    // primitives of ops
    schema!("relu", Op, "ReLU", []),
    schema!(
        "conv",
        Op,
        "dense convolution, bias-free, same padding",
        [
            f("kernel", INT, Dflt::Req, Range::Odd),
            f("stride", STRIDE, Dflt::Sym("one"), Range::Any),
            f("dilation", INT, Dflt::Int(1), Range::Min(1))
        ]
    ),
    schema!(
        "dwconv",
        Op,
        "depthwise convolution (groups = channels)",
        [
            f("kernel", INT, Dflt::Req, Range::Odd),
            f("stride", STRIDE, Dflt::Sym("one"), Range::Any),
            f("dilation", INT, Dflt::Int(1), Range::Min(1))
        ]
    ),
    schema!(
        "bn",
        Op,
        "batch norm; affine inherits the network's setting unless given",
        [f("affine", OPT_BOOL, Dflt::Nothing, Range::Any)]
    ),
    schema!(
        "max_pool",
        Op,
        "max pooling, padding kernel/2",
        [
            f("kernel", INT, Dflt::Int(3), Range::Odd),
            f("stride", STRIDE, Dflt::Sym("edge"), Range::Any)
        ]
    ),
    schema!(
        "avg_pool",
        Op,
        "average pooling (count_include_pad = false)",
        [
            f("kernel", INT, Dflt::Int(3), Range::Odd),
            f("stride", STRIDE, Dflt::Sym("edge"), Range::Any)
        ]
    ),
    schema!("identity", Op, "the input unchanged", []),
    schema!(
        "zero",
        Op,
        "zeros of the output shape",
        [f("stride", STRIDE, Dflt::Sym("edge"), Range::Any)]
    ),
    schema!(
        "factorized_reduce",
        Op,
        "ReLU, two 1x1 stride-2 convs, concat, BN",
        [f("affine", OPT_BOOL, Dflt::Nothing, Range::Any)]
    ),
    schema!("seq", Op, "primitives applied in order", [], variadic = OP),
    schema!(
        "named",
        Op,
        "an op under another name: `named(\"none\", zero)`",
        [
            f("name", Ty::Str, Dflt::Req, Range::Any),
            f("op", OP, Dflt::Req, Range::Any)
        ]
    ),
    schema!(
        "by_stride",
        Op,
        "`one` on stride-1 edges, `two` on stride-2 edges",
        [
            f("one", OP, Dflt::Req, Range::Any),
            f("two", OP, Dflt::Req, Range::Any)
        ]
    ),
    // networks
    schema!(
        "darts_net",
        Network,
        "a DARTS-family network",
        [
            f(
                "stem",
                Ty::Sym(&["cifar", "imagenet"]),
                Dflt::Sym("cifar"),
                Range::Any
            ),
            f("cells", INT, Dflt::Int(8), Range::Min(1)),
            f("channels", INT, Dflt::Int(16), Range::Min(1)),
            f(
                "reductions",
                Ty::Opt(&Ty::List(&Ty::Int)),
                Dflt::Computed,
                Range::Any
            ),
            f("nodes", INT, Dflt::Int(4), Range::Min(1)),
            f("multiplier", OPT_INT, Dflt::Computed, Range::Min(1)),
            f("affine", Ty::Bool, Dflt::Bool(false), Range::Any),
            f("ops", Ty::List(&OP), Dflt::Req, Range::Any),
            f(
                "alpha",
                Ty::Sym(&["per_cell", "shared"]),
                Dflt::Sym("shared"),
                Range::Any
            ),
            f(
                "genotype",
                Ty::Opt(&Ty::Rec(Kind::Genotype)),
                Dflt::Nothing,
                Range::Any
            )
        ]
    ),
    schema!(
        "nb201_net",
        Network,
        "a NAS-Bench-201 network",
        [
            f("channels", INT, Dflt::Int(16), Range::Min(1)),
            f("cells_per_stage", INT, Dflt::Int(5), Range::Min(1)),
            f("nodes", INT, Dflt::Int(3), Range::Min(1)),
            f("affine", Ty::Bool, Dflt::Bool(false), Range::Any),
            f("ops", Ty::List(&OP), Dflt::Req, Range::Any),
            f(
                "genotype",
                Ty::Opt(&Ty::Rec(Kind::Genotype)),
                Dflt::Nothing,
                Range::Any
            )
        ]
    ),
    // genotypes
    schema!(
        "genotype",
        Genotype,
        "a DARTS genotype: (op, input) pairs, two per node",
        [
            f("normal", Ty::List(&Ty::Edge), Dflt::Req, Range::Any),
            f("reduce", Ty::List(&Ty::Edge), Dflt::Req, Range::Any),
            f(
                "normal_concat",
                Ty::Opt(&Ty::List(&Ty::Int)),
                Dflt::Computed,
                Range::Any
            ),
            f(
                "reduce_concat",
                Ty::Opt(&Ty::List(&Ty::Int)),
                Dflt::Computed,
                Range::Any
            )
        ]
    ),
    schema!(
        "nb201_arch",
        Genotype,
        "a NAS-Bench-201 cell in its string form",
        [f("arch", Ty::Str, Dflt::Req, Range::Any)]
    ),
    // data
    schema!(
        "dataset",
        Dataset,
        "a dataset",
        [
            f("source", Ty::Rec(Kind::Source), Dflt::Req, Range::Any),
            f("size", INT, Dflt::Req, Range::Min(1)),
            f("channels", INT, Dflt::Req, Range::Min(1)),
            f("classes", OPT_INT, Dflt::Nothing, Range::Min(1)),
            f("mean", FLOATS, Dflt::Req, Range::Any),
            f("std", FLOATS, Dflt::Req, Range::Any),
            f("limit", OPT_INT, Dflt::Nothing, Range::Min(1)),
            f("test_limit", OPT_INT, Dflt::Nothing, Range::Min(1))
        ]
    ),
    schema!(
        "cifar10_files",
        Source,
        "CIFAR-10 binary batches",
        [
            f("dir", Ty::Str, Dflt::Req, Range::Any),
            f("train", STRS, Dflt::Req, Range::Any),
            f("test", STRS, Dflt::Req, Range::Any)
        ]
    ),
    schema!(
        "cifar100_files",
        Source,
        "CIFAR-100 binary files",
        [
            f("dir", Ty::Str, Dflt::Req, Range::Any),
            f("train", STRS, Dflt::Req, Range::Any),
            f("test", STRS, Dflt::Req, Range::Any)
        ]
    ),
    schema!(
        "folder_files",
        Source,
        "one sub-folder per class",
        [
            f("dir", Ty::Str, Dflt::Req, Range::Any),
            f("test", Ty::Opt(&Ty::Str), Dflt::Nothing, Range::Any)
        ]
    ),
    schema!("digits_files", Source, "the built-in digits", []),
    // augmentation
    schema!(
        "augmentation",
        Augment,
        "views of an image and the steps making each",
        [
            f("views", INT, Dflt::Int(1), Range::Min(1)),
            f(
                "steps",
                Ty::List(&Ty::Rec(Kind::Step)),
                Dflt::Req,
                Range::Any
            )
        ]
    ),
    schema!(
        "random_resized_crop",
        Step,
        "crop a random area and aspect, resize",
        [
            f("size", INT, Dflt::Req, Range::Min(1)),
            f("scale", Ty::Pair, Dflt::Pair(0.08, 1.0), Range::Frac),
            f("ratio", Ty::Pair, Dflt::Pair(0.75, 4.0 / 3.0), Range::Pos)
        ]
    ),
    schema!(
        "random_crop",
        Step,
        "pad, then a random crop",
        [
            f("size", INT, Dflt::Req, Range::Min(1)),
            f("padding", INT, Dflt::Int(0), Range::Min(0))
        ]
    ),
    schema!(
        "flip",
        Step,
        "horizontal flip",
        [f("p", Ty::Frac, Dflt::Float(0.5), Range::Prob)]
    ),
    schema!(
        "color_jitter",
        Step,
        "brightness, contrast, saturation, hue",
        [
            f("brightness", FLOAT, Dflt::Float(0.4), Range::NonNeg),
            f("contrast", FLOAT, Dflt::Float(0.4), Range::NonNeg),
            f("saturation", FLOAT, Dflt::Float(0.4), Range::NonNeg),
            f("hue", FLOAT, Dflt::Float(0.1), Range::Between(0.0, 0.5)),
            f("p", Ty::Frac, Dflt::Float(1.0), Range::Prob)
        ]
    ),
    schema!(
        "grayscale",
        Step,
        "to grey",
        [f("p", Ty::Frac, Dflt::Float(0.2), Range::Prob)]
    ),
    schema!(
        "blur",
        Step,
        "Gaussian blur",
        [
            f("kernel", INT, Dflt::Int(3), Range::Odd),
            f("sigma", Ty::Pair, Dflt::Pair(0.1, 2.0), Range::Pos),
            f("p", Ty::Frac, Dflt::Float(0.5), Range::Prob)
        ]
    ),
    schema!(
        "solarize",
        Step,
        "invert above a threshold",
        [
            f("threshold", FLOAT, Dflt::Float(0.5), Range::Prob),
            f("p", Ty::Frac, Dflt::Float(0.2), Range::Prob)
        ]
    ),
    schema!(
        "normalize",
        Step,
        "per-channel (x - mean) / std",
        [
            f("mean", FLOATS, Dflt::Req, Range::Any),
            f("std", FLOATS, Dflt::Req, Range::Any)
        ]
    ),
    schema!(
        "cutout",
        Step,
        "zero a square",
        [
            f("size", INT, Dflt::Req, Range::Min(1)),
            f("p", Ty::Frac, Dflt::Float(1.0), Range::Prob)
        ]
    ),
    // objectives and heads
    schema!(
        "simclr",
        Objective,
        "SimCLR NT-Xent",
        [
            f("temperature", FLOAT, Dflt::Float(0.07), Range::Pos),
            f(
                "head",
                Ty::Opt(&Ty::Rec(Kind::Head)),
                Dflt::Nothing,
                Range::Any
            )
        ]
    ),
    schema!(
        "cross_entropy",
        Objective,
        "supervised cross-entropy",
        [f(
            "label_smoothing",
            Ty::Frac,
            Dflt::Float(0.0),
            Range::Below1
        )]
    ),
    schema!(
        "mlp",
        Head,
        "projection head: hidden sizes, then the output size",
        [],
        variadic = INT
    ),
    // samplers
    schema!(
        "two_path",
        Sampler,
        "ProxylessNAS two-path binary gates",
        [
            f("skip_drop", Ty::Frac, Dflt::Float(0.0), Range::Prob),
            f("pool_drop", Ty::Frac, Dflt::Float(0.0), Range::Prob)
        ]
    ),
    schema!(
        "darts",
        Sampler,
        "continuous relaxation, first order",
        [
            f("skip_drop", Ty::Opt(&Ty::Frac), Dflt::Nothing, Range::Prob),
            f("pool_drop", Ty::Opt(&Ty::Frac), Dflt::Nothing, Range::Prob)
        ]
    ),
    // optimisers and schedules
    schema!(
        "sgd",
        Optim,
        "SGD with momentum",
        [
            f("lr", FLOAT, Dflt::Req, Range::Pos),
            f("momentum", FLOAT, Dflt::Float(0.9), Range::Below1),
            f("nesterov", Ty::Bool, Dflt::Bool(false), Range::Any),
            f("weight_decay", FLOAT, Dflt::Float(0.0), Range::NonNeg),
            f("clip_norm", OPT_FLOAT, Dflt::Nothing, Range::Pos),
            f(
                "schedule",
                Ty::Rec(Kind::Schedule),
                Dflt::Ctor("constant"),
                Range::Any
            ),
            f("warmup", FLOAT, Dflt::Float(0.0), Range::NonNeg),
            f("every", INT, Dflt::Int(1), Range::Min(1))
        ]
    ),
    schema!(
        "adam",
        Optim,
        "Adam",
        [
            f("lr", FLOAT, Dflt::Req, Range::Pos),
            f("betas", Ty::Pair, Dflt::Pair(0.9, 0.999), Range::Below1),
            f("eps", FLOAT, Dflt::Float(1e-8), Range::Pos),
            f("weight_decay", FLOAT, Dflt::Float(0.0), Range::NonNeg),
            f("clip_norm", OPT_FLOAT, Dflt::Nothing, Range::Pos),
            f(
                "schedule",
                Ty::Rec(Kind::Schedule),
                Dflt::Ctor("constant"),
                Range::Any
            ),
            f("warmup", FLOAT, Dflt::Float(0.0), Range::NonNeg),
            f("every", INT, Dflt::Int(1), Range::Min(1))
        ]
    ),
    schema!(
        "constant",
        Schedule,
        "constant learning rate",
        [f("per", PER, Dflt::Sym("epoch"), Range::Any)]
    ),
    schema!(
        "cosine",
        Schedule,
        "cosine annealing",
        [
            f("min_lr", FLOAT, Dflt::Float(0.0), Range::NonNeg),
            f("per", PER, Dflt::Sym("epoch"), Range::Any)
        ]
    ),
    // conditions, inits, freezing
    schema!(
        "arch_stable",
        Condition,
        "the derived genotype unchanged for some epochs",
        [f("epochs", INT, Dflt::Req, Range::Min(1))]
    ),
    schema!(
        "preserved",
        Init,
        "the derive stage's concomitant weights",
        []
    ),
    schema!("random", Init, "seeded random initialisation", []),
    schema!(
        "from",
        Init,
        "the final weights of another stage",
        [f("stage", Ty::Str, Dflt::Req, Range::Any)]
    ),
    schema!(
        "cells",
        Freeze,
        "freeze cells one by one",
        [f(
            "order",
            Ty::Sym(&["forward", "backward"]),
            Dflt::Sym("forward"),
            Range::Any
        )]
    ),
];

/// Symbols: bare names that stand for themselves.
pub const SYMBOLS: &[&str] = &[
    "edge", "one", "cifar", "imagenet", "per_cell", "shared", "forward", "backward", "epoch",
    "step", "frozen", "learn",
];

/// Metrics a `when` condition may compare.
pub const METRICS: &[&str] = &[
    "loss",
    "alpha_entropy",
    "ssl_acc",
    "feature_std",
    "val_acc",
    "lr",
];

/// Type names usable in parameter annotations.
pub const TYPE_NAMES: &[&str] = &[
    "any",
    "int",
    "float",
    "fraction",
    "str",
    "bool",
    "list",
    "pair",
    "op",
    "network",
    "dataset",
    "source",
    "augmentation",
    "step",
    "objective",
    "head",
    "sampler",
    "optimiser",
    "schedule",
    "genotype",
    "condition",
    "init",
    "pipeline",
];

const OPTIM: Ty = Ty::Rec(Kind::Optim);
const AUG: Ty = Ty::Rec(Kind::Augment);
const NET: Ty = Ty::Rec(Kind::Network);
const OPT_STR: Ty = Ty::Opt(&Ty::Str);

/// Stage kinds (their `kind` is unused). Fields marked `Computed` are documented in
/// grammar/README.md; `space`, `views` and `augment` inherit the pipeline's binding.
pub static STAGES: &[Schema] = &[
    schema!(
        "ssl_search",
        Network,
        "search a supernet",
        [
            f("space", NET, Dflt::Req, Range::Any),
            f("views", AUG, Dflt::Req, Range::Any),
            f("objective", Ty::Rec(Kind::Objective), Dflt::Req, Range::Any),
            f(
                "sampler",
                Ty::Rec(Kind::Sampler),
                Dflt::Ctor("two_path"),
                Range::Any
            ),
            f("batch", INT, Dflt::Req, Range::Min(1)),
            f("split", Ty::Frac, Dflt::Float(0.5), Range::Below1),
            f("weights", OPTIM, Dflt::Req, Range::Any),
            f("arch", OPTIM, Dflt::Req, Range::Any),
            f("epochs", OPT_INT, Dflt::Computed, Range::Min(1)),
            f("steps_per_epoch", OPT_INT, Dflt::Nothing, Range::Min(1))
        ]
    ),
    schema!(
        "derive",
        Network,
        "derive the discrete architecture",
        [
            f("from", OPT_STR, Dflt::Computed, Range::Any),
            f("edges_per_node", OPT_INT, Dflt::Computed, Range::Min(1)),
            f("max_skip", OPT_INT, Dflt::Nothing, Range::Min(0)),
            f("max_pool", OPT_INT, Dflt::Nothing, Range::Min(0))
        ]
    ),
    Schema {
        name: "finetune",
        kind: Kind::Network,
        fields: SUPERVISED,
        variadic: None,
        doc: "supervised training from preserved (or other) weights",
    },
    Schema {
        name: "linear_eval",
        kind: Kind::Network,
        fields: SUPERVISED,
        variadic: None,
        doc: "train a linear classifier on frozen features",
    },
    Schema {
        name: "train",
        kind: Kind::Network,
        fields: SUPERVISED,
        variadic: None,
        doc: "supervised training",
    },
    schema!(
        "knn",
        Network,
        "cosine kNN on features",
        [
            f("network", Ty::Opt(&NET), Dflt::Computed, Range::Any),
            f("from", OPT_STR, Dflt::Computed, Range::Any),
            f("init", Ty::Rec(Kind::Init), Dflt::Computed, Range::Any),
            f("affine", OPT_BOOL, Dflt::Computed, Range::Any),
            f("k", INT, Dflt::Int(200), Range::Min(1)),
            f("temperature", FLOAT, Dflt::Float(0.1), Range::Pos),
            f("labels", Ty::Frac, Dflt::Float(1.0), Range::Frac)
        ]
    ),
    schema!(
        "ssl_train",
        Network,
        "self-supervised training of a fixed network",
        [
            f("network", Ty::Opt(&NET), Dflt::Computed, Range::Any),
            f("from", OPT_STR, Dflt::Computed, Range::Any),
            f("init", Ty::Rec(Kind::Init), Dflt::Computed, Range::Any),
            f("affine", OPT_BOOL, Dflt::Computed, Range::Any),
            f("views", AUG, Dflt::Req, Range::Any),
            f("objective", Ty::Rec(Kind::Objective), Dflt::Req, Range::Any),
            f("epochs", INT, Dflt::Req, Range::Min(1)),
            f("steps_per_epoch", OPT_INT, Dflt::Nothing, Range::Min(1)),
            f("batch", INT, Dflt::Req, Range::Min(1)),
            f("optim", OPTIM, Dflt::Req, Range::Any)
        ]
    ),
];

const SUPERVISED: &[Field] = &[
    f("network", Ty::Opt(&NET), Dflt::Computed, Range::Any),
    f("from", OPT_STR, Dflt::Computed, Range::Any),
    f("init", Ty::Rec(Kind::Init), Dflt::Computed, Range::Any),
    f("affine", OPT_BOOL, Dflt::Computed, Range::Any),
    f("labels", Ty::Frac, Dflt::Float(1.0), Range::Frac),
    f("val_fraction", Ty::Frac, Dflt::Float(0.1), Range::Below1),
    f("epochs", INT, Dflt::Req, Range::Min(1)),
    f("steps_per_epoch", OPT_INT, Dflt::Nothing, Range::Min(1)),
    f("batch", INT, Dflt::Int(128), Range::Min(1)),
    f("optim", Ty::Opt(&OPTIM), Dflt::Computed, Range::Any),
    f("augment", Ty::Opt(&AUG), Dflt::Computed, Range::Any),
    f("drop_path", Ty::Frac, Dflt::Float(0.0), Range::Below1),
    f("auxiliary", OPT_FLOAT, Dflt::Nothing, Range::NonNeg),
    f(
        "seeds",
        Ty::Opt(&Ty::List(&Ty::Int)),
        Dflt::Computed,
        Range::Any,
    ),
];

/// Fields of a `phase` block.
pub static PHASE: Schema = schema!(
    "phase",
    Network,
    "a phase of a search stage",
    [
        f("epochs", OPT_INT, Dflt::Nothing, Range::Min(0)),
        f("max_epochs", OPT_INT, Dflt::Nothing, Range::Min(1)),
        f(
            "arch",
            Ty::Sym(&["learn", "frozen"]),
            Dflt::Sym("learn"),
            Range::Any
        ),
        f("drop", OPT_BOOL, Dflt::Computed, Range::Any),
        f(
            "freeze",
            Ty::Opt(&Ty::Rec(Kind::Freeze)),
            Dflt::Nothing,
            Range::Any
        )
    ]
);

/// Pipeline-level settings with a meaning (other bindings are plain locals).
pub const PIPELINE_SETTINGS: &[&str] = &["data", "seed", "space", "views", "augment"];

pub fn constructor(name: &str) -> Option<&'static Schema> {
    CONSTRUCTORS.iter().find(|s| s.name == name)
}

pub fn stage_kind(name: &str) -> Option<&'static Schema> {
    STAGES.iter().find(|s| s.name == name)
}

/// Every name that is always in scope.
pub fn global_names() -> impl Iterator<Item = &'static str> {
    CONSTRUCTORS
        .iter()
        .map(|s| s.name)
        .chain(SYMBOLS.iter().copied())
}
