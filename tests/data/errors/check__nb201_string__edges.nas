import std.data
import std.spaces.nb201

pipeline p {
  data = data.digits()
  stage t: train(epochs = 1, network = nb201.network(genotype = nb201.arch("|nor_conv_3x3~0|+|none~1|")))
}
