// A 32x32 crop of 8x8 digits padded by 4: larger than the padded image, it cannot be taken.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(epochs = 2, augment = augmentation(steps = [random_crop(size = 32, padding = 4), normalize(data.mean, data.std)])) after derive
}
