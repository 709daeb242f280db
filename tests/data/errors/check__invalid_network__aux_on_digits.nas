// An auxiliary head on 8x8 digits: after two reductions the features are 2x2.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 3, batch = 32) {
  stage tune: finetune(init = preserved, labels = 10%, epochs = 2, auxiliary = 0.4) after derive

}
