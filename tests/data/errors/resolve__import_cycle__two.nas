import cycle.b
let x = 1
