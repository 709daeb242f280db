// expect: nothing
// The recipe with 3 epochs for a smoke test. Its phases take 20% / 40% / 40%: warm-up 0
// epochs, search 1, freeze 2. At a batch of 32 the search epoch makes 23 weight steps on
// the 750 images of each split, so 4 architecture steps (one after every 5) before the
// first cell is frozen: few, but the alphas move, and nothing is reported.
import std.recipes.sswp
import std.data

pipeline smoke = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 3, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 3, batch = 32) after derive
}
