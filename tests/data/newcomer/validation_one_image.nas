// expect: nas::check::small_validation @ 8
// 1% of the digits (15 labelled images) with a 5% validation split: 1 image validates, so
// validation accuracy is 0% or 100%.
import std.recipes.sswp
import std.data

pipeline one_val = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 1%, val_fraction = 5%, epochs = 10, batch = 8) after derive
}
