// The NAS-Bench-201 measurement (results/2026-12-07-nb201/README.md): five search seeds of
// each arm on the shared 10k CIFAR-10 images, every found cell looked up in the benchmark
// table after the search. Arms: (i) today's two-path SimCLR search (the baseline), (ii) the
// recipe std.recipes.nb201, (iii) first-order supervised DARTS (labels; a sanity check).
// All three search the same proxy supernet (8 channels, 1 cell per stage) for 9 epochs.

import std.recipes.nb201
import std.spaces.nb201 as nb201_space
import std.augment
import std.data

let cifar = data.cifar10(dir = "../shared/data/cifar10", train = ["data_batch_1.bin"])

let table = "../shared/data/nb201/nb201_tss_200ep_test_acc.csv"

/// (ii) the recipe.
pipeline recipe_arm(s: int = 0) = nb201.recipe(data = cifar) {
  seed = s
  stage truth: nb201_lookup(table = table) after derive
}

/// (i) the two-path SimCLR search of examples/nb201.nas on the same proxy and budget:
/// 3 warm-up epochs, then 6 epochs with an architecture step every weight step.
pipeline baseline_arm(s: int = 0) {
  data = cifar
  seed = s
  space = nb201_space.network(channels = 8, cells_per_stage = 1)
  views = augment.simclr(data)
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    sampler = two_path
    batch = 64
    weights = sgd(lr = 0.05, momentum = 0.9, weight_decay = 5e-4, clip_norm = 5, schedule = cosine)
    arch = adam(lr = 3e-4, betas = (0.5, 0.999), weight_decay = 1e-3)
    phase warmup { epochs = 3, arch = frozen }
    phase search { epochs = 6 }
  }
  stage derive: derive after search
  stage truth: nb201_lookup(table = table) after derive
}

/// (iii) first-order DARTS with labels (cross-entropy on both splits), same proxy, budget.
pipeline darts_arm(s: int = 0) {
  data = cifar
  seed = s
  space = nb201_space.network(channels = 8, cells_per_stage = 1)
  views = augmentation(views = 1, steps = [
    random_crop(size = 32, padding = 4),
    flip(),
    normalize(data.mean, data.std),
  ])
  stage search: ssl_search {
    objective = cross_entropy
    sampler = darts
    batch = 64
    weights = sgd(lr = 0.025, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine)
    arch = adam(lr = 3e-4, betas = (0.5, 0.999), weight_decay = 1e-3)
    phase warmup { epochs = 3, arch = frozen }
    phase search { epochs = 6 }
  }
  stage derive: derive after search
  stage truth: nb201_lookup(table = table) after derive
}

pipeline recipe_0 = recipe_arm(s = 0) {}

pipeline recipe_1 = recipe_arm(s = 1) {}

pipeline recipe_2 = recipe_arm(s = 2) {}

pipeline recipe_3 = recipe_arm(s = 3) {}

pipeline recipe_4 = recipe_arm(s = 4) {}

pipeline baseline_0 = baseline_arm(s = 0) {}

pipeline baseline_1 = baseline_arm(s = 1) {}

pipeline baseline_2 = baseline_arm(s = 2) {}

pipeline baseline_3 = baseline_arm(s = 3) {}

pipeline baseline_4 = baseline_arm(s = 4) {}

pipeline darts_0 = darts_arm(s = 0) {}

pipeline darts_1 = darts_arm(s = 1) {}

pipeline darts_2 = darts_arm(s = 2) {}

pipeline darts_3 = darts_arm(s = 3) {}

pipeline darts_4 = darts_arm(s = 4) {}

/// Does the recipe's cell depend on the data? The same recipe on the built-in 8x8 digits
/// (the benchmark's accuracies are CIFAR-10's; what matters is whether the cell differs).
pipeline recipe_digits(s: int = 0) = nb201.recipe(data = data.digits()) {
  seed = s
  stage truth: nb201_lookup(table = table) after derive
}

pipeline recipe_digits_0 = recipe_digits(s = 0) {}

pipeline recipe_digits_1 = recipe_digits(s = 1) {}

/// (ii-b) The recipe with a warm-up twice as long (12 epochs of supernet training before the
/// 3 selection epochs, 15 in all): is the perturbation measure noisy because the supernet
/// is trained too briefly? The same seeds 0-4.
pipeline recipe_long_arm(s: int = 0) = nb201.recipe(data = cifar, warmup = 12) {
  seed = s
  stage truth: nb201_lookup(table = table) after derive
}

pipeline recipe_long_0 = recipe_long_arm(s = 0) {}

pipeline recipe_long_1 = recipe_long_arm(s = 1) {}

pipeline recipe_long_2 = recipe_long_arm(s = 2) {}

pipeline recipe_long_3 = recipe_long_arm(s = 3) {}

pipeline recipe_long_4 = recipe_long_arm(s = 4) {}

/// (ii-b) on the built-in digits: do its cells differ from the CIFAR-10 ones?
pipeline recipe_long_digits(s: int = 0) = nb201.recipe(data = data.digits(), warmup = 12) {
  seed = s
  stage truth: nb201_lookup(table = table) after derive
}

pipeline recipe_long_digits_0 = recipe_long_digits(s = 0) {}

pipeline recipe_long_digits_1 = recipe_long_digits(s = 1) {}

/// (ii-c) The recipe deciding each edge on 16 held-out batches instead of 4: is the
/// perturbation measure noisy because it sees too few images? The same seeds 0-4.
pipeline recipe_held16_arm(s: int = 0) = nb201.recipe(data = cifar) {
  seed = s
  search.select.select = perturbation(batches = 16)
  stage truth: nb201_lookup(table = table) after derive
}

pipeline recipe_held16_0 = recipe_held16_arm(s = 0) {}

pipeline recipe_held16_1 = recipe_held16_arm(s = 1) {}

pipeline recipe_held16_2 = recipe_held16_arm(s = 2) {}

pipeline recipe_held16_3 = recipe_held16_arm(s = 3) {}

pipeline recipe_held16_4 = recipe_held16_arm(s = 4) {}
