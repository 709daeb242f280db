//! Stems, heads and the NB201 residual block: everything outside the cells.
//!
//! Contract (names): CIFAR stem `stem.0` conv 3x3 in->3C, `stem.1` BN (always affine);
//! ImageNet stems `stem0.{0,1,3,4}` and `stem1.{1,2}`; NB201 stem `stem.0`/`stem.1`
//! (in->C); projection MLP `head.{0,2,..}` (Linear, ReLU, ..., Linear, no BN); classifier
//! `classifier`; DARTS auxiliary head `aux.{2,3,5,6}` + `aux.classifier`; NB201 residual
//! reduction `resblocks.{k}.{conv_a,conv_b}.{1,2}` and `resblocks.{k}.downsample.1`; NB201
//! final BN `lastact.0`.

use candle_core::Tensor;

use super::error::{invalid, Result};
use super::kernels;
use super::layers::{BatchNorm, Conv, Linear, ReluConvBn};
use super::store::{join, Builder};
use nas_ir::{HeadSpec, StemKind};

/// Conv 3x3 + BN with an optional stride.
#[derive(Debug, Clone)]
pub struct ConvBn {
    pub conv: Conv,
    pub bn: BatchNorm,
}

impl ConvBn {
    fn new(
        b: &mut Builder,
        prefix: &str,
        idx: [usize; 2],
        cin: usize,
        cout: usize,
        stride: usize,
    ) -> Result<Self> {
        let conv = Conv::new(
            b,
            &join(prefix, &idx[0].to_string()),
            cin,
            cout,
            3,
            stride,
            1,
            1,
            false,
        )?;
        let bn = BatchNorm::new(b, &join(prefix, &idx[1].to_string()), cout, true)?;
        Ok(Self { conv, bn })
    }
    fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        self.bn.forward(&self.conv.forward(x)?, train)
    }
}

/// The stem(s) of a cell network; returns the two first cell inputs.
#[derive(Debug, Clone)]
pub enum Stem {
    /// One conv-BN; both cell inputs are its output (CIFAR and NB201).
    Single(ConvBn),
    /// DARTS ImageNet: s0 = stem0(x), s1 = stem1(s0).
    Imagenet {
        s0a: ConvBn,
        s0b: ConvBn,
        s1: ConvBn,
    },
}

impl Stem {
    /// Returns the stem and the channels of (s0, s1).
    pub fn new(
        b: &mut Builder,
        kind: StemKind,
        cin: usize,
        c: usize,
        mult: usize,
    ) -> Result<(Self, usize)> {
        Ok(match kind {
            StemKind::Cifar => (
                Stem::Single(ConvBn::new(b, "stem", [0, 1], cin, mult * c, 1)?),
                mult * c,
            ),
            StemKind::Imagenet => {
                if c < 2 {
                    return Err(invalid("the ImageNet stem needs at least 2 channels"));
                }
                let s0a = ConvBn::new(b, "stem0", [0, 1], cin, c / 2, 2)?;
                let s0b = ConvBn::new(b, "stem0", [3, 4], c / 2, c, 2)?;
                let s1 = ConvBn::new(b, "stem1", [1, 2], c, c, 2)?;
                (Stem::Imagenet { s0a, s0b, s1 }, c)
            }
        })
    }

    /// Spatial size after the stem.
    pub fn out_size(kind: StemKind, size: usize) -> usize {
        match kind {
            StemKind::Cifar => size,
            StemKind::Imagenet => size.div_ceil(2).div_ceil(2).div_ceil(2),
        }
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        match self {
            Stem::Single(cb) => {
                let s = cb.forward(x, train)?;
                Ok((s.clone(), s))
            }
            Stem::Imagenet { s0a, s0b, s1 } => {
                let s0 = s0b.forward(&kernels::relu(&s0a.forward(x, train)?)?, train)?;
                let s1 = s1.forward(&kernels::relu(&s0)?, train)?;
                Ok((s0, s1))
            }
        }
    }
}

/// Projection MLP, classifier, or nothing.
#[derive(Debug, Clone)]
pub enum Head {
    Features,
    Mlp(Vec<Linear>),
    Classifier(Linear),
}

impl Head {
    pub fn new(b: &mut Builder, spec: &HeadSpec, feat: usize) -> Result<Self> {
        Ok(match spec {
            HeadSpec::Features => Head::Features,
            HeadSpec::Mlp { hidden, out } => {
                let mut dims = vec![feat];
                dims.extend(hidden.iter().copied());
                dims.push(*out);
                let mut layers = Vec::new();
                for (i, w) in dims.windows(2).enumerate() {
                    layers.push(Linear::new(b, &format!("head.{}", 2 * i), w[0], w[1])?);
                }
                Head::Mlp(layers)
            }
            HeadSpec::Classifier { classes } => {
                Head::Classifier(Linear::new(b, "classifier", feat, *classes)?)
            }
        })
    }

