// expect: nas::check::type_mismatch @ 8
// expect: nas::check::unknown_field @ 9
// expect: nas::check::type_mismatch @ 10
// The three call-argument mistakes of issue 23 in one file: each is reported, none twice.
import std.recipes.sswp
import std.data

pipeline all_three = sswp.recipe(data = data.digits(), cells = "4", channels = 8, epochs = 5, batch = 32) {
  search.weights = sgd(lr = 0.05, momentun = 0.9)
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32, optim = sgd(lr = 10%)) after derive
}
