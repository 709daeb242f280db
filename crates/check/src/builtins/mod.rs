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
    Select,
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
            Kind::Select => "selection",
        }
    }

    /// The name with its indefinite article: `an optimiser`, `a dataset`.
    pub fn a_name(self) -> String {
        let name = self.name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {name}")
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
            Ty::Rec(k) => k.a_name(),
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
        Err(self.describe())
    }

    /// The values accepted, in words ("greater than 0").
    pub fn describe(self) -> String {
        match self {
            Range::Any => "any value".into(),
            Range::Pos => "greater than 0".into(),
            Range::NonNeg => "at least 0".into(),
            Range::Prob => "between 0 and 1 (0% to 100%)".into(),
            Range::Frac => "more than 0 and at most 1 (100%)".into(),
            Range::Below1 => "at least 0 and less than 1".into(),
            Range::Min(n) => format!("at least {n}"),
            Range::Odd => "an odd number of at least 1".into(),
            Range::Between(a, b) => format!("between {a} and {b}"),
        }
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

mod constructors;
mod stages;

pub use constructors::CONSTRUCTORS;
pub use stages::{PHASE, PIPELINE_SETTINGS, STAGES};

/// Symbols: bare names that stand for themselves.
pub const SYMBOLS: &[&str] = &[
    "edge",
    "one",
    "cifar",
    "imagenet",
    "per_cell",
    "shared",
    "forward",
    "backward",
    "epoch",
    "step",
    "frozen",
    "learn",
    "torchvision",
    "affine",
    "shuffled",
    "fixed",
    "hsv",
    "yiq",
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
