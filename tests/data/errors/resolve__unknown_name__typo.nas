import std.spaces.darts
let ops = [darts.sep_conv_3x3, sep_conv_5x5]
