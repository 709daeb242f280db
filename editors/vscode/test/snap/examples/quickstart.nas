// examples/quickstart.nas: a tiny SSWP-NAS run on the built-in digits (8x8, 1 channel,
// no download). The paper's recipe, shrunk: a 4-cell, 8-channel supernet searched
// self-supervised for 6 short epochs (warm-up, search, freeze), derived with its weights
// preserved, then fine-tuned on 10% of the labels from the preserved weights and, for
// comparison, from a random initialisation. Runs in a few minutes on 2 CPU cores.
// Try: nas check --estimate examples/quickstart.nas

import std.recipes.sswp
import std.data

/// Digits must not be mirrored: the fine-tuning augmentation crops only.
let labelled = augmentation(views = 1, steps = [
  random_crop(size = 8, padding = 1),
  normalize([0.3053], [0.3761]),
])

pipeline quickstart = sswp.recipe(
  data = data.digits(),
  cells = 4,
  channels = 8,
  epochs = 6,
  batch = 32,
) {
  seed = 7

  // Colour jitter means nothing on one grey channel: simpler views for digits.
  views = augmentation(views = 2, steps = [
    random_resized_crop(size = 8, scale = (0.5, 1.0)),
    normalize(data.mean, data.std),
  ])

  // Override fields of the recipe's search stage without copying it.
  search.steps_per_epoch = 10
  search.weights = sgd(
    lr = 0.05,
    momentum = 0.9,
    weight_decay = 4e-5,
    clip_norm = 5,
    schedule = cosine,
  )
  // ~100x fewer architecture steps than the paper: a larger step so the alphas move.
  search.arch = adam(lr = 3e-2, betas = (0.0, 0.999), every = 2)

  // The recipe's fine-tuning optimiser warms up for 20 epochs; these runs have 10.
  stage tune: finetune(
    init = preserved,
    labels = 10%,
    epochs = 10,
    batch = 32,
    augment = labelled,
    optim = sgd(lr = 0.05, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine),
  ) after derive
  stage scratch: finetune(
    init = random,
    labels = 10%,
    epochs = 10,
    batch = 32,
    augment = labelled,
    optim = sgd(lr = 0.05, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine),
  ) after derive
}
