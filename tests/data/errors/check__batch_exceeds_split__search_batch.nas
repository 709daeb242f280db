// 1,500 digits split 50/50: no split holds a batch of 4096, so the search cannot step.
import std.recipes.sswp
import std.data

pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 4096) {}
