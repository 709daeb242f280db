// A kNN bank of 1% of 1,500 digits (15 images) cannot give 500 neighbours.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage probe: knn(k = 500, labels = 1%) after derive
}
