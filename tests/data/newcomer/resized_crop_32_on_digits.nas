// expect: nas::check::crop_exceeds_image @ 9
// Views copied from a CIFAR-10 pipeline: a 32x32 random resized crop of 8x8 digits scales
// them up, so the search trains at another resolution than evaluation sees.
import std.recipes.sswp
import std.data

pipeline upscaled = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  views = augmentation(views = 2, steps = [
    random_resized_crop(size = 32, scale = (0.2, 1.0)),
    flip(p = 0.5),
    normalize(data.mean, data.std),
  ])
}
