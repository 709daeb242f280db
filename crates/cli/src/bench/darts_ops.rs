//! The `ops` and `kernels` benchmark configurations: each DARTS op (or each kernel) alone,
//! forward + backward at the three DARTS edge sizes, once with the fast kernels of
//! `nn::kernels` and once with their `_slow` references.
//!
//! Contract: parameters come from a seeded ChaCha8 generator; ops are composed exactly as
//! in DARTS (BN affine = false), mirroring `../shared/bench/torch_ref.py`'s `edge` mode so
//! the numbers can be put side by side.

use super::timing::{time_fwd_bwd, Measured, Path, Timing};
use super::BenchError;
use candle_core::{DType, Device, Result, Tensor, Var};
use nas_engine::nn::kernels as k;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One edge size: channels, square spatial size, stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeSize {
    pub channels: usize,
    pub hw: usize,
    pub stride: usize,
}

/// The three sizes of the DARTS search network used by the reference numbers.
pub const DARTS_SIZES: [EdgeSize; 3] = [
    EdgeSize {
        channels: 16,
        hw: 32,
        stride: 1,
    },
    EdgeSize {
        channels: 32,
        hw: 32,
        stride: 2,
    },
    EdgeSize {
        channels: 64,
        hw: 8,
        stride: 1,
    },
];

/// The eight DARTS candidate operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DartsOp {
    None,
    SkipConnect,
    MaxPool3x3,
    AvgPool3x3,
    SepConv3x3,
    SepConv5x5,
    DilConv3x3,
    DilConv5x5,
}

impl DartsOp {
    pub const ALL: [DartsOp; 8] = [
        DartsOp::None,
        DartsOp::SkipConnect,
        DartsOp::MaxPool3x3,
        DartsOp::AvgPool3x3,
        DartsOp::SepConv3x3,
        DartsOp::SepConv5x5,
        DartsOp::DilConv3x3,
        DartsOp::DilConv5x5,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DartsOp::None => "none",
            DartsOp::SkipConnect => "skip_connect",
            DartsOp::MaxPool3x3 => "max_pool_3x3",
            DartsOp::AvgPool3x3 => "avg_pool_3x3",
            DartsOp::SepConv3x3 => "sep_conv_3x3",
            DartsOp::SepConv5x5 => "sep_conv_5x5",
            DartsOp::DilConv3x3 => "dil_conv_3x3",
            DartsOp::DilConv5x5 => "dil_conv_5x5",
        }
    }
}

/// A single kernel of `nn::kernels`, benchmarked alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelCase {
    /// Depthwise conv with kernel k and dilation d ("same" padding, the edge's stride).
    Depthwise {
        k: usize,
        d: usize,
    },
    MaxPool3x3,
    AvgPool3x3,
    /// Training-mode batch norm, affine = false (stride ignored).
    BatchNorm,
    /// 1x1 convolution C -> C at the edge's stride.
    Pointwise,
}

impl KernelCase {
    pub const ALL: [KernelCase; 8] = [
        KernelCase::Depthwise { k: 3, d: 1 },
        KernelCase::Depthwise { k: 5, d: 1 },
        KernelCase::Depthwise { k: 3, d: 2 },
        KernelCase::Depthwise { k: 5, d: 2 },
        KernelCase::MaxPool3x3,
        KernelCase::AvgPool3x3,
        KernelCase::BatchNorm,
        KernelCase::Pointwise,
    ];

    pub fn name(self) -> String {
        match self {
            KernelCase::Depthwise { k, d } => format!("depthwise {k}x{k} d{d}"),
            KernelCase::MaxPool3x3 => "max_pool 3x3".into(),
            KernelCase::AvgPool3x3 => "avg_pool 3x3".into(),
            KernelCase::BatchNorm => "batch_norm".into(),
            KernelCase::Pointwise => "pointwise 1x1".into(),
        }
    }
}

