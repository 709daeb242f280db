// expect: nas::check::data_missing @ 8
// Only the first CIFAR-10 training batch was copied, but the dataset names two.
import std.recipes.sswp
import std.data

let cifar = data.cifar10(
  dir = "../shared/data/cifar10",
  train = ["data_batch_1.bin", "data_batch_2.bin"],
)

pipeline two_batches = sswp.recipe(data = cifar, cells = 8, channels = 16, epochs = 10, batch = 64) {}
