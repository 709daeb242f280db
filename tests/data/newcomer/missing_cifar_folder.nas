// expect: nas::check::data_missing @ 7
// CIFAR-10 at its default folder (`data.cifar10()`; examples/cifar10.nas names the same), run
// before downloading the data: the folder is a default of std/data.nas, shown at this call.
import std.recipes.sswp
import std.data

pipeline cifar = sswp.recipe(data = data.cifar10(), cells = 8, channels = 16, epochs = 50, batch = 64) {}
