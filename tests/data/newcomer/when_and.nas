// expect: nas::syntax::logical_operator @ 18
// Two conditions joined with `and`: a phase ends on one condition, so this is a coded
// syntax error that says how to wait for two things.
import std.data
import std.spaces.darts
import std.augment

pipeline both {
  data = data.digits()
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize(data.mean, data.std)])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 2)
    steps_per_epoch = 10
    phase search { max_epochs = 10, when loss < 2.0 and alpha_entropy < 1.5 }
  }
  stage derive: derive after search
}
