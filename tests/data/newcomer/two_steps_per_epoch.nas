// expect: nas::check::no_arch_steps @ 25
// The grammar README's pipeline, made faster by cutting the search to 2 steps per epoch:
// with one architecture step after every 5 weight steps, counted within an epoch, the
// alphas never move and the genotype is the tie-break of their initial values.
import std.data
import std.spaces.darts
import std.augment

pipeline fast_digits {
  data = data.digits()
  seed = 7
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augmentation(views = 2, steps = [
    random_resized_crop(size = 8, scale = (0.5, 1.0)),
    normalize(data.mean, data.std),
  ])

  stage search: ssl_search {
    objective = simclr(temperature = 0.07, head = mlp(128, 128))
    sampler = two_path(skip_drop = 0.2)
    batch = 32
    weights = sgd(lr = 0.025, momentum = 0.9, weight_decay = 4e-5, clip_norm = 5, schedule = cosine)
    arch = adam(lr = 1e-3, betas = (0.0, 0.999), every = 5)
    epochs = 6
    steps_per_epoch = 2
    phase warmup { epochs = 2, arch = frozen }
    phase search { epochs = 2 }
    phase freeze { epochs = 2, freeze = cells(forward) }
  }
  stage derive: derive { edges_per_node = 2, max_skip = 2, max_pool = 2 } after search
}
