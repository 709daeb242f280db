// expect: nas::check::crop_exceeds_image @ 9
// The standard library's CIFAR training augmentation on digits: its cutout of 16 (a default
// written in std/augment.nas) blanks every 8x8 image. The user's line is the call.
import std.recipes.sswp
import std.data
import std.augment

pipeline borrowed = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32, augment = augment.cifar_train(data)) after derive
}
