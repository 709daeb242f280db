// expect: nas::check::k_exceeds_bank @ 7
// kNN with the k of the SimCLR paper on a bank of 1% of the digits: 15 images.
import std.recipes.sswp
import std.data

pipeline probe = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage probe: knn(k = 500, labels = 1%) after derive
}
