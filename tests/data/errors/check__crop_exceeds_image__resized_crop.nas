// Views cropped to 32x32 from 8x8 digits: the search trains on another resolution.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  views = augmentation(views = 2, steps = [random_resized_crop(size = 32), flip(p = 0.5), normalize(data.mean, data.std)])
}
