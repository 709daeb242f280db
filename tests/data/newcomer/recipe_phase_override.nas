// expect: nas::check::phase_epochs @ 9
// Shortening the recipe's last phase without changing `epochs`: the phases of the recipe's
// search (written in std/recipes/sswp.nas) no longer add up. It is shown at the override
// that broke the sum, with the `epochs = 10` they must add up to as a note.
import std.recipes.sswp
import std.data

pipeline shorter = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 10, batch = 32) {
  search.freeze.epochs = 2
}
