// A tiny SSWP pipeline for the run tests: 160 digits, a 3-cell x 4-channel supernet,
// 10 epochs of 4 weight steps (2 warm-up, 4 search, 4 freeze), then derive.
import std.recipes.sswp
import std.data

pipeline tiny = sswp.recipe(data = data.digits(limit = 160, test_limit = 50), cells = 3, channels = 4, epochs = 10, batch = 16) {
  seed = 11
  views = augmentation(views = 2, steps = [
    random_resized_crop(size = 8, scale = (0.5, 1.0)),
    normalize(data.mean, data.std),
  ])
  search.steps_per_epoch = 4
  search.arch = adam(lr = 3e-2, betas = (0.0, 0.999), every = 1)
}