    /// # Shapes
    /// [N, feat] -> [N, out]
    pub fn forward(&self, f: &Tensor) -> Result<Tensor> {
        match self {
            Head::Features => Ok(f.clone()),
            Head::Classifier(l) => l.forward(f),
            Head::Mlp(layers) => {
                let mut h = f.clone();
                for (i, l) in layers.iter().enumerate() {
                    if i > 0 {
                        h = kernels::relu(&h)?;
                    }
                    h = l.forward(&h)?;
                }
                Ok(h)
            }
        }
    }
}

/// DARTS auxiliary tower: ReLU, AvgPool 5 (stride 3 on CIFAR, 2 on ImageNet, no padding),
/// Conv1x1 -> 128, BN, ReLU, Conv2x2 -> 768, BN, ReLU, Linear.
#[derive(Debug, Clone)]
pub struct AuxHead {
    pub pool_stride: usize,
    pub conv1: Conv,
    pub bn1: BatchNorm,
    pub conv2: Conv,
    pub bn2: BatchNorm,
    pub linear: Linear,
}

impl AuxHead {
    /// `size`: spatial side of the tower's input.
    pub fn new(
        b: &mut Builder,
        cin: usize,
        size: usize,
        pool_stride: usize,
        classes: usize,
    ) -> Result<Self> {
        let side = Self::out_side(size, pool_stride)?;
        let conv1 = Conv::new(b, "aux.2", cin, 128, 1, 1, 0, 1, false)?;
        let bn1 = BatchNorm::new(b, "aux.3", 128, true)?;
        let conv2 = Conv::new(b, "aux.5", 128, 768, 2, 1, 0, 1, false)?;
        let bn2 = BatchNorm::new(b, "aux.6", 768, true)?;
        let linear = Linear::new(b, "aux.classifier", 768 * side * side, classes)?;
        Ok(Self {
            pool_stride,
            conv1,
            bn1,
            conv2,
            bn2,
            linear,
        })
    }

    /// Side after the pool and the 2x2 conv (the pool must leave at least 2x2).
    pub fn out_side(size: usize, pool_stride: usize) -> Result<usize> {
        let pooled = if size >= 5 {
            (size - 5) / pool_stride + 1
        } else {
            0
        };
        if pooled < 2 {
            return Err(invalid(format!(
                "the auxiliary head needs features of at least {}x{} here, got {size}x{size}",
                5 + pool_stride,
                5 + pool_stride
            )));
        }
        Ok(pooled - 1)
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let h = kernels::avg_pool2d(&kernels::relu(x)?, 5, self.pool_stride, 0)?;
        let h = kernels::relu(&self.bn1.forward(&self.conv1.forward(&h)?, train)?)?;
        let h = kernels::relu(&self.bn2.forward(&self.conv2.forward(&h)?, train)?)?;
        self.linear.forward(&h.flatten_from(1)?)
    }
}

/// NB201 residual reduction: ReLUConvBN 3x3 s2 (C->C'), ReLUConvBN 3x3 (C'->C'), plus a
/// shortcut AvgPool 2x2 s2 then Conv1x1 (C->C', no BN).
#[derive(Debug, Clone)]
pub struct ResBlock {
    pub conv_a: ReluConvBn,
    pub conv_b: ReluConvBn,
    pub down: Conv,
}

impl ResBlock {
    pub fn new(b: &mut Builder, prefix: &str, cin: usize, cout: usize) -> Result<Self> {
        let conv_a = ReluConvBn::new(b, &join(prefix, "conv_a"), cin, cout, 3, 2, true)?;
        let conv_b = ReluConvBn::new(b, &join(prefix, "conv_b"), cout, cout, 3, 1, true)?;
        let down = Conv::new(
            b,
            &join(prefix, "downsample.1"),
            cin,
            cout,
            1,
            1,
            0,
            1,
            false,
        )?;
        Ok(Self {
            conv_a,
            conv_b,
            down,
        })
    }

    pub fn forward(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let y = self
            .conv_b
            .forward(&self.conv_a.forward(x, train)?, train)?;
        let (_, _, h, w) = x.dims4()?;
        // AvgPool2d(2, 2) floors odd sizes while the strided conv path rounds up; pad
        // like PyTorch would need for the sum to be defined (odd inputs only).
        let xs = x.pad_with_zeros(2, 0, h % 2)?.pad_with_zeros(3, 0, w % 2)?;
        let sc = self.down.forward(&kernels::avg_pool2d(&xs, 2, 2, 0)?)?;
        Ok((y + sc)?)
    }
}

/// Global average pooling [N, C, H, W] -> [N, C].
pub fn global_pool(x: &Tensor) -> Result<Tensor> {
    Ok(x.mean(3)?.mean(2)?)
}
