import std.data
import std.spaces.darts

pipeline p {
  data = data.digits()
  stage t: train(epochs = 1, network = darts.cifar(cells = 4, channels = 8, genotype = genotype(
    normal = [("sep_conv_3x3", 0), ("sep_conv_3x3", 1)],
    reduce = [("max_pool_3x3", 0), ("max_pool_3x3", 1), ("skip_connect", 2), ("max_pool_3x3", 1),
              ("max_pool_3x3", 0), ("skip_connect", 2), ("skip_connect", 2), ("max_pool_3x3", 5)])))
}
