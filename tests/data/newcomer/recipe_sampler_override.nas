// expect: nas::check::incompatible @ 7
// Perturbation selection in the recipe's two-path search: it needs `sampler = darts`.
import std.recipes.sswp
import std.data

pipeline perturbed = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 10, batch = 32) {
  search.freeze.select = perturbation
}
