// expect: nas::check::small_validation @ 9
// expect: nas::check::fewer_labels_than_classes @ 9
// "Few labels" taken to the extreme: 0.5% of 1,500 digits. One image per class, and the
// validation split takes one of them: 9 training images for 10 classes.
import std.recipes.sswp
import std.data

pipeline few = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 0.5%, epochs = 10, batch = 8) after derive
}
