// 1% of 1,500 digits is 15 labelled images; 10% of them validate: 2 images.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 1%, epochs = 2, batch = 8) after derive
}
