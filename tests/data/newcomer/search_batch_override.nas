// expect: nas::check::batch_exceeds_split @ 7
// The same batch set as an override of the recipe's search stage instead of its argument.
import std.recipes.sswp
import std.data

pipeline big = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5) {
  search.batch = 4096
}
