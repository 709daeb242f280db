// The run tests point this at an image folder holding a file that is not an image.
import std.recipes.sswp
import std.data

pipeline folder = sswp.recipe(data = data.image_folder(dir = "DIR", size = 8, classes = 2), cells = 3, channels = 4, epochs = 1, batch = 2) {}
