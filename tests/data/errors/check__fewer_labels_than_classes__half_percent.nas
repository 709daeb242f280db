// 0.5% of 1,500 digits: one labelled image per class, one of them held out: 9 for 10 classes.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 0.5%, epochs = 2, batch = 8) after derive
}
