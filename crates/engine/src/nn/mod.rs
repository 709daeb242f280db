//! Networks on candle: ops built from IR primitives, cells, supernets (two-path gates or
//! DARTS relaxation), derivation, weight preservation and safetensors checkpoints.
//!
//! Naming scheme (stable, used by checkpoints and weight preservation):
//! `stem.*` / `stem0.*` / `stem1.*`, `cells.{i}.preprocess{0,1}.{1,2}.*` (or `.conv_1`,
//! `.conv_2`, `.bn` for a factorized reduce), `cells.{i}.edges.{e}.{op}.{layer}.*` where
//! `e` numbers the full DAG edge (node j, input k: offset(j) + k) and `{layer}` is the
//! position inside the op's `Seq`, `resblocks.{k}.*`, `lastact.0.*`, `head.{2j}.*`,
//! `classifier.*`, `aux.*`, and `alphas.cells.{i}` / `alphas.normal` / `alphas.reduce`.
//! BN running statistics are `*.running_mean` / `*.running_var` (buffers).
//!
//! A two-path search step, as the executor drives it:
//! 1. weight step: `net.resample(rng, true, phase.drop)`, `net.forward_t(x, true)`, loss,
//!    `backward`, then update only the params with `net.used_params()[i]` and a gradient;
//! 2. architecture step: `net.resample(rng, false, false)`, forward/backward on the other
//!    split, `net.arch_grads(&grads)` -> (alpha Var, gradient), optimiser step on alphas,
//!    then `net.rescale_alphas()`;
//! 3. freezing: `net.freeze_cell(i, &DeriveOptions)`; at the end `net.derive(..)`, build
//!    the derived `Network` and `preserve(&net, &mut derived)`.
//!
//! A DARTS supernet needs no resample: alphas are ordinary autograd leaves
//! (`arch_grads` returns `grads.get(alpha)`). Evaluation (`train = false`) of a two-path
//! supernet uses each edge's best op.

pub mod build;
pub mod cell;
pub mod derive;
pub mod error;
pub mod gates;
pub mod gradcheck;
pub mod heads;
pub mod io;
pub mod kernels;
pub mod layers;
pub mod network;
pub mod preserve;
pub mod select;
pub mod store;

pub use cell::DropPath;
pub use derive::{darts_genotype_string, nb201_genotype_string, DeriveOptions};
pub use error::NnError;
pub use gates::OpKind;
pub use network::{Network, Outputs};
pub use preserve::{preserve, PreserveReport};
pub use select::Removal;
