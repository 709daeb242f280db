// std.recipes.sswp: the SSWP-NAS recipe (Li et al. 2022) with the official code's
// defaults: a proxy-free self-supervised search (20 cells x 36 channels, SimCLR with
// tau 0.07, ProxylessNAS two-path sampling, per-cell alphas), then derivation with weight
// preservation. Extend it with fine-tune, scratch or probe stages.

import std.spaces.darts
import std.augment
import std.data

/// The fine-tuning optimiser of the SSWP README: SGD lr 0.2, momentum 0.9, wd 3e-4,
/// clip 5, 20 warm-up epochs then cosine to 1e-5, updated per step.
let finetune_optim = sgd(
  lr = 0.2,
  momentum = 0.9,
  weight_decay = 3e-4,
  clip_norm = 5,
  schedule = cosine(min_lr = 1e-5, per = step),
  warmup = 20,
)

/// The training-from-scratch optimiser of `train_cifar.py`: SGD lr 0.025, momentum 0.9,
/// wd 3e-4, clip 5, 5 warm-up epochs then cosine to 0, updated per step.
let scratch_optim = sgd(
  lr = 0.025,
  momentum = 0.9,
  weight_decay = 3e-4,
  clip_norm = 5,
  schedule = cosine(per = step),
  warmup = 5,
)

/// The SSWP-NAS search and derivation. Phases take 20% / 40% / 40% of `epochs` (60 / 120 /
/// 120 of 300): weight-only warm-up, search (one architecture step every 5 weight steps),
/// then cells frozen one by one, front to back.
pipeline recipe(
  data: dataset = data.cifar10(),
  cells: int = 20,
  channels: int = 36,
  epochs: int = 300,
  batch: int = 96,
) {
  data = data
  seed = 2
  space = darts.cifar(cells = cells, channels = channels, ops = darts.sswp_ops, alpha = per_cell)
  views = augment.simclr_sswp(data)

  stage search: ssl_search {
    objective = simclr(temperature = 0.07, head = mlp(16 * channels, 128))
    sampler = two_path(skip_drop = 0.2, pool_drop = 0)
    batch = batch
    split = 50%
    weights = sgd(lr = 0.025, momentum = 0.9, weight_decay = 4e-5, clip_norm = 5, schedule = cosine)
    arch = adam(lr = 1e-3, betas = (0.0, 0.999), every = 5)
    epochs = epochs
    phase warmup { epochs = 20% of epochs, arch = frozen }
    phase search { epochs = 40% of epochs }
    phase freeze { epochs = epochs - 20% of epochs - 40% of epochs, freeze = cells(forward) }
  }

  stage derive: derive { edges_per_node = 2, max_skip = 2, max_pool = 2 } after search
}
