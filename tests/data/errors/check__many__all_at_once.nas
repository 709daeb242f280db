let w = sgd(lr = -1)
let f = flip(p = 2)
let x = undefined_thing
let c = conv(2)
