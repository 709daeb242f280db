import std.spaces.darts
let s = darts.cifr(cells = 8)
