//! Packing a stage's training state (network tensors, optimiser states, RNG position)
//! into a `Checkpoint` and back, so that a resumed stage continues bitwise identically.

use std::collections::BTreeMap;

use candle_core::Tensor;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::checkpoint::Checkpoint;
use nas_engine::nn::Network;
use nas_engine::optim::Optimizer;

/// Position of a ChaCha8 generator: enough to restore it exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RngState {
    pub seed: Vec<u8>,
    pub stream: u64,
    /// Word position as a decimal string (u128 does not fit JSON numbers).
    pub word_pos: String,
}

impl RngState {
    pub fn of(rng: &ChaCha8Rng) -> Self {
        RngState {
            seed: rng.get_seed().to_vec(),
            stream: rng.get_stream(),
            word_pos: rng.get_word_pos().to_string(),
        }
    }

    pub fn restore(&self) -> Result<ChaCha8Rng, String> {
        let seed: [u8; 32] = self
            .seed
            .clone()
            .try_into()
            .map_err(|_| "RNG seed is not 32 bytes".to_string())?;
        let pos: u128 = self
            .word_pos
            .parse()
            .map_err(|_| format!("bad RNG position `{}`", self.word_pos))?;
        let mut rng = ChaCha8Rng::from_seed(seed);
        rng.set_stream(self.stream);
        rng.set_word_pos(pos);
        Ok(rng)
    }
}

/// Collect the tensors of a network and its optimisers under prefixed names.
pub fn pack(
    net: &Network,
    optims: &[(&str, &dyn Optimizer)],
    meta: serde_json::Value,
) -> Result<Checkpoint, String> {
    let mut tensors = BTreeMap::new();
    for (name, var) in net.named_tensors() {
        tensors.insert(format!("net/{name}"), var.as_tensor().clone());
    }
    for (prefix, opt) in optims {
        for (name, t) in opt.state().map_err(|e| e.to_string())? {
            tensors.insert(format!("{prefix}/{name}"), t);
        }
    }
    Ok(Checkpoint { tensors, meta })
}

/// Restore a network and its optimisers from a checkpoint made by `pack`.
pub fn unpack(
    ckpt: &Checkpoint,
    net: &Network,
    optims: &mut [(&str, &mut dyn Optimizer)],
) -> Result<(), String> {
    let mut map: std::collections::HashMap<String, Tensor> = ckpt
        .tensors
        .iter()
        .filter_map(|(k, t)| k.strip_prefix("net/").map(|n| (n.to_string(), t.clone())))
        .collect();
    net.load_map(&mut map).map_err(|e| e.to_string())?;
    for (prefix, opt) in optims.iter_mut() {
        let p = format!("{prefix}/");
        let state: Vec<(String, Tensor)> = ckpt
            .tensors
            .iter()
            .filter_map(|(k, t)| k.strip_prefix(&p).map(|n| (n.to_string(), t.clone())))
            .collect();
        opt.load_state(&state).map_err(|e| e.to_string())?;
    }
    Ok(())
}
