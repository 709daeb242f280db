// expect: nas::check::no_arch_steps @ 8
// The recipe with 3 epochs and the search cut to 4 steps per epoch to make it quicker: with
// one architecture step after every 5 weight steps, no epoch reaches one.
import std.recipes.sswp
import std.data

pipeline quicker = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 3, batch = 32) {
  search.steps_per_epoch = 4
}
