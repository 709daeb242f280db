// std.recipes.nb201: a label-free search of the NAS-Bench-201 cell that runs on a CPU.
// The supernet (a small proxy of the benchmark's network: 8 channels, 1 cell per stage) is
// trained with SimCLR on the all-path mixture with uniform, fixed architecture weights;
// then every edge is fixed, front to back, to the op whose removal raises the SimCLR loss
// most on held-out images (perturbation selection, Wang et al. 2021, with a
// self-supervised measure), the supernet training on between selections. No labels, no
// benchmark table, no op treated specially but the zero op (never derived). Extend it with
// an `nb201_lookup` stage to read the found cell's true accuracy.

import std.spaces.nb201
import std.augment
import std.data

/// The search and derivation: `warmup` epochs of supernet training, then `select` epochs in
/// which the 6 edges are fixed two per epoch (with the defaults).
pipeline recipe(
  data: dataset = data.cifar10(),
  channels: int = 8,
  cells_per_stage: int = 1,
  warmup: int = 6,
  select: int = 3,
  batch: int = 64,
) {
  data = data
  seed = 0
  space = nb201.network(channels = channels, cells_per_stage = cells_per_stage)
  views = augment.simclr(data)

  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    sampler = darts
    batch = batch
    weights = sgd(lr = 0.05, momentum = 0.9, weight_decay = 5e-4, clip_norm = 5, schedule = cosine)
    arch = adam(lr = 3e-4)
    phase warmup { epochs = warmup, arch = frozen }
    phase select { epochs = select, arch = frozen, select = perturbation(batches = 4) }
  }

  stage derive: derive after search
}
