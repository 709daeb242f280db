import std.spaces.darts
let s = darts.cifar(layers = 20)
