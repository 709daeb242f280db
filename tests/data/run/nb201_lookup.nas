// A tiny NB201 search on the digits, its derived cell looked up in the NAS-Bench-201 table,
// and a fixed cell looked up beside it (tests/cli run.rs).
import std.spaces.nb201
import std.data

pipeline p {
  data = data.digits()
  seed = 0
  space = nb201.network(channels = 4, cells_per_stage = 1)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8, scale = (0.5, 1.0)), normalize(data.mean, data.std)])
  stage search: ssl_search {
    objective = simclr(temperature = 0.1)
    batch = 16
    steps_per_epoch = 2
    weights = sgd(lr = 0.05)
    arch = adam(lr = 3e-3)
    epochs = 1
  }
  stage derive: derive after search
  stage truth: nb201_lookup(table = "../shared/data/nb201/nb201_tss_200ep_test_acc.csv") after derive
  // one of the two cells at the table's best CIFAR-10 accuracy (94.3733)
  stage best: nb201_lookup(table = "../shared/data/nb201/nb201_tss_200ep_test_acc.csv",
                           genotype = nb201.arch("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"))
}
