// 1,000 cells of 65,536 channels on 4096x4096 images: no 64-bit count holds the cost.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.image_folder(dir = "x", size = 4096, classes = 10), cells = 1000, channels = 65536, epochs = 3, batch = 32) {}
