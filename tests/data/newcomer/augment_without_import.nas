// expect: nas::resolve::missing_import @ 10
// `augment.simclr` without `import std.augment`: the help should name the import instead of
// listing every name in scope.
import std.data
import std.spaces.darts

pipeline views_only {
  data = data.digits()
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augment.simclr(data)
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 2)
    epochs = 4
    steps_per_epoch = 10
  }
}
