// expect: nas::syntax::unexpected @ 7
// Writing a recipe's pipeline like a `let`, without a body: the grammar can only tell at
// the next line's `pipeline`, but the error is shown at the end of the call (// comments
// and blank lines in between are skipped), where the `{}` goes.
import std.data
import std.recipes.sswp
pipeline mine = sswp.recipe(data = data.digits(), cells = 3, channels = 4, epochs = 10, batch = 16) // my recipe

// the next pipeline
pipeline other = sswp.recipe(data = data.digits(), cells = 3, channels = 4, epochs = 12, batch = 16) {}
