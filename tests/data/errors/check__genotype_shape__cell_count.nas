import std.data
import std.spaces.darts
import std.augment

// A per-cell genotype with two cells for a network of three.
let cells = cell_genotypes(cells = [
  [("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("skip_connect", 0), ("sep_conv_3x3", 1),
   ("sep_conv_3x3", 0), ("dil_conv_3x3", 2), ("skip_connect", 0), ("max_pool_3x3", 3)],
  [("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
   ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 1)],
])

pipeline p {
  data = data.digits()
  stage fit: train {
    network = darts.cifar(cells = 3, channels = 4, ops = darts.sswp_ops, genotype = cells)
    init = random
    epochs = 1
  }
}
