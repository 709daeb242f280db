// A learning rate written as a percentage.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(epochs = 2, optim = sgd(lr = 10%)) after derive
}
