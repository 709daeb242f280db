// The only phase that learns the architecture lasts 0 epochs.
import std.data
import std.spaces.darts
import std.augment

pipeline p {
  data = data.digits()
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augment.simclr(data)
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 5)
    phase warmup { epochs = 4, arch = frozen }
    phase search { epochs = 0 }
  }
}
