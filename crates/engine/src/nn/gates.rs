//! Architecture parameters (alphas) and ProxylessNAS two-path binary gates.
//!
//! Contract: an `AlphaGroup` is one [edges, ops] table (one per cell, or one for normal
//! and one for reduction cells). In two-path mode every row is sampled once per step:
//! two distinct ops drawn from softmax(alpha) without replacement, one made active by the
//! softmax over the pair. The gates are scalar `Var`s (1 for the active op, 0 for the
//! other) multiplying the op outputs, so autograd yields dL/dg_j = sum(op_j(x) * dL/dout).
//! The alpha gradient is the 2x2 softmax Jacobian applied on the host:
//! dL/dalpha_i = sum_j dL/dg_j p_j (delta_ij - p_i), p = softmax(alpha over the pair).
//! After the optimiser step, `rescale` keeps the pair's total probability unchanged.

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor, Var};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::error::{internal, Result};
use nas_ir::Prim;

/// How derivation and drop resampling treat a candidate op (found from its primitives).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// Outputs zeros (`none`): never chosen by derivation.
    Zero,
    /// Identity on stride-1 edges (`skip_connect`).
    Skip,
    /// A pool, possibly followed by BN.
    Pool,
    /// Anything with a convolution.
    Param,
}

impl OpKind {
    pub fn of(prim: &Prim) -> OpKind {
        let (mut pool, mut conv, mut ident, mut zero) = (false, false, false, false);
        scan(prim, &mut pool, &mut conv, &mut ident, &mut zero);
        if conv {
            OpKind::Param
        } else if pool {
            OpKind::Pool
        } else if ident {
            OpKind::Skip
        } else if zero {
            OpKind::Zero
        } else {
            // e.g. a bare ReLU or BN: no weights to speak of, treat like a skip.
            OpKind::Skip
        }
    }
}

/// Walk a primitive tree; only the stride-1 branch of `ByStride` decides (skip_connect is
/// identity | factorized reduce and must count as a skip).
fn scan(p: &Prim, pool: &mut bool, conv: &mut bool, ident: &mut bool, zero: &mut bool) {
    match p {
        Prim::Seq { items } => items.iter().for_each(|i| scan(i, pool, conv, ident, zero)),
        Prim::Conv { .. } => *conv = true,
        Prim::FactorizedReduce { .. } => *conv = true,
        Prim::MaxPool { .. } | Prim::AvgPool { .. } => *pool = true,
        Prim::Identity => *ident = true,
        Prim::Zero { .. } => *zero = true,
        Prim::ByStride { one, .. } => scan(one, pool, conv, ident, zero),
        Prim::Relu | Prim::BatchNorm { .. } => {}
    }
}

/// The two sampled ops of one edge and their gates.
#[derive(Debug, Clone)]
pub struct EdgeSample {
    /// The two distinct op indices.
    pub pair: [usize; 2],
    /// Which of `pair` is active (0 or 1).
    pub active: usize,
    /// Gate scalars `[1, 1, 1, 1]`: 1 for the active op, 0 for the inactive one. Only an
    /// architecture step needs them (their gradients give dL/dalpha); a weight step draws
    /// none, and the edge output is the active op's output exactly (1 * on + 0 * off).
    pub gates: Option<[Var; 2]>,
}

/// One alpha table and its two-path state.
#[derive(Debug, Clone)]
pub struct AlphaGroup {
    /// Checkpoint name, `alphas.cells.3` or `alphas.normal` / `alphas.reduce`.
    pub name: String,
    pub var: Var,
    pub rows: usize,
    pub ops: usize,
    pub(crate) sample: Option<Vec<EdgeSample>>,
    /// Alpha values when the current sample was drawn (for `rescale`).
    pub(crate) snapshot: Option<Vec<Vec<f64>>>,
}

/// Host softmax.
pub fn softmax(v: &[f64]) -> Vec<f64> {
    let m = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|x| (x - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|x| x / s).collect()
}

