// The whole-network configurations of `nas bench` (twopath, darts, derived), written in the
// language so that the benchmark builds exactly what `nas run` builds. The shapes follow
// ../shared/bench/torch_ref.py (`twopath`, `supernet`) for a side-by-side comparison.
// Only the networks are used; the data and optimisers are placeholders.

import std.spaces.darts as space
import std.augment
import std.genotypes
import std.data

pipeline bench {
  data = data.cifar10()

  // twopath: the SSWP search network scaled down: stem 3 -> 48, 5 cells, C = 16,
  // per-cell alphas, 7 ops, two-path edges, SimCLR head 256-256-128.
  stage twopath: ssl_search {
    space = space.cifar(cells = 5, channels = 16, ops = space.sswp_ops, alpha = per_cell)
    views = augment.simclr(data)
    objective = simclr(temperature = 0.07, head = mlp(256, 128))
    sampler = two_path(skip_drop = 0)
    batch = 32
    weights = sgd(lr = 0.025)
    arch = adam(lr = 1e-3)
    epochs = 1
  }

  // darts: the DARTS mixed-op supernet, 5 cells, C = 16, 8 ops, shared alphas, and a stem
  // of C channels like torch_ref.py's `supernet` (DARTS itself uses 3C).
  stage darts: ssl_search {
    space = space.cifar(cells = 5, channels = 16, ops = space.darts_ops, alpha = shared, stem_multiplier = 1)
    views = augment.cifar_basic(data)
    objective = cross_entropy
    sampler = darts
    batch = 32
    weights = sgd(lr = 0.025)
    arch = adam(lr = 3e-4)
    epochs = 1
  }

  // derived: the DARTS-V2 genotype, 8 cells, C = 16.
  stage derived: train {
    network = space.cifar(cells = 8, channels = 16, genotype = genotypes.darts_v2)
    init = random
    epochs = 1
    batch = 32
  }
}
