// Perturbation selection measures the all-path mixture; the two_path sampler has none.
import std.spaces.nb201
import std.data

pipeline p {
  data = data.digits()
  space = nb201.network(channels = 4, cells_per_stage = 1)
  views = augmentation(views = 2, steps = [normalize(data.mean, data.std)])
  stage search: ssl_search {
    objective = simclr
    sampler = two_path
    batch = 16
    weights = sgd(lr = 0.05)
    arch = adam(lr = 0.001)
    phase warmup { epochs = 1, arch = frozen }
    phase select { epochs = 3, arch = frozen, select = perturbation }
  }
}
