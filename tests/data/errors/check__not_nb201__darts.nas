// A look-up in the NAS-Bench-201 table of a cell searched in the DARTS space.
import std.spaces.darts
import std.data

pipeline p {
  data = data.digits()
  space = darts.cifar(cells = 4, channels = 8)
  views = augmentation(views = 2, steps = [normalize(data.mean, data.std)])
  stage search: ssl_search { objective = simclr, batch = 16, weights = sgd(lr = 0.1), arch = adam(lr = 0.001), epochs = 1 }
  stage derive: derive after search
  stage truth: nb201_lookup(table = "../shared/data/nb201/nb201_tss_200ep_test_acc.csv") after derive
}
