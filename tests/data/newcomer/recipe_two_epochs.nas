// expect: nas::check::no_arch_steps @ 7
// The recipe with 2 epochs: 40% of 2 is 0, so the search phase lasts 0 epochs and the
// freezing phase freezes the first cell before the architecture has taken a step.
import std.recipes.sswp
import std.data

pipeline smoke = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 2, batch = 32) {
  stage tune: finetune(labels = 10%, epochs = 3, batch = 32) after derive
}
