//! The engine's tests, one binary: data and augmentation, networks and their gradients,
//! custom kernels against their `_slow` references, optimisers, SSL objectives, and the
//! networks the front end's IR describes. Paths are relative to the repository root.

// A test may print what it measured; libtest captures it.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod data_augment;
mod data_datasets;
mod data_loader;
mod data_preview;
mod data_throughput;
mod ir_networks;
mod kernels;
mod nn_counts;
mod nn_derive;
mod nn_grad;
mod nn_ops;
mod nn_preserve;
mod nn_train;
mod optim_steps;
mod ssl_objectives;
#[path = "../../../../tests/support/root.rs"]
mod support;
