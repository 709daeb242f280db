// Two pipelines that can run without arguments: `nas run` and `nas ir` must be told which
// (`nas::check::several_pipelines`).
import std.recipes.sswp
import std.data

pipeline small = sswp.recipe(
  data = data.digits(limit = 160, test_limit = 50),
  cells = 3,
  channels = 4,
  epochs = 10,
  batch = 16,
) {}

pipeline smaller = sswp.recipe(
  data = data.digits(limit = 160, test_limit = 50),
  cells = 2,
  channels = 4,
  epochs = 10,
  batch = 16,
) {}
