import std.data
let d = data.cifar10("data/cifar-10
