// std.spaces.darts: the DARTS search space. Its candidate ops (the 8 of DARTS and the
// 7 of SSWP-NAS), the DARTS cell (2 inputs, 4 nodes, 14 edges, output = concat of the 4
// nodes) and the CIFAR and ImageNet network skeletons of the DARTS / SSWP-NAS code.

/// Separable convolution: (ReLU, depthwise k x k, 1x1 conv, BN) twice; the first
/// depthwise conv takes the edge's stride.
op sep_conv(k: int) = seq(relu, dwconv(k, stride = edge), conv(1), bn, relu, dwconv(k), conv(1), bn)

/// Dilated separable convolution: ReLU, depthwise k x k with dilation 2 (edge stride),
/// 1x1 conv, BN.
op dil_conv(k: int) = seq(relu, dwconv(k, stride = edge, dilation = 2), conv(1), bn)

/// Identity on stride-1 edges, factorized reduce on stride-2 edges.
op skip_connect = by_stride(identity, factorized_reduce)

/// 3x3 max pooling (stride of the edge, padding 1).
op max_pool_3x3 = max_pool(3)

/// 3x3 average pooling (stride of the edge, padding 1, padding not counted).
op avg_pool_3x3 = avg_pool(3)

/// 3x3 separable convolution.
op sep_conv_3x3 = sep_conv(3)

/// 5x5 separable convolution.
op sep_conv_5x5 = sep_conv(5)

/// 3x3 dilated separable convolution (receptive field 5x5).
op dil_conv_3x3 = dil_conv(3)

/// 5x5 dilated separable convolution (receptive field 9x9).
op dil_conv_5x5 = dil_conv(5)

/// The 8 DARTS candidates, in the order of quark0/darts `PRIMITIVES` (`none` outputs zeros).
let darts_ops = [
  named("none", zero),
  max_pool_3x3,
  avg_pool_3x3,
  skip_connect,
  sep_conv_3x3,
  sep_conv_5x5,
  dil_conv_3x3,
  dil_conv_5x5,
]

/// The 7 SSWP-NAS candidates, in the official order (no `none`; indices 0-2 are the
/// non-parametric ops). Each pool is followed by a non-affine BN, as in the SSWP code.
let sswp_ops = [
  skip_connect,
  named("max_pool_3x3", seq(max_pool(3), bn(affine = false))),
  named("avg_pool_3x3", seq(avg_pool(3), bn(affine = false))),
  sep_conv_3x3,
  sep_conv_5x5,
  dil_conv_3x3,
  dil_conv_5x5,
]

/// The DARTS CIFAR network: stem conv 3x3 -> stem_multiplier x C (3C) + BN, `cells` DARTS cells of 4 nodes,
/// reduction cells at cells/3 and 2*cells/3 (6 and 13 for 20 cells) where channels double,
/// global pooling. Without a genotype it is a search space.
def cifar(
  cells: int = 20,
  channels: int = 36,
  ops: list[op] = darts_ops,
  alpha: any = shared,
  affine: bool = false,
  genotype: genotype? = none,
  stem_multiplier: int = 3,
): network = darts_net(
  stem = "cifar",
  cells = cells,
  channels = channels,
  nodes = 4,
  multiplier = 4,
  stem_multiplier = stem_multiplier,
  ops = ops,
  alpha = alpha,
  affine = affine,
  genotype = genotype,
)

/// The DARTS ImageNet network: two stride-2 stems (stem0: conv s2 -> C/2, BN, ReLU, conv s2
/// -> C, BN; stem1: ReLU, conv s2, BN), `cells` cells (14), reductions at 4 and 9, C = 48.
def imagenet(
  cells: int = 14,
  channels: int = 48,
  ops: list[op] = darts_ops,
  alpha: any = shared,
  affine: bool = false,
  genotype: genotype? = none,
): network = darts_net(
  stem = "imagenet",
  cells = cells,
  channels = channels,
  nodes = 4,
  multiplier = 4,
  ops = ops,
  alpha = alpha,
  affine = affine,
  genotype = genotype,
)
