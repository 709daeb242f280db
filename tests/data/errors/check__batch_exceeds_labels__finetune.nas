// 10% of 1,500 digits, less 10% for validation: 135 training images for a batch of 256.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 2, batch = 256) after derive
}
