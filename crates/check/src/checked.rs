//! The checked form of a pipeline: every stage's fields complete and valid, stages in
//! dependency order, every network's plan worked out. `ir::lower` turns it into the IR.

use std::rc::Rc;

use super::value::{Rec, Val};
use nas_syntax::source::Span;

#[derive(Debug, Clone)]
pub struct CheckedPipeline {
    pub name: String,
    pub seed: u64,
    pub data: Rc<Rec>,
    /// Where the pipeline's dataset value was written (`data = data.digits()`, or the
    /// argument of the recipe it extends).
    pub data_span: Span,
    /// In execution order.
    pub stages: Vec<CheckedStage>,
    pub span: Span,
    /// The call of the pipeline it extends (`sswp.recipe(...)`), if it extends one: where
    /// problems found in the recipe's own text are shown in the user's file.
    pub call: Option<Span>,
}

impl CheckedPipeline {
    /// Where to show the user's side of a problem found at `span`: none when `span` is in
    /// the pipeline's own file, else the call of the recipe it extends (or its name).
    pub fn user_site(&self, span: Span) -> Option<(Span, &'static str)> {
        if span.src == self.span.src {
            return None;
        }
        Some(match self.call {
            Some(c) if c.src == self.span.src => (c, "the recipe is used here"),
            _ => (self.span, "in this pipeline"),
        })
    }
}

#[derive(Debug, Clone)]
pub struct CheckedStage {
    pub name: String,
    pub kind: &'static str,
    pub after: Vec<String>,
    /// Every field of the stage kind's schema (computed ones filled in).
    pub rec: Rec,
    pub phases: Vec<CheckedPhase>,
    /// The network the stage builds (none for `derive`).
    pub net: Option<NetPlan>,
    /// The search stage a `derive` stage reads; the derive stage an `nb201_lookup` reads.
    pub derive_from: Option<String>,
    /// `nb201_lookup`: the table's hash when it was checked.
    pub table_hash: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct CheckedPhase {
    pub name: String,
    pub rec: Rec,
    pub when: Option<Val>,
    /// Length in epochs (the maximum for `when` phases).
    pub epochs: usize,
    pub span: Span,
}

/// What network a stage builds.
#[derive(Debug, Clone)]
pub struct NetPlan {
    /// A `darts_net` or `nb201_net` record.
    pub space: Rc<Rec>,
    pub cell: CellPlan,
    pub head: HeadPlan,
    pub affine: bool,
    pub aux_weight: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum CellPlan {
    Search {
        per_cell: bool,
        two_path: bool,
    },
    /// A `genotype`/`nb201_arch` record.
    Genotype(Val),
    Derived(String),
}

#[derive(Debug, Clone)]
pub enum HeadPlan {
    /// Hidden sizes then the output size; empty = features width then 128.
    Mlp(Vec<usize>),
    Classifier(usize),
    /// Pooled features, no head (kNN).
    Features,
}
