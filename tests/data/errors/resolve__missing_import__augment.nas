// `augment` is the standard module std.augment, used without its import.
import std.data

let views = augment.simclr(data.digits())
