import std.data
import std.spaces.darts
import std.augment

pipeline p {
  data = data.digits()
  space = darts_net(stem = "imagenet", stem_multiplier = 2, cells = 4, channels = 16, ops = darts.sswp_ops)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize([0.3], [0.4])])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 5)
    epochs = 4
  }
}
