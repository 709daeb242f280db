//! Weight preservation: copy a supernet's weights into a derived network by name.
//!
//! Contract: every tensor of the derived network (parameters and BN buffers) whose name
//! and shape exist in the supernet is copied (kept ops, stem, preprocess layers, running
//! statistics, and a head of the same name and shape); the others keep their fresh
//! initialisation (BN gamma/beta where the supernet's BN was non-affine, a classifier or
//! auxiliary head the supernet lacks). Every supernet tensor that was not copied (unkept
//! ops, alphas, a projection head the derived network lacks) is listed as dropped.

use std::collections::{HashMap, HashSet};

use candle_core::Var;

use super::error::Result;
use super::network::Network;

/// What `preserve` did, tensor by tensor.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreserveReport {
    /// Derived tensors copied from the supernet.
    pub copied: Vec<String>,
    /// Derived tensors left at their fresh initialisation (no supernet tensor of that name).
    pub fresh: Vec<String>,
    /// Derived tensors whose supernet namesake has another shape (left fresh): name,
    /// supernet shape, derived shape.
    pub mismatched: Vec<(String, Vec<usize>, Vec<usize>)>,
    /// Supernet tensors not used by the derived network.
    pub dropped: Vec<String>,
}

fn all_tensors(n: &Network) -> Vec<(String, Var)> {
    let mut v: Vec<(String, Var)> = n.params().to_vec();
    v.extend(n.buffers().iter().cloned());
    v
}

/// Copy `supernet`'s weights into `derived` (both on any device; values move to the
/// derived network's device and dtype).
pub fn preserve(supernet: &Network, derived: &mut Network) -> Result<PreserveReport> {
    let mut src: HashMap<String, Var> = all_tensors(supernet).into_iter().collect();
    for (name, var) in supernet.alphas() {
        src.insert(name, var);
    }
    let mut report = PreserveReport::default();
    let mut used: HashSet<String> = HashSet::new();
    for (name, var) in all_tensors(derived) {
        match src.get(&name) {
            Some(s) if s.shape() == var.shape() => {
                let t = s
                    .as_tensor()
                    .to_dtype(var.dtype())?
                    .to_device(var.device())?;
                var.set(&t)?;
                used.insert(name.clone());
                report.copied.push(name);
            }
            Some(s) => {
                report
                    .mismatched
                    .push((name, s.dims().to_vec(), var.dims().to_vec()));
            }
            None => report.fresh.push(name),
        }
    }
    let mut dropped: Vec<String> = src.into_keys().filter(|k| !used.contains(k)).collect();
    dropped.sort();
    report.dropped = dropped;
    Ok(report)
}
