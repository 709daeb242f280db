// examples/darts_supervised.nas: classic supervised first-order DARTS on CIFAR-10
// (search an 8-cell proxy with the continuous relaxation and shared alphas, derive, train
// the derived cell at 20 cells x 36 channels), next to the published DARTS-V2 cell trained
// with the same protocol for comparison.

import std.recipes.darts as darts_recipe
import std.spaces.darts
import std.genotypes
import std.augment
import std.data

pipeline darts_supervised = darts_recipe.recipe(data = data.cifar10("data/cifar-10-batches-bin")) {
  stage darts_v2: train {
    network = darts.cifar(cells = 20, channels = 36, genotype = genotypes.darts_v2)
    init = random
    epochs = 600
    batch = 96
    drop_path = 0.2
    auxiliary = 0.4
    optim = sgd(lr = 0.025, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine)
    augment = augment.cifar_train(data)
  }
}
