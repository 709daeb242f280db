// std.spaces.nb201: the NAS-Bench-201 search space (Dong & Yang, 2020): a cell of 4 nodes
// (the input and 3 intermediate nodes, 6 edges), 5 candidate ops, and its network skeleton.

/// NAS-Bench-201 convolutions are ReLU-Conv-BN.
op relu_conv_bn(k: int) = seq(relu, conv(k, stride = edge), bn)

/// The 5 NAS-Bench-201 candidates, named as in its architecture strings.
let ops = [
  named("none", zero),
  named("skip_connect", identity),
  named("nor_conv_1x1", relu_conv_bn(1)),
  named("nor_conv_3x3", relu_conv_bn(3)),
  named("avg_pool_3x3", avg_pool(3)),
]

/// The NAS-Bench-201 network: stem conv 3x3 -> C, three stages of `cells_per_stage` cells
/// (C, 2C, 4C) joined by residual reduction blocks, BN + ReLU, global pooling.
/// Without a genotype it is a search space.
def network(channels: int = 16, cells_per_stage: int = 5, genotype: genotype? = none): network =
  nb201_net(
    channels = channels,
    cells_per_stage = cells_per_stage,
    nodes = 3,
    ops = ops,
    genotype = genotype,
  )

/// A cell in NAS-Bench-201's string form, `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`.
def arch(text: str): genotype = nb201_arch(text)

/// The best CIFAR-10 cell of NAS-Bench-201 (the one reported by its authors).
let best_cifar10 = arch(
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
)
