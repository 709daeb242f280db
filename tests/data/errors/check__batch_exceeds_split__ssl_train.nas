// Self-supervised training on 40 images with a batch of 64.
import std.recipes.sswp
import std.data
import std.augment

pipeline p = sswp.recipe(data = data.digits(limit = 40), cells = 4, channels = 8, epochs = 5, batch = 4) {
  stage more: ssl_train(views = augment.simclr(data), objective = simclr(temperature = 0.1), optim = sgd(lr = 0.05), epochs = 2, batch = 64) after derive
}
