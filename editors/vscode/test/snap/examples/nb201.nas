// examples/nb201.nas: the NAS-Bench-201 space on CIFAR-10: a self-supervised two-path
// search of the NB201 cell that stops once the architecture is stable, derivation and
// fine-tuning on 10% of the labels; beside it, the best NB201 cell (written in NB201's
// string form) trained from scratch.

import std.spaces.nb201
import std.augment
import std.data

pipeline nb201_search {
  data = data.cifar10("data/cifar-10-batches-bin")
  seed = 0
  space = nb201.network(channels = 16, cells_per_stage = 5)
  views = augment.simclr(data)

  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    sampler = two_path
    batch = 256
    weights = sgd(lr = 0.05, momentum = 0.9, weight_decay = 5e-4, clip_norm = 5, schedule = cosine)
    arch = adam(lr = 3e-4, betas = (0.5, 0.999), weight_decay = 1e-3)
    phase warmup { epochs = 10, arch = frozen }
    phase search { max_epochs = 90, when arch_stable(epochs = 10) }
  }

  stage derive: derive after search

  stage tune: finetune(labels = 10%, epochs = 200) after derive

  stage best: train(
    epochs = 200,
    init = random,
    network = nb201.network(
      genotype = nb201.arch(
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
      ),
    ),
  )
}
