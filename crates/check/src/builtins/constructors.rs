//! The table of built-in constructors: ops primitives, networks, datasets, augmentation
//! steps, objectives, samplers, optimisers and schedules, with their typed fields.

use super::*;

// Upper bounds on sizes, far above any published search space (DARTS: 20 cells of 36 to 576
// channels, 32 or 224 pixels, 2 views): a value past them would exhaust memory, or overflow,
// long before it trained, so the checker refuses it with `nas::check::out_of_range`.
const MAX_CELLS: f64 = 1_000.0;
const MAX_CHANNELS: f64 = 65_536.0;
const MAX_IMAGE_SIDE: f64 = 4_096.0;
const MAX_VIEWS: f64 = 64.0;

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
            f("cells", INT, Dflt::Int(8), Range::Between(1.0, MAX_CELLS)),
            f("channels", INT, Dflt::Int(16), Range::Between(1.0, MAX_CHANNELS)),
            f(
                "reductions",
                Ty::Opt(&Ty::List(&Ty::Int)),
                Dflt::Computed,
                Range::Any
            ),
            f("nodes", INT, Dflt::Int(4), Range::Min(1)),
            f("multiplier", OPT_INT, Dflt::Computed, Range::Min(1)),
            f("stem_multiplier", OPT_INT, Dflt::Computed, Range::Min(1)),
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
            f("channels", INT, Dflt::Int(16), Range::Between(1.0, MAX_CHANNELS)),
            f("cells_per_stage", INT, Dflt::Int(5), Range::Between(1.0, MAX_CELLS)),
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
        "cell_genotypes",
        Genotype,
        "a DARTS genotype per cell (what a per-cell search derives): one list of (op, input) pairs per cell, two per node",
        [
            f("cells", Ty::List(&Ty::List(&Ty::Edge)), Dflt::Req, Range::Any),
            f(
                "concat",
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
            f("size", INT, Dflt::Req, Range::Between(1.0, MAX_IMAGE_SIDE)),
            f("channels", INT, Dflt::Req, Range::Between(1.0, 4.0)),
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
            f("views", INT, Dflt::Int(1), Range::Between(1.0, MAX_VIEWS)),
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
            f("size", INT, Dflt::Req, Range::Between(1.0, MAX_IMAGE_SIDE)),
            f("scale", Ty::Pair, Dflt::Pair(0.08, 1.0), Range::Frac),
            f("ratio", Ty::Pair, Dflt::Pair(0.75, 4.0 / 3.0), Range::Pos),
            f(
                "sampling",
                Ty::Sym(&["torchvision", "affine"]),
                Dflt::Sym("torchvision"),
                Range::Any
            )
        ]
    ),
    schema!(
        "random_crop",
        Step,
        "pad, then a random crop",
        [
            f("size", INT, Dflt::Req, Range::Between(1.0, MAX_IMAGE_SIDE)),
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
            f("p", Ty::Frac, Dflt::Float(1.0), Range::Prob),
            f(
                "order",
                Ty::Sym(&["shuffled", "fixed"]),
                Dflt::Sym("shuffled"),
                Range::Any
            ),
            f(
                "hue_space",
                Ty::Sym(&["hsv", "yiq"]),
                Dflt::Sym("hsv"),
                Range::Any
            )
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
            f("size", INT, Dflt::Req, Range::Between(1.0, MAX_IMAGE_SIDE)),
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
        "perturbation",
        Select,
        "fix each edge to the op whose removal raises the loss most",
        [f("batches", INT, Dflt::Int(4), Range::Between(1.0, 1000.0))]
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