/// Draw one index with probability proportional to `w` (all-zero weights: None).
fn draw(rng: &mut ChaCha8Rng, w: &[f64]) -> Option<usize> {
    let total: f64 = w.iter().sum();
    if total <= 0.0 {
        return None;
    }
    let mut u = rng.random::<f64>() * total;
    let mut last = None;
    for (i, &x) in w.iter().enumerate() {
        if x > 0.0 {
            last = Some(i);
            if u < x {
                return Some(i);
            }
            u -= x;
        }
    }
    last
}

/// Two distinct indices without replacement among the allowed ops (None if < 2 allowed).
fn draw_pair(
    rng: &mut ChaCha8Rng,
    probs: &[f64],
    allowed: impl Fn(usize) -> bool,
) -> Option<[usize; 2]> {
    let mut w: Vec<f64> = probs
        .iter()
        .enumerate()
        .map(|(i, &p)| if allowed(i) { p } else { 0.0 })
        .collect();
    let a = draw(rng, &w)?;
    w[a] = 0.0;
    let b = draw(rng, &w)?;
    Some([a, b])
}

/// Options of one resampling.
#[derive(Debug, Clone, Copy)]
pub struct DropProbs {
    pub skip: f64,
    pub pool: f64,
}

impl AlphaGroup {
    pub fn values(&self) -> Result<Vec<Vec<f64>>> {
        Ok(self
            .var
            .as_tensor()
            .to_dtype(candle_core::DType::F64)?
            .to_vec2::<f64>()?)
    }

    /// Draw a new two-path sample for every row; `gated` (an architecture step) also makes
    /// the gate variables whose gradients `arch_grad` reads.
    pub fn resample(
        &mut self,
        rng: &mut ChaCha8Rng,
        kinds: &[OpKind],
        drop: Option<DropProbs>,
        gated: bool,
    ) -> Result<()> {
        let alpha = self.values()?;
        let t = self.var.as_tensor();
        let (dtype, device) = (t.dtype(), t.device().clone());
        let mut out = Vec::with_capacity(self.rows);
        for row in &alpha {
            let probs = softmax(row);
            let mut pair = draw_pair(rng, &probs, |_| true)
                .ok_or_else(|| internal("two-path sampling needs at least 2 ops"))?;
            if let Some(d) = drop {
                pair = drop_resample(rng, &probs, kinds, pair, d);
            }
            let p = softmax(&[row[pair[0]], row[pair[1]]]);
            let active = if rng.random::<f64>() < p[0] { 0 } else { 1 };
            let gate = |on: bool| -> Result<Var> {
                let v = if on { 1.0 } else { 0.0 };
                Ok(Var::from_tensor(
                    &Tensor::full(v, (1, 1, 1, 1), &Device::Cpu)?
                        .to_dtype(dtype)?
                        .to_device(&device)?,
                )?)
            };
            let gates = if gated {
                Some([gate(active == 0)?, gate(active == 1)?])
            } else {
                None
            };
            out.push(EdgeSample {
                pair,
                active,
                gates,
            });
        }
        self.sample = Some(out);
        self.snapshot = Some(alpha);
        Ok(())
    }

    pub fn sample(&self) -> Option<&[EdgeSample]> {
        self.sample.as_deref()
    }

