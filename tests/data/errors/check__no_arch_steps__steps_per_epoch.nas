// Two weight steps per epoch, one architecture step every five: the alphas never move.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  search.steps_per_epoch = 2
}
