// Every stage kind once, on the built-in digits (a check/lowering test input).
import std.data
import std.spaces.darts
import std.augment
import std.genotypes

pipeline all_kinds {
  data = data.digits(limit = 200)
  space = darts.cifar(cells = 3, channels = 4, ops = darts.sswp_ops, alpha = per_cell)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize(data.mean, data.std)])
  stage pre: ssl_train(network = darts.cifar(cells = 3, channels = 4, genotype = genotypes.pdarts), objective = simclr, epochs = 2, batch = 16, optim = sgd(lr = 0.1))
  stage probe: knn(network = darts.cifar(cells = 3, channels = 4, genotype = genotypes.pdarts), init = from("pre"), k = 5)
  stage search: ssl_search {
    objective = simclr
    sampler = darts()
    batch = 16
    weights = sgd(lr = 0.1)
    arch = adam(lr = 1e-3)
    phase p { max_epochs = 3, when alpha_entropy <= 0.5 }
  }
  stage d: derive after search
  stage k2: knn after d
}
