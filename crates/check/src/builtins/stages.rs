//! The table of stage kinds and of the fields of a `phase` block.

use super::*;

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
    schema!(
        "nb201_lookup",
        Network,
        "look a NAS-Bench-201 cell up in a benchmark table: its true accuracies and rank",
        [
            f("table", Ty::Str, Dflt::Req, Range::Any),
            f("from", OPT_STR, Dflt::Computed, Range::Any),
            f(
                "genotype",
                Ty::Opt(&Ty::Rec(Kind::Genotype)),
                Dflt::Nothing,
                Range::Any
            )
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
            "select",
            Ty::Opt(&Ty::Rec(Kind::Select)),
            Dflt::Nothing,
            Range::Any
        ),
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
