// expect: nas::check::type_mismatch @ 8
// A learning rate written as a percentage: percentages are fractions (labels, splits), not
// learning rates.
import std.recipes.sswp
import std.data

pipeline percent = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32, optim = sgd(lr = 10%)) after derive
}
