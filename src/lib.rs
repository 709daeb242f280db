//! `nas`: a typed pipeline language and its interpreter for self-supervised,
//! weight-preserving neural architecture search (SSWP-NAS) on candle.
//!
//! ```text
//! .nas text --syntax::parse--> AST --resolve--> resolved AST --check--> checked --ir::lower--> IR
//! IR --interp::run--> stage executor --> stages (search, derive, finetune, ...) --> run folder
//!          uses: nn (ops, cells, supernet, derived net), ssl (losses), data (datasets,
//!                augment, loader), optim (sgd, adam, schedules)
//! run folder --report--> report.md + plots/<stage>.png; several run folders --> sweep.md
//! ```

pub mod bench;
pub mod check;
pub mod data;
pub mod diagnostics;
pub mod interp;
pub mod ir;
pub mod nn;
pub mod optim;
pub mod report;
pub mod resolve;
pub mod source;
pub mod ssl;
pub mod syntax;