/// What to run: batch size, sizes, timed runs per case (after one warm-up), seed, dtype.
#[derive(Debug, Clone)]
pub struct OpsConfig {
    pub batch: usize,
    pub sizes: Vec<EdgeSize>,
    pub runs: usize,
    pub seed: u64,
    pub dtype: DType,
    pub device: Device,
    /// Which implementations to time (both by default).
    pub paths: Vec<Path>,
    /// Only cases whose "name at size" (e.g. `sep_conv_3x3 at C=64 8x8 s1 batch 32`)
    /// contains this text (all when `None`).
    pub only: Option<String>,
}

impl Default for OpsConfig {
    fn default() -> Self {
        Self {
            batch: 32,
            sizes: DARTS_SIZES.to_vec(),
            runs: 5,
            seed: 0,
            dtype: DType::F32,
            device: Device::Cpu,
            paths: vec![Path::Fast, Path::Slow],
            only: None,
        }
    }
}

impl OpsConfig {
    fn wants(&self, case: &str, size: EdgeSize) -> bool {
        let what = format!("{case} at {}", self.size_name(size));
        self.only.as_ref().is_none_or(|o| what.contains(o.as_str()))
    }

    fn size_name(&self, s: EdgeSize) -> String {
        format!(
            "C={} {}x{} s{} batch {}",
            s.channels, s.hw, s.hw, s.stride, self.batch
        )
    }
}

/// `batch_norm_train` and its `_slow` twin: (x, gamma, beta, eps) -> (y, mean, var).
type BatchNormFn =
    fn(&Tensor, Option<&Tensor>, Option<&Tensor>, f64) -> Result<(Tensor, Tensor, Tensor)>;

/// The kernel functions an op is built from: the fast ones or their `_slow` twins.
struct Kernels {
    dw: fn(&Tensor, &Tensor, usize, usize, usize) -> Result<Tensor>,
    relu_dw: fn(&Tensor, &Tensor, usize, usize, usize) -> Result<Tensor>,
    pick: fn(&Tensor, usize, usize, bool) -> Result<Tensor>,
    pw: fn(&Tensor, &Tensor, usize) -> Result<Tensor>,
    max: fn(&Tensor, usize, usize, usize) -> Result<Tensor>,
    avg: fn(&Tensor, usize, usize, usize) -> Result<Tensor>,
    bn: BatchNormFn,
}

impl Kernels {
    fn of(path: Path) -> Self {
        match path {
            Path::Fast => Self {
                dw: k::depthwise_conv2d,
                relu_dw: k::relu_depthwise_conv2d,
                pick: k::strided_pick,
                pw: k::pointwise_conv2d,
                max: k::max_pool2d,
                avg: k::avg_pool2d,
                bn: k::batch_norm_train,
            },
            Path::Slow => Self {
                dw: k::depthwise_conv2d_slow,
                relu_dw: k::relu_depthwise_conv2d_slow,
                pick: k::strided_pick_slow,
                pw: k::pointwise_conv2d_slow,
                max: k::max_pool2d_slow,
                avg: k::avg_pool2d_slow,
                bn: k::batch_norm_train_slow,
            },
        }
    }

    fn bn(&self, x: &Tensor) -> Result<Tensor> {
        Ok((self.bn)(x, None, None, 1e-5)?.0)
    }
}

/// Seeded parameter factory (uniform in +-1/sqrt(fan_in), like a Kaiming-uniform init).
struct Params {
    rng: ChaCha8Rng,
    dtype: DType,
    device: Device,
}

impl Params {
    fn var(&mut self, dims: &[usize], fan_in: usize) -> Result<Var> {
        let bound = 1.0 / (fan_in as f64).sqrt();
        let n: usize = dims.iter().product();
        let v: Vec<f64> = (0..n)
            .map(|_| self.rng.random_range(-bound..bound))
            .collect();
        Var::from_tensor(&Tensor::from_vec(v, dims, &self.device)?.to_dtype(self.dtype)?)
    }
}

/// ReLU -> depthwise k x k (stride s, dilation d, "same" padding) -> 1x1 conv -> BN.
struct DilConv {
    dw: Var,
    pw: Var,
    k: usize,
    s: usize,
    d: usize,
}

