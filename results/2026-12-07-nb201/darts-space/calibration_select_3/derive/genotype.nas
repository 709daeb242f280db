// The genotype derived by stage `derive`, as .nas source: use it as
// `genotype = derived` of a network with the searched space (and, per cell, depth).
let derived = cell_genotypes(cells = [
  [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_5x5", 0), ("sep_conv_3x3", 1), ("max_pool_3x3", 0), ("sep_conv_5x5", 1), ("dil_conv_3x3", 0), ("avg_pool_3x3", 1)],
  [("sep_conv_3x3", 0), ("dil_conv_3x3", 1), ("dil_conv_3x3", 2), ("max_pool_3x3", 1), ("sep_conv_5x5", 0), ("max_pool_3x3", 1), ("dil_conv_3x3", 0), ("dil_conv_3x3", 1)],
  [("sep_conv_3x3", 0), ("sep_conv_5x5", 1), ("dil_conv_5x5", 2), ("sep_conv_3x3", 0), ("sep_conv_5x5", 2), ("max_pool_3x3", 1), ("max_pool_3x3", 0), ("sep_conv_5x5", 1)],
  [("max_pool_3x3", 0), ("avg_pool_3x3", 1), ("dil_conv_5x5", 0), ("dil_conv_3x3", 1), ("sep_conv_3x3", 0), ("skip_connect", 1), ("skip_connect", 0), ("sep_conv_5x5", 1)],
  [("sep_conv_5x5", 0), ("sep_conv_3x3", 1), ("dil_conv_5x5", 2), ("sep_conv_3x3", 1), ("sep_conv_3x3", 2), ("max_pool_3x3", 1), ("sep_conv_5x5", 0), ("avg_pool_3x3", 1)],
])
