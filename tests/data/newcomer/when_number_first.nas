// expect: nothing
// A condition written number first, `4.0 > loss`: the same as `loss < 4.0`. It used to say
// "unknown metric `a number`"; now it is accepted.
import std.data
import std.spaces.darts
import std.augment

pipeline until_loss {
  data = data.digits()
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize(data.mean, data.std)])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 2)
    steps_per_epoch = 10
    phase warmup { max_epochs = 3, when 4.0 > loss, arch = frozen }
    phase search { epochs = 3 }
  }
  stage derive: derive after search
}