impl DilConv {
    fn new(p: &mut Params, c: usize, k: usize, s: usize, d: usize) -> Result<Self> {
        Ok(Self {
            dw: p.var(&[c, 1, k, k], k * k)?,
            pw: p.var(&[c, c, 1, 1], c)?,
            k,
            s,
            d,
        })
    }

    fn forward(&self, kn: &Kernels, x: &Tensor) -> Result<Tensor> {
        let pad = self.d * (self.k - 1) / 2;
        let h = (kn.relu_dw)(x, self.dw.as_tensor(), self.s, pad, self.d)?;
        kn.bn(&(kn.pw)(&h, self.pw.as_tensor(), 1)?)
    }
}

/// A built op with its parameters.
enum Built {
    None,
    Identity,
    FactorizedReduce(Var, Var),
    MaxPool,
    AvgPool,
    Seq(Vec<DilConv>),
}

fn build(op: DartsOp, p: &mut Params, c: usize, s: usize) -> Result<Built> {
    Ok(match op {
        DartsOp::None => Built::None,
        DartsOp::SkipConnect if s == 1 => Built::Identity,
        DartsOp::SkipConnect => Built::FactorizedReduce(
            p.var(&[c / 2, c, 1, 1], c)?,
            p.var(&[c - c / 2, c, 1, 1], c)?,
        ),
        DartsOp::MaxPool3x3 => Built::MaxPool,
        DartsOp::AvgPool3x3 => Built::AvgPool,
        DartsOp::SepConv3x3 | DartsOp::SepConv5x5 => {
            let k = if op == DartsOp::SepConv3x3 { 3 } else { 5 };
            Built::Seq(vec![
                DilConv::new(p, c, k, s, 1)?,
                DilConv::new(p, c, k, 1, 1)?,
            ])
        }
        DartsOp::DilConv3x3 => Built::Seq(vec![DilConv::new(p, c, 3, s, 2)?]),
        DartsOp::DilConv5x5 => Built::Seq(vec![DilConv::new(p, c, 5, s, 2)?]),
    })
}

fn run_op(b: &Built, kn: &Kernels, x: &Tensor, s: usize) -> Result<Tensor> {
    match b {
        Built::None => every_other(x, s)? * 0.0,
        Built::Identity => Ok(x.clone()),
        Built::FactorizedReduce(w1, w2) => {
            // as nn::layers::FactorizedReduce: relu(x)[0::2, 0::2] and relu(x)[1::2, 1::2]
            let a = (kn.pw)(&(kn.pick)(x, 0, 2, true)?, w1.as_tensor(), 1)?;
            let b = (kn.pw)(&(kn.pick)(x, 1, 2, true)?, w2.as_tensor(), 1)?;
            kn.bn(&Tensor::cat(&[a, b], 1)?)
        }
        Built::MaxPool => kn.bn(&(kn.max)(x, 3, s, 1)?),
        Built::AvgPool => kn.bn(&(kn.avg)(x, 3, s, 1)?),
        Built::Seq(layers) => {
            let mut h = x.clone();
            for l in layers {
                h = l.forward(kn, &h)?;
            }
            Ok(h)
        }
    }
}

/// Rows and columns 0, s, 2s, ... (even sizes only, which the DARTS sizes are).
fn every_other(x: &Tensor, s: usize) -> Result<Tensor> {
    if s == 1 {
        return Ok(x.clone());
    }
    let (n, c, h, w) = x.dims4()?;
    x.reshape((n, c, h / s, s, w / s, s))?
        .narrow(3, 0, 1)?
        .narrow(5, 0, 1)?
        .reshape((n, c, h / s, w / s))
}

fn input(cfg: &OpsConfig, size: EdgeSize, rng: &mut ChaCha8Rng) -> Result<Var> {
    let dims = [cfg.batch, size.channels, size.hw, size.hw];
    let v: Vec<f64> = (0..dims.iter().product())
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    Var::from_tensor(&Tensor::from_vec(v, &dims[..], &cfg.device)?.to_dtype(cfg.dtype)?)
}

