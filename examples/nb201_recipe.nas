// examples/nb201_recipe.nas: the label-free NAS-Bench-201 recipe (std.recipes.nb201) on the
// shared 10k CIFAR-10 images, and the found cell's true accuracy looked up in the benchmark
// table after the search (the search never reads it). About 10 minutes on 2 CPU cores.
// Run: nas run examples/nb201_recipe.nas --set seed=1

import std.recipes.nb201
import std.data

pipeline nb201_recipe = nb201.recipe(
  data = data.cifar10(dir = "../shared/data/cifar10", train = ["data_batch_1.bin"]),
) {
  seed = 0
  stage truth: nb201_lookup(
    table = "../shared/data/nb201/nb201_tss_200ep_test_acc.csv",
  ) after derive
}
