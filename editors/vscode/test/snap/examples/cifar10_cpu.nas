// examples/cifar10_cpu.nas: the SSWP recipe on real CIFAR-10 at a size a 2-core CPU can
// run: the 10,000 images of ../shared/data/cifar10/data_batch_1.bin (5k for weight steps,
// 5k for architecture steps), a 5-cell x 8-channel supernet, batch 32, 12 short epochs
// (warm-up 2, search 5, freeze 5) of 12 weight steps, then derivation with preserved weights.
// Run from the repository root: nas run examples/cifar10_cpu.nas

import std.recipes.sswp
import std.data

pipeline cifar10_cpu = sswp.recipe(
  data = data.cifar10(dir = "../shared/data/cifar10", train = ["data_batch_1.bin"]),
  cells = 5,
  channels = 8,
  epochs = 12,
  batch = 32,
) {
  // 12 weight steps per epoch, an architecture step after every second one; a larger
  // architecture learning rate than the paper's 1e-3, because this run has ~1000x fewer
  // architecture steps than the paper's.
  search.steps_per_epoch = 12
  search.arch = adam(lr = 1e-2, betas = (0.0, 0.999), every = 2)
}
