//! The engine: everything that touches tensors, on candle. The only crate of the workspace
//! that knows candle; it builds what the IR describes and knows nothing of the language.
//!
//! ```text
//! nas_ir::NetworkSpec --nn--> candle modules (cells, supernet, derived net, heads; custom kernels)
//! nas_ir::DatasetSpec --data--> images, splits, augmented views, batches
//! nas_ir::OptimSpec   --optim--> SGD / Adam with schedules and clipping
//! features            --ssl--> SimCLR's NT-Xent, supervised cross-entropy
//! ```

pub mod data;
pub mod nn;
pub mod optim;
pub mod ssl;
