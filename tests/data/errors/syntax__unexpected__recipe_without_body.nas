// A pipeline made from a recipe needs a body, even `{}`: the error is at the end of the
// call (line 7), not at the next pipeline (line 9) where the grammar gives up.
import std.recipes.sswp
import std.data

pipeline small = sswp.recipe(data = data.digits(), cells = 3, channels = 4, epochs = 10,
  batch = 16)

pipeline larger = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 10, batch = 32) {}
