import std.recipes.sswp
import std.data

let views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize([0.3], [0.4])])

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5) {
  views = views
}
