// expect: nas::check::type_mismatch @ 8
// expect: nas::check::out_of_range @ 9
// The cell count written as a string (as on a command line): the recipe call is wrong, and
// the stages of the pipeline are still checked.
import std.recipes.sswp
import std.data

pipeline quoted = sswp.recipe(data = data.digits(), cells = "4", channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32, optim = sgd(lr = -0.1)) after derive
}
