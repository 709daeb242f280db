// The built-in digits are 8x8: declaring 32x32 would be refused when the run reads them.
import std.data
import std.spaces.darts

pipeline p {
  data = dataset(source = digits_files, size = 32, channels = 1, classes = 10, mean = [0.3], std = [0.4])
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 32), normalize([0.3], [0.4])])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 5)
    epochs = 4
  }
}
