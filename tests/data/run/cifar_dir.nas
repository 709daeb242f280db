// The run tests point this at a folder holding a truncated CIFAR batch.
import std.recipes.sswp
import std.data

pipeline broken = sswp.recipe(data = data.cifar10(dir = "DIR", train = ["data_batch_1.bin"]), cells = 3, channels = 4, epochs = 1, batch = 8) {}
