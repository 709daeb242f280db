// CIFAR-10 where it was never downloaded: the run would stop at its first stage.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.cifar10("data/cifar-10-not-here"), cells = 4, channels = 8, epochs = 5) {}
