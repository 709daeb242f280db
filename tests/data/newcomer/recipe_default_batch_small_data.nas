// expect: nas::check::batch_exceeds_split @ 8
// A quick try on 100 digits keeps the recipe's default batch of 96: each search split holds
// 50 images. The batch is the recipe's default, written in std/recipes/sswp.nas; the user's
// line is the call of the recipe.
import std.recipes.sswp
import std.data

pipeline quick = sswp.recipe(data = data.digits(limit = 100), cells = 4, channels = 8, epochs = 5) {}
