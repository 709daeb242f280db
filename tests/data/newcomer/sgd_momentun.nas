// expect: nas::check::unknown_field @ 10
// expect: nas::check::out_of_range @ 11
// expect: nas::check::unknown_stage @ 12
// A typo in an optimiser argument, and two more mistakes further down: the typo must not
// hide them.
import std.recipes.sswp
import std.data

pipeline typo = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  search.weights = sgd(lr = 0.05, momentun = 0.9)
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32, drop_path = 1.5) after derive
  stage probe: knn(k = 20, labels = 10%) after derivee
}
