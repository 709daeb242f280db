// Three independent mistakes, one of them in the recipe call: all three are reported.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = "4") {
  stage tune: finetune(labels = 10%, epochs = 2, optim = sgd(lr = 0.1, momentun = 0.9)) after derive
  stage probe: linear_eval(epochs = 2, batchh = 3) after derive
}
