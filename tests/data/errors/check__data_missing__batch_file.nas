// The folder exists, but one of the batch files it names does not.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.cifar10(dir = "../shared/data/cifar10", train = ["data_batch_1.bin", "data_batch_9.bin"]), cells = 4, channels = 8, epochs = 5) {}
