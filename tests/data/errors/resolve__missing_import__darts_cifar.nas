// Without `import std.spaces.darts`, `darts` is the built-in sampler: the import is missing.
import std.data

let space = darts.cifar(cells = 4, channels = 8, ops = [relu], alpha = per_cell)
