// examples/cifar10.nas: the SSWP-NAS paper's recipe on CIFAR-10 (a 300-epoch
// self-supervised search of the full 20-cell, 36-channel network), then three uses of
// the derived architecture on 10% of the labels: fine-tuning the concomitant (preserved)
// weights, the same training from random initialisation, and a linear probe.

import std.recipes.sswp
import std.augment as aug
import std.data

pipeline cifar10 = sswp.recipe(data = data.cifar10("data/cifar-10-batches-bin")) {
  // Supervised stages use the CIFAR training augmentation with cutout 16.
  augment = aug.cifar_train(data)

  stage tune: finetune(
    init = preserved,
    labels = 10%,
    epochs = 600,
    optim = sswp.finetune_optim,
    auxiliary = 0.4,
    drop_path = 0.3,
  ) after derive
  stage scratch: finetune(
    init = random,
    labels = 10%,
    epochs = 600,
    optim = sswp.scratch_optim,
    auxiliary = 0.4,
    drop_path = 0.3,
  ) after derive
  stage probe: linear_eval(
    epochs = 150,
    optim = sgd(lr = 0.025, weight_decay = 3e-4, schedule = cosine, warmup = 5),
    augment = aug.cifar_basic(data),
  ) after derive
}
