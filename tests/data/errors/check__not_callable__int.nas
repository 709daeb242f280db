let n = 3
let m = n(1)
