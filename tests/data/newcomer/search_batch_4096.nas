// expect: nas::check::batch_exceeds_split @ 8
// A large batch, as on a GPU with CIFAR-10, on the 1,500 built-in digits: each half of the
// search split holds 750 images, not one batch of 4096. It used to fail at run time with a
// location in std/recipes/sswp.nas.
import std.recipes.sswp
import std.data

pipeline big = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 4096) {
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32) after derive
}
