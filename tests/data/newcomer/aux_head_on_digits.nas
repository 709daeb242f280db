// expect: nas::check::invalid_network @ 14
// A newcomer copies the DARTS evaluation setting (an auxiliary tower with weight 0.4) onto the
// built-in 8x8 digits: after two reductions the features are 2x2, too small for the head.
// It used to pass `nas check` and fail when the run built the network.
import std.recipes.sswp
import std.data

pipeline digits = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {
  stage tune: finetune(
    init = preserved,
    labels = 10%,
    epochs = 10,
    batch = 32,
    auxiliary = 0.4,
  ) after derive
}
