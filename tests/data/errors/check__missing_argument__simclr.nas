import std.augment
let v = augment.simclr_sswp()
