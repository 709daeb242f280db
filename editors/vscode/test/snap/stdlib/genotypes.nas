// std.genotypes: published DARTS-space architectures, as (op, input) pairs, two per node;
// inputs 0 and 1 are the cell inputs, 2 + k is node k. Use them as
// `darts.cifar(genotype = genotypes.darts_v2)`.

/// DARTS (second order), quark0/darts `cnn/genotypes.py` `DARTS_V2`.
let darts_v2 = genotype(
  normal = [
    ("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
    ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2),
  ],
  reduce = [
    ("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
    ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1),
  ],
  normal_concat = [2, 3, 4, 5],
  reduce_concat = [2, 3, 4, 5],
)

/// P-DARTS, chenxin061/pdarts `genotypes.py` `PDARTS` (`PARTS` in the SSWP code).
let pdarts = genotype(
  normal = [
    ("skip_connect", 0), ("dil_conv_3x3", 1), ("skip_connect", 0), ("sep_conv_3x3", 1),
    ("sep_conv_3x3", 1), ("sep_conv_3x3", 3), ("sep_conv_3x3", 0), ("dil_conv_5x5", 4),
  ],
  reduce = [
    ("avg_pool_3x3", 0), ("sep_conv_5x5", 1), ("sep_conv_3x3", 0), ("dil_conv_5x5", 2),
    ("max_pool_3x3", 0), ("dil_conv_3x3", 1), ("dil_conv_3x3", 1), ("dil_conv_5x5", 3),
  ],
  normal_concat = [2, 3, 4, 5],
  reduce_concat = [2, 3, 4, 5],
)
