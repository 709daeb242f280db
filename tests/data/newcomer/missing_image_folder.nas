// expect: nas::check::data_missing @ 8
// An image folder named relative to the .nas file (tests/data/images exists), but data
// paths are read from the folder `nas` runs in, the repository root here.
import std.recipes.sswp
import std.data

pipeline photos = sswp.recipe(
  data = data.image_folder(dir = "../images", size = 32, classes = 2),
  cells = 4,
  channels = 8,
  epochs = 5,
  batch = 2,
) {}
