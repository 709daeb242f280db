// expect: nas::check::crop_exceeds_image @ 9
// Cutout 16, the DARTS evaluation default, on 8x8 digits: it blanks every image.
import std.recipes.sswp
import std.data

let tune_views = augmentation(views = 1, steps = [
  random_crop(size = 8, padding = 1),
  normalize([0.3053], [0.3761]),
  cutout(size = 16),
])

pipeline blanked = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 10, batch = 32, augment = tune_views) after derive
}
