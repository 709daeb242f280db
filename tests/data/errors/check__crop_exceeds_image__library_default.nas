// The standard CIFAR augmentation on 8x8 digits: its default cutout of 16, written in
// std/augment.nas, is shown where this file uses it.
import std.recipes.sswp
import std.data
import std.augment

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(epochs = 2, augment = augment.cifar_train(data)) after derive
}
