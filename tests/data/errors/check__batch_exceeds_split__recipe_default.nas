// 100 digits split 50/50 against the recipe's default batch of 96: the batch is written in
// the recipe, so the report shows the recipe's line and where this pipeline uses it.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(limit = 100), cells = 4, channels = 8, epochs = 5) {}
