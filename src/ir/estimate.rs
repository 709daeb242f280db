//! Static cost estimate of a network from its IR alone: trainable parameters and
//! multiply-adds per image (the numbers `nas check --estimate` prints).

use super::{Genotype, NetworkSpec};

/// Cost of one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct NetEstimate {
    /// Trainable parameters (batch-norm running statistics excluded; alphas excluded).
    pub params: u64,
    /// Parameters of the auxiliary head alone (included in `params`).
    pub aux_params: u64,
    /// Multiply-adds of one forward pass of one image.
    pub madds: u64,
}

/// Why an estimate could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EstimateError {
    #[error("the network's cells come from stage `{0}`, whose genotype is known only at run time")]
    NeedsGenotype(String),
    #[error("{0}")]
    Invalid(String),
}

/// Estimate a network. `genotype` supplies the architecture of a `CellSpec::Derived`
/// network; it is ignored for supernets and fixed genotypes.
pub fn estimate_network(
    spec: &NetworkSpec,
    genotype: Option<&Genotype>,
) -> Result<NetEstimate, EstimateError> {
    let _ = (spec, genotype);
    Err(EstimateError::Invalid(
        "estimate not implemented yet".into(),
    ))
}