    /// dL/dalpha from the gate gradients of the last backward pass ([rows, ops], on the
    /// alpha's device). Rows whose gates got no gradient contribute zero.
    pub fn arch_grad(&self, grads: &GradStore) -> Result<Option<Tensor>> {
        let (Some(sample), Some(alpha)) = (&self.sample, &self.snapshot) else {
            return Ok(None);
        };
        let mut g = vec![0.0f64; self.rows * self.ops];
        for (r, s) in sample.iter().enumerate() {
            let mut dg = [0.0f64; 2];
            for (j, gate) in s.gates.iter().flatten().enumerate() {
                if let Some(t) = grads.get(gate.as_tensor()) {
                    dg[j] = t
                        .to_dtype(candle_core::DType::F64)?
                        .sum_all()?
                        .to_scalar()?;
                }
            }
            let p = softmax(&[alpha[r][s.pair[0]], alpha[r][s.pair[1]]]);
            for i in 0..2 {
                let delta = |j: usize| if i == j { 1.0 } else { 0.0 };
                let gi: f64 = (0..2).map(|j| dg[j] * p[j] * (delta(j) - p[i])).sum();
                g[r * self.ops + s.pair[i]] += gi;
            }
        }
        let t = self.var.as_tensor();
        let grad = Tensor::from_vec(g, (self.rows, self.ops), &Device::Cpu)?
            .to_dtype(t.dtype())?
            .to_device(t.device())?;
        Ok(Some(grad))
    }

    /// After the optimiser changed alpha: shift each sampled pair so that
    /// sum_pair exp(alpha) equals its value when the sample was drawn.
    pub fn rescale(&self) -> Result<()> {
        let (Some(sample), Some(old)) = (&self.sample, &self.snapshot) else {
            return Ok(());
        };
        let mut new = self.values()?;
        for (r, s) in sample.iter().enumerate() {
            let lse = |v: &[f64]| {
                let m = s
                    .pair
                    .iter()
                    .map(|&k| v[k])
                    .fold(f64::NEG_INFINITY, f64::max);
                m + s.pair.iter().map(|&k| (v[k] - m).exp()).sum::<f64>().ln()
            };
            let offset = lse(&new[r]) - lse(&old[r]);
            for &k in &s.pair {
                new[r][k] -= offset;
            }
        }
        let flat: Vec<f64> = new.into_iter().flatten().collect();
        let t = self.var.as_tensor();
        let v = Tensor::from_vec(flat, (self.rows, self.ops), &Device::Cpu)?
            .to_dtype(t.dtype())?
            .to_device(t.device())?;
        self.var.set(&v)?;
        Ok(())
    }

    /// Sum over rows of the entropy of softmax(alpha_row), and the row count.
    pub fn entropy_sum(&self) -> Result<(f64, usize)> {
        let mut s = 0.0;
        for row in self.values()? {
            s -= softmax(&row)
                .iter()
                .filter(|&&p| p > 0.0)
                .map(|p| p * p.ln())
                .sum::<f64>();
        }
        Ok((s, self.rows))
    }
}

/// Reference §1.4 item 3: when a pool was drawn, resample without skip and pools with
/// probability `pool`; then, when skip is among the pair, resample from the parametric
/// ops only with probability `skip`. A coin is tossed only when its condition holds.
fn drop_resample(
    rng: &mut ChaCha8Rng,
    probs: &[f64],
    kinds: &[OpKind],
    mut pair: [usize; 2],
    d: DropProbs,
) -> [usize; 2] {
    let has = |pair: &[usize; 2], k: OpKind| pair.iter().any(|&i| kinds[i] == k);
    if has(&pair, OpKind::Pool) && rng.random::<f64>() < d.pool {
        let allowed = |i: usize| !matches!(kinds[i], OpKind::Skip | OpKind::Pool);
        if let Some(p) = draw_pair(rng, probs, allowed) {
            pair = p;
        }
    }
    if has(&pair, OpKind::Skip) && rng.random::<f64>() < d.skip {
        if let Some(p) = draw_pair(rng, probs, |i| kinds[i] == OpKind::Param) {
            pair = p;
        }
    }
    pair
}

/// The op chosen for an edge in evaluation and derivation: the most probable op that is
/// not a zero op.
pub fn best_op(row: &[f64], kinds: &[OpKind]) -> Option<usize> {
    // First maximum wins, as torch.argmax does.
    let mut best: Option<usize> = None;
    for (i, &v) in row.iter().enumerate() {
        if kinds[i] != OpKind::Zero && best.is_none_or(|b| v > row[b]) {
            best = Some(i);
        }
    }
    best
}
