// std.recipes.darts: classic supervised first-order DARTS (Liu et al. 2019): search an
// 8-cell, 16-channel proxy with shared normal/reduction alphas and the continuous
// relaxation, derive, then train the derived cell in the 20-cell, 36-channel network.

import std.spaces.darts as darts_space
import std.augment
import std.data

/// DARTS (first order) on CIFAR-style data, with the hyper-parameters of quark0/darts.
pipeline recipe(
  data: dataset = data.cifar10(),
  cells: int = 8,
  channels: int = 16,
  epochs: int = 50,
  batch: int = 64,
) {
  data = data
  seed = 2
  space = darts_space.cifar(
    cells = cells,
    channels = channels,
    ops = darts_space.darts_ops,
    alpha = shared,
  )
  views = augment.cifar_basic(data)

  stage search: ssl_search {
    objective = cross_entropy
    sampler = darts
    batch = batch
    split = 50%
    weights = sgd(
      lr = 0.025,
      momentum = 0.9,
      weight_decay = 3e-4,
      clip_norm = 5,
      schedule = cosine(min_lr = 0.001),
    )
    arch = adam(lr = 3e-4, betas = (0.5, 0.999), weight_decay = 1e-3)
    epochs = epochs
  }

  stage derive: derive { edges_per_node = 2 } after search

  stage train: train {
    network = darts_space.cifar(cells = 20, channels = 36)
    init = random
    epochs = 600
    batch = 96
    drop_path = 0.2
    auxiliary = 0.4
    optim = sgd(lr = 0.025, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine)
    augment = augment.cifar_train(data)
  } after derive
}
