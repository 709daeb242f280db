// An override makes the recipe's phases last 184 of its default 300 epochs: the error is in
// the recipe's text, and the report shows where this pipeline uses the recipe.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, batch = 32) {
  search.freeze.epochs = 4
}
