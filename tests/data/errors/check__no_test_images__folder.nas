// An image folder without a test folder: the fine-tuning stage could not report accuracy.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.image_folder(dir = "tests/data/images", size = 8, classes = 2), cells = 4, channels = 8, epochs = 5, batch = 2) {
  search.arch = adam(lr = 1e-3, betas = (0.0, 0.999), every = 2)
  stage tune: finetune(epochs = 2, batch = 2, val_fraction = 0) after derive
}