fn timing(case: String, size: String, path: Path, m: Measured) -> Timing {
    Timing {
        case,
        size,
        path,
        fwd_ms: m.fwd_ms,
        fwd_bwd_ms: m.fwd_bwd_ms,
        best_fwd_bwd_ms: m.best_fwd_bwd_ms,
        cpu_fwd_bwd_ms: m.cpu_fwd_bwd_ms,
    }
}

/// Times every DARTS op at every size, fast and slow (forward + `sum(y^2)` + backward,
/// with gradients for the input and all parameters).
pub fn ops(cfg: &OpsConfig) -> std::result::Result<Vec<Timing>, BenchError> {
    let mut out = Vec::new();
    for &size in &cfg.sizes {
        for op in DartsOp::ALL
            .into_iter()
            .filter(|o| cfg.wants(o.name(), size))
        {
            let what = format!("{} at {}", op.name(), cfg.size_name(size));
            let err = |source| BenchError::Tensor {
                what: what.clone(),
                source,
            };
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            let x = input(cfg, size, &mut rng).map_err(err)?;
            let mut p = Params {
                rng,
                dtype: cfg.dtype,
                device: cfg.device.clone(),
            };
            let built = build(op, &mut p, size.channels, size.stride).map_err(err)?;
            for &path in &cfg.paths {
                let kn = Kernels::of(path);
                let f = || run_op(&built, &kn, x.as_tensor(), size.stride);
                let m = time_fwd_bwd(cfg.runs, &what, &f)?;
                out.push(timing(op.name().to_string(), cfg.size_name(size), path, m));
            }
        }
    }
    Ok(out)
}

/// Times every kernel alone at every size, fast and slow.
pub fn kernels(cfg: &OpsConfig) -> std::result::Result<Vec<Timing>, BenchError> {
    let mut out = Vec::new();
    for &size in &cfg.sizes {
        for case in KernelCase::ALL
            .into_iter()
            .filter(|c| cfg.wants(&c.name(), size))
        {
            let what = format!("{} at {}", case.name(), cfg.size_name(size));
            let err = |source| BenchError::Tensor {
                what: what.clone(),
                source,
            };
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            let x = input(cfg, size, &mut rng).map_err(err)?;
            let mut p = Params {
                rng,
                dtype: cfg.dtype,
                device: cfg.device.clone(),
            };
            let c = size.channels;
            let w = match case {
                KernelCase::Depthwise { k, .. } => Some(p.var(&[c, 1, k, k], k * k).map_err(err)?),
                KernelCase::Pointwise => Some(p.var(&[c, c, 1, 1], c).map_err(err)?),
                _ => None,
            };
            for &path in &cfg.paths {
                let kn = Kernels::of(path);
                let (x, s) = (x.as_tensor(), size.stride);
                let f = || match (case, &w) {
                    (KernelCase::Depthwise { k, d }, Some(w)) => {
                        (kn.dw)(x, w.as_tensor(), s, d * (k - 1) / 2, d)
                    }
                    (KernelCase::MaxPool3x3, _) => (kn.max)(x, 3, s, 1),
                    (KernelCase::AvgPool3x3, _) => (kn.avg)(x, 3, s, 1),
                    (KernelCase::Pointwise, Some(w)) => (kn.pw)(x, w.as_tensor(), s),
                    _ => kn.bn(x),
                };
                let m = time_fwd_bwd(cfg.runs, &what, &f)?;
                out.push(timing(case.name(), cfg.size_name(size), path, m));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny run of both configurations: every case yields a fast and a slow timing.
    #[test]
    fn tiny_configurations_time_every_case_on_both_paths() {
        let cfg = OpsConfig {
            batch: 2,
            sizes: vec![EdgeSize {
                channels: 4,
                hw: 6,
                stride: 2,
            }],
            runs: 1,
            ..OpsConfig::default()
        };
        let t = ops(&cfg).unwrap();
        assert_eq!(t.len(), 2 * DartsOp::ALL.len());
        let t2 = kernels(&cfg).unwrap();
        assert_eq!(t2.len(), 2 * KernelCase::ALL.len());
        assert!(t
            .iter()
            .chain(&t2)
            .all(|t| t.fwd_bwd_ms >= t.fwd_ms && t.fwd_ms >= 0.0));
    }
}
