// A tiny SSWP pipeline that ends in a fine-tuning stage, for `nas export` and `nas predict`:
// 160 digits, a 3-cell x 4-channel supernet searched for 5 epochs of 2 steps, derived, then
// fine-tuned for 6 epochs from the preserved weights and tested on the whole test split.
import std.recipes.sswp
import std.data

pipeline export = sswp.recipe(
  data = data.digits(limit = 160),
  cells = 3,
  channels = 4,
  epochs = 5,
  batch = 16,
) {
  seed = 5
  views = augmentation(views = 2, steps = [
    random_resized_crop(size = 8, scale = (0.5, 1.0)),
    normalize(data.mean, data.std),
  ])
  search.steps_per_epoch = 2
  search.arch = adam(lr = 3e-2, betas = (0.0, 0.999), every = 1)
  stage tune: finetune(
    init = preserved,
    labels = 100%,
    epochs = 6,
    batch = 16,
    augment = augmentation(views = 1, steps = [normalize(data.mean, data.std)]),
    optim = sgd(lr = 0.05, momentum = 0.9, weight_decay = 3e-4, clip_norm = 5, schedule = cosine),
  ) after derive
}
