// CIFAR-10 at its default folder, never downloaded: the folder is a default of std/data.nas,
// so the report shows this file's dataset and names the library's line.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.cifar10(), cells = 4, channels = 8, epochs = 5) {}
