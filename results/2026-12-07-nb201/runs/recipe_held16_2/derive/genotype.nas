// The genotype derived by stage `derive`, as .nas source: use it as
// `genotype = derived` of a network with the searched space (and, per cell, depth).
let derived = nb201_arch(arch = "|nor_conv_3x3~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_1x1~2|")
