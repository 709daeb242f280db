import std.data
import std.spaces.darts
import std.augment

pipeline p {
  data = data.digits()
  space = darts.cifar(cells = 4, channels = 8, ops = darts.sswp_ops, alpha = per_cell)
  views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize([0.3], [0.4])])
  stage d: derive
}
